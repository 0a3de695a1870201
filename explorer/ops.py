"""Convolution, pooling and display scaling on channels-last NumPy arrays."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from explorer.padding import (
    Padding4,
    PadMode,
    as_padding4,
    check_pad_fits,
    check_pad_mode,
    pad,
)
from explorer.shapes import conv_output_size

PaddingSpec = int | tuple[int, int] | tuple[int, int, int, int] | Literal["valid", "same"]
PoolMode = Literal["max", "avg", "min"]
DisplayMethod = Literal["minmax", "abs", "clip"]

DISPLAY_METHODS: dict[str, str] = {
    "minmax": "stretch: the minimum becomes 0 (black) and the maximum 255 (white)",
    "abs": "absolute value, clipped to 255: strong edges of either sign are bright",
    "clip": "values below 0 become 0 and above 255 become 255",
}

# Dtypes cv2.filter2D reads directly into a float32 result, with no conversion copy.
_CV2_FILTER_DTYPES = {np.dtype(name) for name in ("uint8", "uint16", "int16", "float32")}


def filter2d(
    image: np.ndarray,
    kernel: np.ndarray,
    *,
    stride: int | tuple[int, int] = 1,
    padding: PaddingSpec = 0,
    pad_mode: PadMode = "zeros",
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """Slide one 2-D kernel over every channel of an image on its own.

    This is the image-processing filter. Like CNN layers and ``cv2.filter2D`` it
    computes a *cross-correlation*: the kernel is not flipped, so the output at
    ``(y, x)`` is ``sum(kernel * window)`` for the window whose top-left corner is
    at ``(stride*y, stride*x)`` of the padded image.

    Parameters
    ----------
    image : (H, W) or (H, W, C) ndarray
        Any numeric dtype. NaN pixels stay NaN in every window that holds them,
        as in PyTorch.
    kernel : (kh, kw) array_like
        Finite numbers; odd, even and non-square sizes are all allowed.
    stride : int or (sh, sw), optional
        Step between window positions, at least 1.
    padding : int, (ph, pw), (top, bottom, left, right), 'valid' or 'same', optional
        ``'valid'`` is 0. ``'same'`` keeps the size (stride 1 only); for an even
        kernel the extra row/column goes at the bottom/right, as in PyTorch.
    pad_mode : {'zeros', 'reflect', 'replicate', 'circular'}, optional
        How the border is filled; see :func:`explorer.padding.pad`.
    dilation : int or (dh, dw), optional
        Spacing between kernel taps, at least 1.

    Returns
    -------
    (H', W') or (H', W', C) float32 ndarray
        ``H' = conv_output_size(H, kh, padding=ph, stride=sh, dilation=dh)``.

    Raises
    ------
    ValueError
        For a non-finite or empty kernel, a bad argument, or a kernel that does not
        fit in the padded image (the message shows the size formula).

    Examples
    --------
    >>> notes_6x6 = np.repeat([0, 255], 18).reshape(6, 6)
    >>> sobel = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
    >>> filter2d(notes_6x6, sobel)[:, 0].tolist()
    [0.0, -1020.0, -1020.0, 0.0]
    """
    image = _check_image(image)
    kernel = _check_kernel(kernel)
    stride_hw = _pair(stride, "stride")
    dilation_hw = _pair(dilation, "dilation")
    pads = _resolve_padding(padding, kernel.shape, stride_hw, dilation_hw)
    check_pad_mode(pad_mode)
    check_pad_fits(image.shape[:2], pads, pad_mode)
    out_h, out_w = _output_shape(image.shape[:2], kernel.shape, pads, stride_hw, dilation_hw)
    kernel = _dilate_kernel(kernel, dilation_hw)
    if image.dtype not in _CV2_FILTER_DTYPES:
        image = image.astype(np.float32)

    if stride_hw == (1, 1) and _fits_cv2_border(pads, kernel.shape, pad_mode):
        # OpenCV fills the border itself: no padded copy of the image is made.
        top, _, left, _ = pads
        result = _correlate(image, kernel, anchor=(left, top), border=_CV2_BORDERS[pad_mode])
        return _keep_channels(result[:out_h, :out_w], image)

    if stride_hw == (1, 1):
        return _keep_channels(_correlate(pad(image, pads, pad_mode), kernel)[:out_h, :out_w], image)
    # At a stride, PyTorch computes only the visited positions; OpenCV would compute
    # every position and throw most away. Each channel is its own input → output pair.
    image3 = image[:, :, None] if image.ndim == 2 else image  # (H, W, C)
    channels = image3.shape[2]
    if channels > 4:
        # A diagonal weight would do C× the needed work: go one channel at a time.
        maps = [
            _torch_conv(
                image3[:, :, c : c + 1], kernel[:, :, None, None], None, stride_hw, pads, pad_mode, (1, 1)
            )
            for c in range(channels)
        ]
        result = np.concatenate(maps, axis=2)
    else:
        weight = np.zeros((*kernel.shape, channels, channels), dtype=np.float32)
        for c in range(channels):
            weight[:, :, c, c] = kernel
        result = _torch_conv(image3, weight, None, stride_hw, pads, pad_mode, (1, 1))
    return result[:, :, 0] if image.ndim == 2 else result


def conv2d(
    image: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    *,
    stride: int | tuple[int, int] = 1,
    padding: PaddingSpec = 0,
    pad_mode: PadMode = "zeros",
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """A CNN convolution layer: every output channel sums over all input channels.

    Parameters
    ----------
    image : (H, W, C_in) or (H, W) ndarray
        Any numeric dtype; ``(H, W)`` counts as one input channel.
    weight : (kh, kw, C_in, C_out) array_like
        Keras layout: one ``kh × kw × C_in`` kernel per output channel.
    bias : (C_out,) array_like, optional
        Added to every cell of the matching output map.
    stride, padding, pad_mode, dilation
        As in :func:`filter2d`.

    Returns
    -------
    (H', W', C_out) float32 ndarray

    Raises
    ------
    ValueError
        When the weight's ``C_in`` differs from the image's channel count (a
        kernel must be ``k × k × n`` for an ``n``-channel input), for a bad bias
        shape, or for any reason :func:`filter2d` gives.

    Notes
    -----
    Computed by ``torch.nn.functional.conv2d`` on a zero-copy channels-last view
    of the array, so the result comes back channels-last without a transpose.
    """
    image = _check_image(image)
    if image.ndim == 2:
        image = image[:, :, None]
    weight = np.asarray(weight)
    if weight.ndim != 4 or 0 in weight.shape:
        raise ValueError(f"weight must be (kh, kw, C_in, C_out), got shape {weight.shape}")
    weight = _check_kernel(weight.reshape(weight.shape[0], -1)).reshape(weight.shape)
    kh, kw, c_in, c_out = weight.shape
    if c_in != image.shape[2]:
        raise ValueError(
            f"the kernels are {kh}×{kw}×{c_in} but the image has {image.shape[2]} channels: "
            f"a kernel needs one slice per input channel ({kh}×{kw}×{image.shape[2]})"
        )
    if bias is not None:
        bias = np.asarray(bias, dtype=np.float32)
        if bias.shape != (c_out,) or not np.isfinite(bias).all():
            raise ValueError(f"bias must be {c_out} finite numbers, got shape {bias.shape}")
    stride_hw = _pair(stride, "stride")
    dilation_hw = _pair(dilation, "dilation")
    pads = _resolve_padding(padding, (kh, kw), stride_hw, dilation_hw)
    check_pad_mode(pad_mode)
    _output_shape(image.shape[:2], (kh, kw), pads, stride_hw, dilation_hw)

    return _torch_conv(image, weight, bias, stride_hw, pads, pad_mode, dilation_hw)


def pool2d(
    image: np.ndarray,
    size: int | tuple[int, int] = 2,
    *,
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    mode: PoolMode = "max",
) -> np.ndarray:
    """Pooling: keep one number (max, average or min) from every window.

    Parameters
    ----------
    image : (H, W) or (H, W, C) ndarray
        Any numeric dtype.
    size : int or (kh, kw), optional
        Window size; a pooling window holds no weights.
    stride : int or (sh, sw), optional
        Defaults to ``size``: windows side by side, not overlapping.
    padding : int or (ph, pw), optional
        At most half the window (as in PyTorch). Padded cells never win a max or a
        min and are not counted in an average.
    mode : {'max', 'avg', 'min'}, optional

    Returns
    -------
    (H', W') or (H', W', C) float32 ndarray
        ``H' = conv_output_size(H, kh, padding=ph, stride=sh)``.

    Examples
    --------
    >>> pool2d(np.arange(16).reshape(4, 4), 2).tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    """
    image = _check_image(image)
    if mode not in ("max", "avg", "min"):
        raise ValueError(f"pooling mode must be 'max', 'avg' or 'min', got {mode!r}")
    size_hw = _pair(size, "size")
    stride_hw = size_hw if stride is None else _pair(stride, "stride")
    pad_hw = _pair(padding, "padding", low=0)
    for amount, window in zip(pad_hw, size_hw, strict=False):
        if amount > window // 2:
            raise ValueError(
                f"pooling padding must be at most half the window ({window} // 2 = "
                f"{window // 2}), got {amount}"
            )
    pads = (pad_hw[0], pad_hw[0], pad_hw[1], pad_hw[1])
    out_h, out_w = _output_shape(image.shape[:2], size_hw, pads, stride_hw, (1, 1))
    if image.dtype not in _CV2_FILTER_DTYPES:
        image = image.astype(np.float32)
    height, width = image.shape[:2]
    (kh, kw), (sh, sw), (ph, pw) = size_hw, stride_hw, pad_hw

    # OpenCV slides the window over every position, anchored so that position
    # (sh·y, sw·x) holds output (y, x); its constant border never wins a max or min.
    # Windows past the bottom/right edge need rows that are all padding.
    fill = {"max": -np.inf, "min": np.inf, "avg": 0.0}[mode]
    values = image.astype(np.float32, copy=False)
    short_h, short_w = max(0, out_h * sh - height), max(0, out_w * sw - width)
    if short_h or short_w:
        values = cv2.copyMakeBorder(values, 0, short_h, 0, short_w, cv2.BORDER_CONSTANT, value=(fill,) * 4)
        values = _keep_channels(values, image)
    window = np.ones((kh, kw), dtype=np.uint8)
    if mode == "max":
        swept = _per_channel(lambda v: cv2.dilate(v, window, anchor=(pw, ph)), values)
    elif mode == "min":
        swept = _per_channel(lambda v: cv2.erode(v, window, anchor=(pw, ph)), values)
    else:
        swept = _per_channel(
            lambda v: cv2.boxFilter(
                v, cv2.CV_32F, (kw, kh), anchor=(pw, ph), normalize=False, borderType=cv2.BORDER_CONSTANT
            ),
            values,
        )
    swept = _keep_channels(swept, values)[: out_h * sh, : out_w * sw]
    # Exact nearest-neighbour shrink by a whole factor keeps every sh-th row and sw-th column.
    result = _keep_channels(cv2.resize(swept, (out_w, out_h), interpolation=cv2.INTER_NEAREST), swept)
    if mode == "avg":
        rows = _cells_inside(height, kh, sh, ph, out_h)  # (H',)
        columns = _cells_inside(width, kw, sw, pw, out_w)  # (W',)
        counts = np.outer(rows, columns).astype(np.float32)  # (H', W')
        result = result / (counts[:, :, None] if result.ndim == 3 else counts)
    return result


def _cells_inside(n: int, window: int, stride: int, padding: int, out: int) -> np.ndarray:
    """How many real (not padded) cells each window along one side covers."""
    starts = np.arange(out) * stride - padding  # (out,)
    return np.minimum(starts + window, n) - np.maximum(starts, 0)


def to_display(x: np.ndarray, method: DisplayMethod = "minmax") -> np.ndarray:
    """Map any numeric result to 0..255 so it can be shown as pixels.

    Parameters
    ----------
    x : ndarray
        Any shape and numeric dtype; NaN counts as 0.
    method : {'minmax', 'abs', 'clip'}, optional
        ``'minmax'`` stretches min → 0 and max → 255 (the notes: −1020 → 0 and
        0 → 255); ``'abs'`` takes ``|x|`` clipped to 255; ``'clip'`` clips to 0..255.

    Returns
    -------
    uint8 ndarray, same shape as ``x``

    Notes
    -----
    A constant array has no range to stretch, so ``'minmax'`` maps it to its value
    clipped to 0..255 instead of dividing by zero.

    Examples
    --------
    >>> to_display(np.array([0, -1020, -1020, 0])).tolist()
    [255, 0, 0, 255]
    """
    if method not in DISPLAY_METHODS:
        raise ValueError(f"display method must be one of {sorted(DISPLAY_METHODS)}, got {method!r}")
    values = np.asarray(x)
    if values.dtype.kind != "b" and values.ndim in (2, 3) and values.size and _all_finite(values):
        return _to_display_fast(values, method)
    values = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=255.0, neginf=0.0)
    if method == "abs":
        values = np.abs(values)
    elif method == "minmax" and values.size:
        low, high = values.min(), values.max()
        if high > low:
            values = (values - low) * (255.0 / (high - low))
    return np.rint(np.clip(values, 0, 255)).astype(np.uint8)


def _all_finite(values: np.ndarray) -> bool:
    return values.dtype.kind in "iu" or bool(np.isfinite(values).all())


def _to_display_fast(values: np.ndarray, method: str) -> np.ndarray:
    """:func:`to_display` for finite images via OpenCV's saturating, rounding conversion."""
    values = np.ascontiguousarray(values, dtype=np.float32)
    if method == "minmax":
        low, high = float(values.min()), float(values.max())
        if high > low:
            scale = 255.0 / (high - low)
            return _per_channel(lambda v: cv2.convertScaleAbs(v, alpha=scale, beta=-low * scale), values)
    if method != "abs":
        values = np.maximum(values, 0, dtype=np.float32)  # convertScaleAbs would flip negatives
    return _per_channel(cv2.convertScaleAbs, values)


