"""Padding: growing an image at its borders before a kernel slides over it."""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

PadMode = Literal["zeros", "reflect", "replicate", "circular"]

PAD_MODES: dict[str, str] = {
    "zeros": "fill the new border with 0",
    "reflect": "mirror the image at its edge, without repeating the edge pixel",
    "replicate": "repeat the nearest edge pixel (the notes' “fill the nearby value”)",
    "circular": "wrap around: the left border takes pixels from the right edge",
}

_CV2_BORDER = {
    "zeros": cv2.BORDER_CONSTANT,
    "reflect": cv2.BORDER_REFLECT_101,
    "replicate": cv2.BORDER_REPLICATE,
    "circular": cv2.BORDER_WRAP,
}

Padding4 = tuple[int, int, int, int]


def as_padding4(padding: int | tuple[int, ...]) -> Padding4:
    """Normalise ``p``, ``(ph, pw)`` or ``(top, bottom, left, right)`` to four ints."""
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        values: tuple[int, ...] = (int(padding),) * 4
    elif isinstance(padding, tuple) and len(padding) == 2:
        values = (padding[0], padding[0], padding[1], padding[1])
    elif isinstance(padding, tuple) and len(padding) == 4:
        values = padding
    else:
        raise ValueError(f"padding must be an int, (ph, pw) or (top, bottom, left, right), got {padding!r}")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"padding amounts must be whole numbers >= 0, got {padding!r}")
    top, bottom, left, right = (int(v) for v in values)
    return top, bottom, left, right


def check_pad_mode(mode: str) -> str:
    """Return ``mode`` if it is a known padding mode, else raise ``ValueError``."""
    if mode not in PAD_MODES:
        raise ValueError(f"pad mode must be one of {sorted(PAD_MODES)}, got {mode!r}")
    return mode


def pad(image: np.ndarray, padding: int | tuple[int, ...], mode: PadMode = "zeros") -> np.ndarray:
    """Add a border around an image, filled the way ``mode`` says.

    Parameters
    ----------
    image : (H, W) or (H, W, C) ndarray
        Any numeric dtype; the result keeps it.
    padding : int, (ph, pw) or (top, bottom, left, right)
        Cells added on each side; ``(ph, pw)`` adds ``ph`` rows above and below
        and ``pw`` columns left and right (the notes' "padding (1, 1)").
    mode : {'zeros', 'reflect', 'replicate', 'circular'}, optional
        PyTorch's meaning of each name (``torch.nn.functional.pad`` and
        ``Conv2d(padding_mode=...)``).

    Returns
    -------
    (H + top + bottom, W + left + right[, C]) ndarray

    Raises
    ------
    ValueError
        For an unknown mode, a negative amount, or a border wider than the image
        can supply: ``reflect`` needs ``padding < side``, ``circular`` needs
        ``padding <= side`` (as in PyTorch).

    Examples
    --------
    >>> pad(np.array([[1, 2], [3, 4]]), 1, "replicate")[0].tolist()
    [1, 1, 2, 2]
    """
    check_pad_mode(mode)
    if image.ndim not in (2, 3):
        raise ValueError(f"image must be (H, W) or (H, W, C), got shape {image.shape}")
    top, bottom, left, right = as_padding4(padding)
    check_pad_fits(image.shape[:2], (top, bottom, left, right), mode)
    channels = image.shape[2] if image.ndim == 3 else 1
    if channels > 4 or image.dtype not in _CV2_DTYPES:
        return _pad_numpy(image, (top, bottom, left, right), mode)
    # OpenCV's border copy is several times faster than np.pad for large images.
    padded = cv2.copyMakeBorder(image, top, bottom, left, right, _CV2_BORDER[mode])
    return padded.reshape(padded.shape[:2] + image.shape[2:])


def check_pad_fits(image_hw: tuple[int, ...], padding: Padding4, mode: str) -> None:
    """Raise ``ValueError`` when the image is too small to supply a border this wide.

    ``reflect`` needs ``padding < side`` and ``circular`` needs ``padding <= side``,
    as in PyTorch; ``zeros`` and ``replicate`` fit any size.
    """
    top, bottom, left, right = padding
    for amount, side, side_name in (
        (max(top, bottom), image_hw[0], "height"),
        (max(left, right), image_hw[1], "width"),
    ):
        if mode == "reflect" and amount >= side:
            raise ValueError(
                f"reflect padding of {amount} needs an image {side_name} above {amount}, got {side}"
            )
        if mode == "circular" and amount > side:
            raise ValueError(
                f"circular padding of {amount} needs an image {side_name} of at least {amount}, got {side}"
            )


_CV2_DTYPES = {np.dtype(name) for name in ("uint8", "int8", "uint16", "int16", "int32", "float32", "float64")}

_NUMPY_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pad_numpy(image: np.ndarray, padding: Padding4, mode: str) -> np.ndarray:
    """``np.pad`` fallback for dtypes and channel counts OpenCV does not take."""
    top, bottom, left, right = padding
    widths = [(top, bottom), (left, right)] + [(0, 0)] * (image.ndim - 2)
    return np.pad(image, widths, mode=_NUMPY_MODE[mode])
