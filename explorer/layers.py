"""Convolution of colour images: kernels with one slice per channel, and layers of several kernels.

A colour picture is an ``(H, W, 3)`` block of numbers, so a kernel for it is a
``(kh, kw, 3)`` block: each slice slides over its own channel and the three
results add up into ONE map. Several kernels give several maps, stacked as the
channels of the next block, and the next layer's kernels need one slice per
channel of that block.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from explorer.colormaps import diverging_image, symmetric_limit
from explorer.images import enlarge_nearest, resample
from explorer.kernels import SOBEL_HORIZONTAL, SOBEL_VERTICAL
from explorer.ops import conv2d, filter2d
from explorer.pixels import frame
from explorer.shapes import conv_output_size

CHANNEL_NAMES: tuple[str, str, str] = ("red", "green", "blue")


@dataclass(frozen=True)
class ColourKernel:
    """A preset kernel for colour pictures.

    Attributes
    ----------
    name : str
        What the class calls it.
    meaning : str
        One plain sentence: what it finds.
    weights : (kh, kw, 3) float64 ndarray
        One slice per channel (red, green, blue); read-only.
    """

    name: str
    meaning: str
    weights: np.ndarray


def _colour_kernel(
    name: str, meaning: str, red: np.ndarray, green: np.ndarray, blue: np.ndarray
) -> ColourKernel:
    weights = np.stack([red, green, blue], axis=2).astype(np.float64)  # (kh, kw, 3)
    weights.flags.writeable = False
    return ColourKernel(name, meaning, weights)


_ZERO = np.zeros((3, 3))
_CENTRE = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=np.float64)

COLOUR_KERNELS: dict[str, ColourKernel] = {
    "sobel-horizontal": _colour_kernel(
        "Horizontal Sobel on every channel",
        "Finds horizontal edges in all three colours and adds them: a colour-blind edge finder.",
        SOBEL_HORIZONTAL.weights,
        SOBEL_HORIZONTAL.weights,
        SOBEL_HORIZONTAL.weights,
    ),
    "sobel-vertical": _colour_kernel(
        "Vertical Sobel on every channel",
        "Finds vertical edges in all three colours and adds them.",
        SOBEL_VERTICAL.weights,
        SOBEL_VERTICAL.weights,
        SOBEL_VERTICAL.weights,
    ),
    "red-edges": _colour_kernel(
        "Red-only edges",
        "Horizontal Sobel on the red channel, zeros on green and blue: only edges in red count.",
        SOBEL_HORIZONTAL.weights,
        _ZERO,
        _ZERO,
    ),
    "green-minus-red": _colour_kernel(
        "Green minus red",
        "+1 on green and −1 on red at the centre: positive where a pixel is greener than it is red.",
        _ZERO - _CENTRE,  # 0 − x, not −x, so the zeros are not written as −0
        _CENTRE,
        _ZERO,
    ),
    "brightness": _colour_kernel(
        "Brightness (average of channels)",
        "1/3 of each channel at the centre: the plain average of red, green and blue.",
        _CENTRE / 3,
        _CENTRE / 3,
        _CENTRE / 3,
    ),
}


def stack_slices(slices: Sequence[np.ndarray], names: Sequence[str] = CHANNEL_NAMES) -> np.ndarray:
    """Stack one 2-D slice per channel into a colour kernel.

    Parameters
    ----------
    slices : sequence of (kh, kw) array_like
        One per channel, all the same size.
    names : sequence of str, optional
        What to call each slice in an error message.

    Returns
    -------
    (kh, kw, C) float64 ndarray

    Raises
    ------
    ValueError
        When a slice is not 2-D, or the slices differ in size (the message names them).

    Examples
    --------
    >>> stack_slices([np.ones((3, 3)), np.zeros((3, 3)), np.eye(3)]).shape
    (3, 3, 3)
    """
    arrays = [np.asarray(s, dtype=np.float64) for s in slices]
    if not arrays:
        raise ValueError("a kernel needs at least one slice")
    for name, array in zip(names, arrays, strict=False):
        if array.ndim != 2 or 0 in array.shape:
            raise ValueError(f"the {name} slice must be a non-empty 2-D grid, got shape {array.shape}")
    sizes = [array.shape for array in arrays]
    if len(set(sizes)) > 1:
        listed = ", ".join(f"{name} {h} × {w}" for name, (h, w) in zip(names, sizes, strict=False))
        raise ValueError(
            f"all slices of one kernel must be the same size, but they are: {listed}. "
            "Each slice slides over its own channel and the results are added cell by cell, "
            "so they must all produce maps of the same size."
        )
    return np.stack(arrays, axis=2)  # (kh, kw, C)


@dataclass(frozen=True)
class ColourConvolution:
    """One colour kernel over one picture, channel by channel and as one layer.

    Attributes
    ----------
    per_channel : (H', W', C) float32 ndarray
        Channel ``c`` filtered with slice ``c`` on its own.
    summed : (H', W') float32 ndarray
        The per-channel maps added cell by cell.
    bias : float
    output : (H', W') float32 ndarray
        The same kernel as one convolution layer (``conv2d``), bias included:
        equal to ``summed + bias``.
    """

    per_channel: np.ndarray
    summed: np.ndarray
    bias: float
    output: np.ndarray

    @property
    def limit(self) -> float:
        """The largest |value| over all the maps, so they can share one colour scale."""
        return max(symmetric_limit(m) for m in (self.per_channel, self.summed, self.output))

    @property
    def picture_limit(self) -> float:
        """A shared colour limit for pictures of the maps: the largest :func:`robust_limit` among them."""
        maps = [*np.moveaxis(self.per_channel, 2, 0), self.summed, self.output]
        return max(robust_limit(m) for m in maps)


def convolve_colour(image: np.ndarray, kernel: np.ndarray, bias: float = 0.0) -> ColourConvolution:
    """Slide each slice of a colour kernel over its channel, add the maps, add the bias.

    Parameters
    ----------
    image : (H, W, C) ndarray
        Any numeric dtype.
    kernel : (kh, kw, C) array_like
        One slice per channel.
    bias : float, optional
        Added once to every cell of the output.

    Returns
    -------
    ColourConvolution
        ``H' = H − kh + 1``, ``W' = W − kw + 1`` (no padding, stride 1).

    Raises
    ------
    ValueError
        When the kernel has not one slice per channel, or does not fit the picture.

    Examples
    --------
    >>> notes = np.repeat([0, 255], 18).reshape(6, 6, 1).repeat(3, axis=2)
    >>> result = convolve_colour(notes, COLOUR_KERNELS["sobel-horizontal"].weights)
    >>> result.per_channel[1, 0].tolist(), float(result.output[1, 0])
    ([-1020.0, -1020.0, -1020.0], -3060.0)
    """
    image, kernel = _check_colour_pair(image, kernel)
    if not np.isfinite(bias):
        raise ValueError(f"bias must be a finite number, got {bias!r}")
    maps = [filter2d(image[:, :, c], kernel[:, :, c]) for c in range(image.shape[2])]  # C × (H', W')
    # Adding whole maps is ~20× faster than NumPy's sum over the last (strided) axis.
    summed = functools.reduce(np.add, maps)  # (H', W')
    per_channel = np.stack(maps, axis=2)  # (H', W', C)
    output = conv2d(image, kernel[:, :, :, None], np.array([bias]))[:, :, 0]  # (H', W')
    return ColourConvolution(per_channel, summed, float(bias), output)


@dataclass(frozen=True)
class CellBreakdown:
    """The arithmetic behind one output cell of a colour convolution.

    Attributes
    ----------
    row, col : int
        The output cell; its window's top-left pixel is at the same place.
    windows : (C, kh, kw) ndarray
        The pixels under the kernel, one window per channel.
    slices : (C, kh, kw) float64 ndarray
        The kernel slices.
    partial_sums : (C,) float64 ndarray
        ``sum(windows[c] * slices[c])``: each channel's share.
    bias : float
    layer_value : float
        What ``conv2d`` (one convolution layer) gives at this cell.
    """

    row: int
    col: int
    windows: np.ndarray
    slices: np.ndarray
    partial_sums: np.ndarray
    bias: float
    layer_value: float

    @property
    def total(self) -> float:
        """The partial sums added up."""
        return float(self.partial_sums.sum())

    @property
    def value(self) -> float:
        """The partial sums plus the bias: the output value, computed by hand."""
        return self.total + self.bias

    @property
    def matches_layer(self) -> bool:
        """Whether the hand computation agrees with ``conv2d`` (to float32 precision)."""
        return bool(np.isclose(self.value, self.layer_value, rtol=1e-5, atol=1e-3))

    def sum_text(self) -> str:
        """The shares added, then the bias: ``'−1020 + (−1020) + 0 = −2040; + bias 5 = −2035'``."""
        shares = " + ".join(_signed(p) if i else number_text(p) for i, p in enumerate(self.partial_sums))
        return (
            f"{shares} = {number_text(self.total)}; + bias {_signed(self.bias)} = {number_text(self.value)}"
        )

    def products(self, channel: int, max_terms: int = 9) -> str:
        """The multiply-and-add of one channel written out, e.g. ``'0·1 + 0·2 + … = 0'``.

        With more than ``max_terms`` products only the count is written.
        """
        window = self.windows[channel].ravel()
        weights = self.slices[channel].ravel()
        result = number_text(self.partial_sums[channel])
        if window.size > max_terms:
            return f"the sum of {window.size} products = {result}"
        terms = " + ".join(f"{number_text(p)}·{_signed(w)}" for p, w in zip(window, weights, strict=True))
        return f"{terms} = {result}"


def cell_breakdown(image: np.ndarray, kernel: np.ndarray, bias: float, row: int, col: int) -> CellBreakdown:
    """Work out one output cell by hand, channel by channel, and by ``conv2d``.

    Parameters
    ----------
    image : (H, W, C) ndarray
    kernel : (kh, kw, C) array_like
    bias : float
    row, col : int
        An output cell: ``0 <= row <= H − kh`` and ``0 <= col <= W − kw``.

    Returns
    -------
    CellBreakdown

    Raises
    ------
    ValueError
        For a cell outside the output, or a kernel that does not match the picture.

    Examples
    --------
    >>> notes = np.repeat([0, 255], 18).reshape(6, 6, 1).repeat(3, axis=2)
    >>> cell = cell_breakdown(notes, COLOUR_KERNELS["sobel-horizontal"].weights, 10, 1, 0)
    >>> cell.partial_sums.tolist(), cell.value, cell.layer_value
    ([-1020.0, -1020.0, -1020.0], -3050.0, -3050.0)
    """
    image, kernel = _check_colour_pair(image, kernel)
    kh, kw, _ = kernel.shape
    out_h, out_w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    if not (0 <= row < out_h and 0 <= col < out_w):
        raise ValueError(
            f"cell (row {row}, column {col}) is outside the {out_h} × {out_w} output "
            f"(rows 0–{out_h - 1}, columns 0–{out_w - 1})"
        )
    patch = image[row : row + kh, col : col + kw]  # (kh, kw, C)
    windows = np.moveaxis(patch, 2, 0)  # (C, kh, kw)
    slices = np.moveaxis(kernel, 2, 0).astype(np.float64)  # (C, kh, kw)
    partial_sums = (windows.astype(np.float64) * slices).sum(axis=(1, 2))  # (C,)
    layer_value = float(conv2d(patch, kernel[:, :, :, None], np.array([bias]))[0, 0, 0])
    return CellBreakdown(int(row), int(col), windows, slices, partial_sums, float(bias), layer_value)


def _check_colour_pair(image: np.ndarray, kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An (H, W, C) image and a (kh, kw, C) kernel that fits it, or a ValueError saying why not."""
    image = np.asarray(image)
    if image.ndim != 3 or 0 in image.shape:
        raise ValueError(f"the picture must be an (H, W, C) block, got shape {image.shape}")
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 3 or 0 in kernel.shape:
        raise ValueError(f"a colour kernel must be (kh, kw, C), got shape {kernel.shape}")
    if kernel.shape[2] != image.shape[2]:
        kh, kw, c = kernel.shape
        raise ValueError(
            f"the kernel is {kh} × {kw} × {c} but the picture has {image.shape[2]} channels: "
            f"it needs one slice per channel ({kh} × {kw} × {image.shape[2]})"
        )
    for side, n, k in (("tall", image.shape[0], kernel.shape[0]), ("wide", image.shape[1], kernel.shape[1])):
        if k > n:
            raise ValueError(f"the kernel is {k} {side} but the picture only {n}: it does not fit")
    return image, kernel