_CV2_BORDERS = {
    "zeros": cv2.BORDER_CONSTANT,
    "reflect": cv2.BORDER_REFLECT_101,
    "replicate": cv2.BORDER_REPLICATE,
}


def _check_image(image: np.ndarray) -> np.ndarray:
    """Reject anything that is not a non-empty numeric (H, W) or (H, W, C) array."""
    image = np.asarray(image)
    if image.ndim not in (2, 3) or 0 in image.shape:
        raise ValueError(f"image must be a non-empty (H, W) or (H, W, C) array, got {image.shape}")
    if image.dtype.kind not in "biuf":
        raise ValueError(f"image must hold numbers, got dtype {image.dtype}")
    return image.astype(np.uint8) if image.dtype.kind == "b" else image


def _check_kernel(kernel: np.ndarray) -> np.ndarray:
    """A finite, non-empty 2-D float32 kernel, or a ``ValueError`` saying what is wrong."""
    try:
        kernel = np.asarray(kernel, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"the kernel must hold numbers only: {error}") from None
    if kernel.ndim != 2 or 0 in kernel.shape:
        raise ValueError(f"the kernel must be a non-empty 2-D grid, got shape {kernel.shape}")
    if not np.isfinite(kernel).all():
        raise ValueError("the kernel holds NaN or infinite values")
    if np.abs(kernel).max() > np.finfo(np.float32).max:
        raise ValueError(f"kernel values must be below {np.finfo(np.float32).max:.3g} in size")
    return kernel.astype(np.float32)


