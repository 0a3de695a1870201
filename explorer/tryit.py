"""Turning a drawing or an uploaded picture into a model input that looks like the training data."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from explorer.images import _composite_on_white, to_grayscale

__all__ = ["DIGIT_INK_MEAN", "EmptyDrawingError", "prepare_digit", "prepare_image"]

# Mean pixel value of explorer.datasets.digits() images (0.305 overall, 0.296–0.322 per class).
DIGIT_INK_MEAN = 0.30
# Side of scikit-learn's digits; each cell counted the ink in a 4×4 block of a 32×32 bitmap.
DIGIT_GRID = 8
# Working frame for the drawing: 16 pixels per digit cell, so block averages are exact.
FRAME_SIDE = 16 * DIGIT_GRID
# A picture whose ink differs from the background by less than this (0..1) holds no digit.
MIN_INK_CONTRAST = 0.1
# Ink fainter than this share of a typical stroke is paper texture, shadow or noise.
INK_FLOOR = 0.25
# An alpha channel whose values spread over at least this many levels outlines the strokes.
ALPHA_SPREAD = 16
# The widest stroke growth tried, in frame pixels: a quarter of the frame.
MAX_GROWTH = FRAME_SIDE // 4


class EmptyDrawingError(ValueError):
    """A picture with no ink to read; the message is a plain sentence for the user."""


def prepare_digit(image: np.ndarray, size: int = 28) -> np.ndarray:
    """Make a drawn or photographed digit look like ``explorer.datasets.digits(size)``.

    Parameters
    ----------
    image : (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) uint8 ndarray
        Grey, RGB or RGBA pixels: a canvas drawing (strokes of any colour on a transparent
        or plain background) or a photo of one digit, dark on light or light on dark,
        cropped close to it.
    size : int, optional
        Side of the result, as given to ``digits(size)``; at least 1.

    Returns
    -------
    (size, size, 1) float32 ndarray
        Values in 0..1, white strokes on black, the digit filling the height and centred.

    Raises
    ------
    EmptyDrawingError
        When the picture holds no ink (an empty canvas, a blank page): the page can say
        "Draw a digit first".
    ValueError
        For a ``size`` below 1, or an image that is not uint8 or has another shape.

    Notes
    -----
    The ink is the opacity when the alpha channel varies (a canvas drawing), else the
    difference from the background, the median of the border pixels: darker ink when the
    background is brighter than the middle of the picture's range, lighter ink otherwise.
    It is scaled so the typical stroke (the median of the pixels holding at least half the
    strongest ink) is 1; ink below ``INK_FLOOR`` counts as none and the rest is stretched
    back to 0..1.

    The rest repeats how the training images were made. scikit-learn's digits are 32 × 32
    bitmaps scaled, keeping the shape, until the digit fills the box (in ``digits(28)`` every
    image's ink spans all 28 rows and, at a threshold of 0.1, a median of 23 columns),
    then counted in 4 × 4 blocks into 8 × 8 cells, which ``digits`` enlarges with bilinear
    interpolation. So the ink is cropped to its bounding box, scaled (area averaging) so
    its longer side fills a square frame, and centred. The strokes of the data are thick:
    the mean pixel is about ``DIGIT_INK_MEAN`` in every class, while a pen line on a
    large canvas covers a few percent. Thin strokes are therefore grown (dilated with a
    disc, then re-fitted to the frame) until the mean reaches it; thick ones are kept.
    The frame is averaged into 8 × 8 cells and enlarged to ``size`` exactly as ``digits``
    does. Without the thickening a drawn "1" looks like a "4" to a trained CNN.

    Examples
    --------
    >>> canvas = np.zeros((280, 280, 4), dtype=np.uint8)  # transparent
    >>> _ = cv2.line(canvas, (140, 40), (140, 240), color=(0, 0, 0, 255), thickness=20)
    >>> digit = prepare_digit(canvas)
    >>> digit.shape, digit.dtype, bool(digit[:, 14].min() > 0.5), float(digit[:, :4].max())
    ((28, 28, 1), dtype('float32'), True, 0.0)
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a whole number >= 1, got {size!r}")
    frame = _thickened(_fitted_frame(_ink(image)))  # (FRAME_SIDE, FRAME_SIDE)
    cells = cv2.resize(frame, (DIGIT_GRID, DIGIT_GRID), interpolation=cv2.INTER_AREA)  # (8, 8)
    # The same enlargement as explorer.datasets.digits.
    enlarged = cv2.resize(cells, (size, size), interpolation=cv2.INTER_LINEAR)  # (size, size)
    return np.clip(enlarged, 0.0, 1.0)[:, :, np.newaxis]


def prepare_image(image: np.ndarray, size: Sequence[int] = (28, 28), channels: int = 1) -> np.ndarray:
    """Resize an uploaded picture into a model input, as ``explorer.datasets.from_zip`` made the data.

    Parameters
    ----------
    image : (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) uint8 ndarray
        Grey, RGB or RGBA pixels; RGBA is laid over white first, as ``load_image`` does.
    size : (height, width), optional
        The model's input size, each at least 1.
    channels : {1, 3}, optional
        1 for grey (``explorer.images.to_grayscale``), 3 for RGB (grey is repeated).

    Returns
    -------
    (height, width, channels) float32 ndarray
        Values in 0..1, channels last.

    Raises
    ------
    ValueError
        For a bad size or channel count, or an image that is not uint8 or has another shape.

    Notes
    -----
    The picture is stretched to the size with area averaging (``cv2.INTER_AREA``) and
    only then turned grey, the order ``from_zip`` uses, so an upload becomes exactly what
    the same file inside a training zip became.

    Examples
    --------
    >>> pixels = np.zeros((40, 60, 3), dtype=np.uint8)
    >>> pixels[:, 30:] = (255, 0, 0)  # right half red
    >>> (prepare_image(pixels, (2, 2))[:, :, 0] * 255).tolist()  # red's brightness is 76 of 255
    [[0.0, 76.0], [0.0, 76.0]]
    """
    if isinstance(size, str | bytes) or not isinstance(size, Sequence) or len(size) != 2:
        raise ValueError(f"size must be (height, width), got {size!r}")
    for side in size:
        if isinstance(side, bool) or not isinstance(side, int) or side < 1:
            raise ValueError(f"size must be two whole numbers >= 1, got {size!r}")
    if channels not in (1, 3) or isinstance(channels, bool):
        raise ValueError(f"channels must be 1 or 3, got {channels!r}")
    pixels = _checked_pixels(image, "prepare_image")
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        pixels = _composite_on_white(pixels)  # (H, W, 3)
    height, width = size
    resized = cv2.resize(pixels, (width, height), interpolation=cv2.INTER_AREA)  # (h, w[, 3])
    if channels == 1:
        grey = to_grayscale(resized) if resized.ndim == 3 else resized  # (h, w)
        shaped = grey[:, :, np.newaxis]  # (h, w, 1)
    else:
        shaped = resized if resized.ndim == 3 else np.repeat(resized[:, :, np.newaxis], 3, axis=2)
    return shaped.astype(np.float32) / np.float32(255.0)


def _checked_pixels(image: np.ndarray, function_name: str) -> np.ndarray:
    """A non-empty uint8 ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)`` array; ``(H, W, 1)`` loses its axis."""
    pixels = np.asarray(image)
    if pixels.dtype != np.uint8:
        raise ValueError(f"{function_name} needs uint8 pixels, got dtype {pixels.dtype}")
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]
    if pixels.ndim not in (2, 3) or 0 in pixels.shape or (pixels.ndim == 3 and pixels.shape[2] not in (3, 4)):
        raise ValueError(
            f"{function_name} needs an (H, W), (H, W, 3) or (H, W, 4) image, got shape {pixels.shape}"
        )
    return np.ascontiguousarray(pixels)