# Layers of several kernels ----------------------------------------------------------------


@dataclass(frozen=True)
class LayerShape:
    """One convolution layer's shapes and parameter count (no padding, stride 1).

    Attributes
    ----------
    input_shape : (h, w, c)
    kernel_size : int
        Each kernel is ``kernel_size × kernel_size × c``.
    kernels : int
        How many kernels: a hyper-parameter, chosen by the designer.
    output_shape : (h', w', kernels)
        One output channel per kernel.
    """

    input_shape: tuple[int, int, int]
    kernel_size: int
    kernels: int
    output_shape: tuple[int, int, int]

    @property
    def kernel_shape(self) -> tuple[int, int, int]:
        """``(k, k, c)``: one slice per input channel."""
        return (self.kernel_size, self.kernel_size, self.input_shape[2])

    @property
    def weights_per_kernel(self) -> int:
        """``k · k · c``: one weight per cell of every slice."""
        return int(np.prod(self.kernel_shape))

    @property
    def weights(self) -> int:
        """Trainable kernel weights of the whole layer."""
        return self.weights_per_kernel * self.kernels

    @property
    def biases(self) -> int:
        """Trainable biases: one per kernel."""
        return self.kernels

    @property
    def parameters(self) -> int:
        """Weights plus biases: everything training adjusts."""
        return self.weights + self.biases

    def kernels_text(self) -> str:
        """E.g. ``'4 kernels of 3 × 3 × 3'``."""
        plural = "kernel" if self.kernels == 1 else "kernels"
        return f"{self.kernels} {plural} of {shape_text(self.kernel_shape)}"