def _pair(value: int | tuple[int, int], name: str, low: int = 1) -> tuple[int, int]:
    """``v`` or ``(v_h, v_w)`` as two ints, each at least ``low``."""
    pair = (value, value) if not isinstance(value, tuple) else value
    if len(pair) != 2 or any(
        isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low for v in pair
    ):
        raise ValueError(f"{name} must be a whole number >= {low} or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def _resolve_padding(
    padding: PaddingSpec,
    kernel_hw: tuple[int, int],
    stride_hw: tuple[int, int],
    dilation_hw: tuple[int, int],
) -> Padding4:
    """Turn a padding spec into ``(top, bottom, left, right)``."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(f"padding must be a number, 'valid' or 'same', got {padding!r}")
        if stride_hw != (1, 1):
            raise ValueError(f"padding='same' needs stride 1, got stride {stride_hw}")
        pads: list[int] = []
        for kernel, dilation in zip(kernel_hw, dilation_hw, strict=False):
            total = dilation * (kernel - 1)
            pads += [total // 2, total - total // 2]
        return (pads[0], pads[1], pads[2], pads[3])
    return as_padding4(padding)


def _output_shape(
    image_hw: tuple[int, ...],
    kernel_hw: tuple[int, ...],
    pads: Padding4,
    stride_hw: tuple[int, int],
    dilation_hw: tuple[int, int],
) -> tuple[int, int]:
    """Output (H', W') from the one size formula; asymmetric padding is pre-added."""
    sizes = []
    for n, kernel, before, after, stride, dilation in zip(
        image_hw, kernel_hw, pads[0::2], pads[1::2], stride_hw, dilation_hw, strict=False
    ):
        if before == after:
            sizes.append(conv_output_size(n, kernel, padding=before, stride=stride, dilation=dilation))
        else:
            sizes.append(conv_output_size(n + before + after, kernel, stride=stride, dilation=dilation))
    return sizes[0], sizes[1]


def _dilate_kernel(kernel: np.ndarray, dilation_hw: tuple[int, int]) -> np.ndarray:
    """Spread the taps apart with zeros between them: (kh, kw) → (dh(kh-1)+1, dw(kw-1)+1)."""
    if dilation_hw == (1, 1):
        return kernel
    dh, dw = dilation_hw
    kh, kw = kernel.shape
    dilated = np.zeros((dh * (kh - 1) + 1, dw * (kw - 1) + 1), dtype=kernel.dtype)
    dilated[::dh, ::dw] = kernel
    return dilated


def _fits_cv2_border(pads: Padding4, kernel_hw: tuple[int, int], pad_mode: str) -> bool:
    """Whether OpenCV's own border handling gives this padding without a padded copy."""
    top, bottom, left, right = pads
    return pad_mode in _CV2_BORDERS and top + bottom <= kernel_hw[0] - 1 and left + right <= kernel_hw[1] - 1