def _ink(image: np.ndarray) -> np.ndarray:
    """How much ink each pixel holds, ``(H, W)`` float32 in 0..1, or EmptyDrawingError."""
    pixels = _checked_pixels(image, "prepare_digit")
    if pixels.ndim == 3 and pixels.shape[2] == 4 and np.ptp(pixels[:, :, 3]) >= ALPHA_SPREAD:
        # Opaque strokes on a see-through background: opacity is ink whatever the colour.
        brightness = 1.0 - pixels[:, :, 3].astype(np.float32) / 255.0  # (H, W)
    else:
        if pixels.ndim == 3 and pixels.shape[2] == 4:
            pixels = _composite_on_white(pixels)
        brightness = to_grayscale(pixels).astype(np.float32) / 255.0  # (H, W)
    border = max(1, min(brightness.shape) // 20)
    ring = np.concatenate(
        [
            brightness[:border].ravel(),
            brightness[-border:].ravel(),
            brightness[:, :border].ravel(),
            brightness[:, -border:].ravel(),
        ]
    )
    background = float(np.median(ring))
    middle = (float(brightness.min()) + float(brightness.max())) / 2.0
    ink = background - brightness if background >= middle else brightness - background  # (H, W)
    strongest = float(ink.max())
    if strongest < MIN_INK_CONTRAST:
        raise EmptyDrawingError("There is no digit to read yet: draw one, or upload a photo of one.")
    # The typical stroke, not the single strongest (noisy) pixel, becomes 1.
    stroke = float(np.median(ink[ink >= strongest / 2]))
    return np.clip((ink / stroke - INK_FLOOR) / (1.0 - INK_FLOOR), 0.0, 1.0)


def _thickened(frame: np.ndarray) -> np.ndarray:
    """The frame with its strokes grown just enough to reach a mean of ``DIGIT_INK_MEAN``."""
    if frame.mean() >= DIGIT_INK_MEAN:
        return frame
    # Bisection on the disc radius: the mean grows with it.
    low, high = 0, MAX_GROWTH
    grown = {0: frame, MAX_GROWTH: _grown(frame, MAX_GROWTH)}
    while high - low > 1:
        middle = (low + high) // 2
        grown[middle] = _grown(frame, middle)
        if grown[middle].mean() >= DIGIT_INK_MEAN:
            high = middle
        else:
            low = middle
    return grown[high]


def _grown(frame: np.ndarray, radius: int) -> np.ndarray:
    """The frame's strokes dilated by a disc of ``radius`` pixels, fitted to the frame again."""
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return _fitted_frame(cv2.dilate(np.pad(frame, radius), disc))


def _fitted_frame(ink: np.ndarray) -> np.ndarray:
    """The ink cropped to its bounding box, scaled so its longer side fills the frame, centred."""
    rows = np.flatnonzero(ink.any(axis=1))
    columns = np.flatnonzero(ink.any(axis=0))
    crop = ink[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]  # (h, w)
    height, width = crop.shape
    scale = FRAME_SIDE / max(height, width)
    new_height = min(FRAME_SIDE, max(1, round(height * scale)))
    new_width = min(FRAME_SIDE, max(1, round(width * scale)))
    # Area averaging when shrinking; linear when a small crop must grow.
    method = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(crop, (new_width, new_height), interpolation=method)  # (new_h, new_w)
    frame = np.zeros((FRAME_SIDE, FRAME_SIDE), dtype=np.float32)
    top, left = (FRAME_SIDE - new_height) // 2, (FRAME_SIDE - new_width) // 2
    frame[top : top + new_height, left : left + new_width] = resized
    return frame