def shape_text(shape: Sequence[int]) -> str:
    """``(6, 6, 3)`` → ``'6 × 6 × 3'``."""
    return " × ".join(str(int(n)) for n in shape)


def trace_shapes(input_shape: tuple[int, int, int], layers: Sequence[tuple[int, int]]) -> list[LayerShape]:
    """Follow a block of numbers through convolution layers (no padding, stride 1).

    Parameters
    ----------
    input_shape : (h, w, c)
        The picture: ``(6, 6, 3)`` for the notes' colour example.
    layers : sequence of (kernel_size, kernels)
        Each layer's kernel side and how many kernels it has.

    Returns
    -------
    list of LayerShape
        Each layer's output is the next one's input.

    Raises
    ------
    ValueError
        When a count is below 1, or a kernel does not fit its input; the message
        names the layer and shows the size formula.

    Examples
    --------
    >>> trace_text(trace_shapes((6, 6, 3), [(3, 4), (3, 3)]))
    '6 × 6 × 3 → [4 kernels of 3 × 3 × 3] → 4 × 4 × 4 → [3 kernels of 3 × 3 × 4] → 2 × 2 × 3'
    """
    h, w, c = (int(n) for n in input_shape)
    if min(h, w, c) < 1:
        raise ValueError(f"the input shape must be three whole numbers >= 1, got {input_shape}")
    trace = []
    for number, (kernel_size, kernels) in enumerate(layers, start=1):
        if kernels < 1:
            raise ValueError(f"layer {number} needs at least 1 kernel, got {kernels}")
        try:
            out_h = conv_output_size(h, kernel_size)
            out_w = conv_output_size(w, kernel_size)
        except ValueError as error:
            raise ValueError(f"layer {number}: {error}") from None
        trace.append(LayerShape((h, w, c), int(kernel_size), int(kernels), (out_h, out_w, int(kernels))))
        h, w, c = out_h, out_w, int(kernels)
    return trace