def _correlate(
    image: np.ndarray,
    kernel: np.ndarray,
    anchor: tuple[int, int] = (0, 0),
    border: int = cv2.BORDER_CONSTANT,
) -> np.ndarray:
    """``cv2.filter2D`` into float32, for any channel count."""
    return _per_channel(
        lambda chunk: cv2.filter2D(chunk, cv2.CV_32F, kernel, anchor=anchor, borderType=border), image
    )


def _per_channel(opencv_call: Callable[[np.ndarray], np.ndarray], image: np.ndarray) -> np.ndarray:
    """Run an OpenCV call on an image; one channel at a time past OpenCV's 4-channel limit."""
    channels = image.shape[2] if image.ndim == 3 else 1
    if channels <= 4:
        return opencv_call(image)
    return np.stack([opencv_call(image[:, :, c]) for c in range(channels)], axis=2)


def _torch_conv(
    image: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    stride_hw: tuple[int, int],
    pads: Padding4,
    pad_mode: str,
    dilation_hw: tuple[int, int],
) -> np.ndarray:
    """``F.conv2d`` on a zero-copy channels-last view: (H, W, C_in) → (H', W', C_out) float32."""
    top, bottom, left, right = pads
    symmetric_zeros = pad_mode == "zeros" and top == bottom and left == right
    if not symmetric_zeros:
        image = pad(image, pads, pad_mode)
    x = _to_float_tensor(image).permute(2, 0, 1).unsqueeze(0)  # (1, C_in, H, W), channels-last strides
    # Transposed in NumPy first: torch 2.13 gives wrong results for some shapes (C_in = 1, an
    # output one column wide) when a permuted view is made channels-last with .contiguous().
    w = torch.from_numpy(np.ascontiguousarray(weight.transpose(3, 2, 0, 1), dtype=np.float32))
    w = w.contiguous(memory_format=torch.channels_last)  # (C_out, C_in, kh, kw)
    b = None if bias is None else torch.from_numpy(bias)
    with torch.inference_mode():
        y = F.conv2d(
            x.contiguous(memory_format=torch.channels_last),
            w,
            b,
            stride=stride_hw,
            padding=(top, left) if symmetric_zeros else 0,
            dilation=dilation_hw,
        )  # (1, C_out, H', W'), channels-last strides
    return np.ascontiguousarray(y[0].permute(1, 2, 0).numpy())  # (H', W', C_out)


def _to_float_tensor(image: np.ndarray) -> torch.Tensor:
    """A float32 tensor of an (H, W, C) array; torch converts 8-bit data ~10× faster than NumPy."""
    image = np.ascontiguousarray(image)
    if not image.flags.writeable:
        image = image.copy()  # torch only wraps writable memory (the samples are read-only)
    if image.dtype in _TORCH_CONVERTS:
        return torch.from_numpy(image).to(torch.float32)
    return torch.from_numpy(image.astype(np.float32))


_TORCH_CONVERTS = {
    np.dtype(name) for name in ("uint8", "int8", "int16", "int32", "int64", "float32", "float64")
}


def _keep_channels(result: np.ndarray, image: np.ndarray) -> np.ndarray:
    """OpenCV drops a single channel axis; put it back so (H, W, 1) stays (H', W', 1)."""
    if image.ndim == 3 and result.ndim == 2:
        result = result[:, :, None]
    return result