def trace_text(trace: Sequence[LayerShape]) -> str:
    """The shapes in one line: ``'6 × 6 × 3 → [4 kernels of 3 × 3 × 3] → 4 × 4 × 4 → …'``."""
    if not trace:
        return ""
    parts = [shape_text(trace[0].input_shape)]
    for layer in trace:
        parts += [f"[{layer.kernels_text()}]", shape_text(layer.output_shape)]
    return " → ".join(parts)


def layer_kernels(kernel_size: int, channels: int, count: int, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Kernels for a demonstration layer, with a name for each.

    For 3 × 3 kernels on a 3-channel picture the presets of ``COLOUR_KERNELS``
    come first; the rest are random numbers (fixed by ``seed``), which is how an
    untrained network starts.

    Parameters
    ----------
    kernel_size : int
        Side of each kernel, at least 1.
    channels : int
        Slices per kernel: the input's channel count, at least 1.
    count : int
        How many kernels, at least 1.
    seed : int, optional

    Returns
    -------
    weights : (k, k, channels, count) float64 ndarray
    names : list of str, one per kernel
    """
    for name, value in (("kernel_size", kernel_size), ("channels", channels), ("count", count)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    rng = np.random.default_rng(seed)
    weights = rng.standard_normal((kernel_size, kernel_size, channels, count))  # (k, k, C, n)
    weights /= np.sqrt(kernel_size * kernel_size * channels)  # keeps outputs near the input's scale
    names = [f"random kernel {i + 1}" for i in range(count)]
    if kernel_size == 3 and channels == 3:
        for i, preset in enumerate(list(COLOUR_KERNELS.values())[:count]):
            weights[:, :, :, i] = preset.weights
            names[i] = preset.name
    return weights, names


@dataclass(frozen=True)
class TwoLayers:
    """A picture through two convolution layers.

    Attributes
    ----------
    trace : list of LayerShape
    first_maps : (H1, W1, n1) float32 ndarray
        One map per layer-1 kernel, stacked as channels.
    first_names : list of str
    second_maps : (H2, W2, n2) float32 ndarray
        One map per layer-2 kernel; each kernel reads all ``n1`` maps.
    """

    trace: list[LayerShape]
    first_maps: np.ndarray
    first_names: list[str]
    second_maps: np.ndarray


def two_layers(
    image: np.ndarray, kernel_size: int, first_kernels: int, second_kernels: int, seed: int = 0
) -> TwoLayers:
    """Run a picture through two convolution layers with real ``conv2d`` (biases 0).

    Parameters
    ----------
    image : (H, W, C) ndarray
    kernel_size : int
        The side of every kernel in both layers.
    first_kernels, second_kernels : int
        Kernels in layer 1 and layer 2; layer-2 kernels are ``k × k × first_kernels``.
    seed : int, optional
        Fixes the random kernels (see :func:`layer_kernels`).

    Raises
    ------
    ValueError
        When a kernel does not fit (see :func:`trace_shapes`).
    """
    image = np.asarray(image)
    if image.ndim != 3:
        raise ValueError(f"the picture must be an (H, W, C) block, got shape {image.shape}")
    trace = trace_shapes(image.shape, [(kernel_size, first_kernels), (kernel_size, second_kernels)])
    weights1, names = layer_kernels(kernel_size, image.shape[2], first_kernels, seed)
    weights2, _ = layer_kernels(kernel_size, first_kernels, second_kernels, seed + 1)
    first = conv2d(image, weights1, np.zeros(first_kernels))  # (H1, W1, n1)
    second = conv2d(first, weights2, np.zeros(second_kernels))  # (H2, W2, n2)
    return TwoLayers(trace, first, names, second)


# Showing signed maps -----------------------------------------------------------------------


def signed_picture(values: np.ndarray, longest_side: int, limit: float | None = None) -> np.ndarray:
    """A signed map as a picture about ``longest_side`` pixels long: purple < 0, white 0, orange > 0.

    Parameters
    ----------
    values : (H, W) ndarray
    longest_side : int
        Big maps are shrunk (area average) to this; small ones are enlarged in
        whole blocks so each cell stays a visible square.
    limit : float, optional
        The magnitude drawn at full colour; by default :func:`robust_limit` of
        the map. Several maps share one scale by passing the same limit.

    Returns
    -------
    (h, w, 3) uint8 ndarray
    """
    values = np.asarray(values, dtype=np.float32)
    if values.ndim != 2:
        raise ValueError(f"signed_picture needs an (H, W) map, got shape {values.shape}")
    limit = robust_limit(values) if limit is None else limit
    if max(values.shape) > longest_side:
        return diverging_image(resample(values, longest_side), limit)
    return enlarge_nearest(diverging_image(values, limit), longest_side)


def robust_limit(values: np.ndarray, percentile: float = 99.0) -> float:
    """The |value| below which ``percentile`` % of a map lies: a colour limit outliers cannot wash out.

    Photos have a few very strong edges; scaling colours to the single largest
    value would leave everything else nearly white. Values past the limit are
    drawn at full colour. Falls back to the largest |value|, then to 1.

    Examples
    --------
    >>> robust_limit(np.array([[0.0, -2.0], [1.0, 0.0]]), 100)
    2.0
    """
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must be above 0 and at most 100, got {percentile!r}")
    values = np.asarray(values).ravel()
    # An evenly spaced sample of at most ~100k values keeps this quick on big maps.
    magnitudes = np.abs(values[:: max(1, values.size // 100_000)].astype(np.float32))
    magnitudes = magnitudes[np.isfinite(magnitudes)]
    if magnitudes.size == 0:
        return 1.0
    limit = float(np.percentile(magnitudes, percentile))
    return limit if limit > 0 else symmetric_limit(magnitudes)


def framed(picture: np.ndarray, width: int = 2, color: tuple[int, int, int] = (150, 150, 150)) -> np.ndarray:
    """An (H, W, 3) picture with a thin grey frame around it, so white areas stand out from a white page."""
    return frame(picture, width, color, inside=False)


def mark_cell(picture: np.ndarray, row: int, col: int, grid_hw: tuple[int, int]) -> np.ndarray:
    """Outline where cell ``(row, col)`` of an ``grid_hw`` map lies on a picture of that map.

    The picture may be the map enlarged or shrunk; the outline is at least a few
    screen pixels wide so a single cell of a big map can still be found.
    """
    height, width = picture.shape[:2]
    grid_h, grid_w = grid_hw
    top, bottom = row * height / grid_h, (row + 1) * height / grid_h
    left, right = col * width / grid_w, (col + 1) * width / grid_w
    grow = max(0.0, 6 - (bottom - top)) / 2
    corner1 = (int(left - grow), int(top - grow))
    corner2 = (int(np.ceil(right + grow)) - 1, int(np.ceil(bottom + grow)) - 1)
    marked = np.ascontiguousarray(picture).copy()
    thickness = max(1, max(height, width) // 160)
    # Black under yellow keeps the box visible on light and dark pictures alike.
    cv2.rectangle(marked, corner1, corner2, (0, 0, 0), thickness + 2)
    cv2.rectangle(marked, corner1, corner2, (255, 221, 0), thickness)
    return marked


def number_text(value: float) -> str:
    """A number as the class would write it: no trailing zeros, a real minus sign."""
    return f"{float(value):.6g}".replace("-", "−")


def _signed(value: float) -> str:
    """A weight in brackets when negative, so ``3·(−1)`` reads clearly."""
    text = number_text(value)
    return f"({text})" if value < 0 else text
