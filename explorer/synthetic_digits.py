"""A large generated digit set, the *source* task for transfer learning.

Digits are drawn with OpenCV's Hershey fonts in several styles and stroke widths, then turned,
slanted, zoomed, shifted, blurred and given noise, so a CNN trained on them learns strokes,
edges and curves that it can reuse on real handwriting. Nothing is downloaded; the same seed
gives the same images on every machine.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from explorer.datasets import ImageDataset

__all__ = ["DIGIT_CLASSES", "FONTS", "synthetic_digits"]

DIGIT_CLASSES = tuple(str(digit) for digit in range(10))
# The Hershey fonts that draw digits differently enough to count as different "handwriting".
FONTS: dict[str, int] = {
    "simplex": cv2.FONT_HERSHEY_SIMPLEX,
    "plain": cv2.FONT_HERSHEY_PLAIN,
    "duplex": cv2.FONT_HERSHEY_DUPLEX,
    "complex": cv2.FONT_HERSHEY_COMPLEX,
    "triplex": cv2.FONT_HERSHEY_TRIPLEX,
    "script simplex": cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    "script complex": cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
}
# Digits are drawn this many times larger, then shrunk with area averaging, for smooth strokes.
SUPERSAMPLING = 4
GLYPH_HEIGHT = 80  # pixels of a drawn glyph before it is fitted into the picture
MAX_ROTATION_DEGREES = 15.0
MAX_SHEAR = 0.3  # horizontal slant: x moves by up to 0.3 · y
FILL = (0.6, 0.95)  # share of the picture's side the digit's taller side fills
COARSE_FILL = (0.8, 1.0)  # scikit-learn's digits were scaled to fill their 32 × 32 box
MAX_WIDEN = 1.4  # horizontal stretch, as filling a box stretches narrow digits
MAX_SHIFT = 0.08  # share of the side the digit's centre may move
THICKNESS = (0.045, 0.16)  # stroke width as a share of the glyph's height: 1 to 3.5 pixels at 28 × 28
MAX_BLUR_SIGMA = 1.0  # output pixels
BITMAP_SIDE = 32  # scikit-learn's digits began as 32 × 32 black-and-white bitmaps …
COARSE_SIDE = 8  # … counted in 4 × 4 blocks to 8 × 8; some generated digits go the same way
COARSE_SHARE = 0.5
MAX_NOISE = 0.05
ITALIC_SHARE = 0.2


def _check_whole(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")


def synthetic_digits(n_per_class: int = 3000, *, size: int = 28, seed: int = 0) -> ImageDataset:
    """Generated digits 0–9, white on black, like ``explorer.datasets.digits(size)``.

    Parameters
    ----------
    n_per_class : int, optional
        Images of each digit, at least 1.
    size : int, optional
        Side of each image in pixels, at least 8.
    seed : int, optional
        The same seed gives the same images.

    Returns
    -------
    ImageDataset
        ``images`` (10 · n_per_class, size, size, 1) float32 in 0..1, grouped by class;
        classes ``"0"`` .. ``"9"``; named ``"Generated digits"``.

    Raises
    ------
    ValueError
        When ``n_per_class < 1`` or ``size < 8``.

    Notes
    -----
    Each picture picks one of the seven Hershey fonts in ``FONTS`` (a fifth of them in italic)
    and a stroke width of 4.5 % to 16 % of the glyph's height (1 to 3.5 pixels at 28 × 28).
    The glyph is widened up to 1.4 times, slanted, turned up to ±15° and shifted up to 8 % of
    the side. Half the pictures are then made the way scikit-learn's digits were: drawn
    filling 80 % to 100 % of a 32 × 32 black-and-white bitmap, counted in 4 × 4 blocks to
    8 × 8, and enlarged again bilinearly. The other half are drawn filling 60 % to 95 % of
    the picture and blurred (Gaussian, σ up to 1 pixel). Drawing is done four times larger
    and shrunk with area averaging, so strokes have soft edges; last, Gaussian noise with σ
    up to 0.05 is added.

    Examples
    --------
    >>> data = synthetic_digits(2, size=28, seed=0)
    >>> data.images.shape, data.labels[:4].tolist()
    ((20, 28, 28, 1), [0, 0, 1, 1])
    """
    _check_whole("n_per_class", n_per_class, 1)
    _check_whole("size", size, 8)
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(DIGIT_CLASSES), dtype=np.int64), n_per_class)  # (N,)
    images = np.empty((labels.size, size, size, 1), dtype=np.float32)  # (N, size, size, 1)
    fonts = list(FONTS.values())
    for index, label in enumerate(labels):
        font = fonts[int(rng.integers(len(fonts)))]
        if rng.random() < ITALIC_SHARE:
            font |= cv2.FONT_ITALIC
        thickness = rng.uniform(*THICKNESS)
        glyph = _glyph(str(label), font, thickness)  # (h, w) uint8
        if rng.random() < COARSE_SHARE:
            # As scikit-learn's digits were made: a 32 × 32 black-and-white bitmap, counted in 4 × 4 blocks.
            bitmap = _place(glyph, BITMAP_SIDE, rng, fill=COARSE_FILL) >= 0.5  # (32, 32) bool
            coarse = cv2.resize(
                bitmap.astype(np.float32), (COARSE_SIDE, COARSE_SIDE), interpolation=cv2.INTER_AREA
            )
            picture = cv2.resize(coarse, (size, size), interpolation=cv2.INTER_LINEAR)  # (size, size)
        else:
            picture = _place(glyph, size, rng, fill=FILL)  # (size, size) float32 in 0..1
            sigma = rng.uniform(0.0, MAX_BLUR_SIGMA)
            if sigma > 0.1:
                picture = cv2.GaussianBlur(picture, (0, 0), sigma)
        noise = rng.normal(0.0, rng.uniform(0.0, MAX_NOISE), picture.shape)  # (size, size)
        images[index, :, :, 0] = np.clip(picture + noise, 0.0, 1.0)
    return ImageDataset(images=images, labels=labels, class_names=DIGIT_CLASSES, name="Generated digits")


def _glyph(text: str, font: int, thickness: float) -> np.ndarray:
    """``text`` drawn white on black about ``GLYPH_HEIGHT`` pixels high, cropped to its ink, ``(h, w)`` uint8.

    ``thickness`` is the stroke width as a share of the glyph's height.
    """
    (width, height), baseline = cv2.getTextSize(text, font, 1.0, 1)
    scale = GLYPH_HEIGHT / max(height, 1)
    stroke = max(1, round(thickness * GLYPH_HEIGHT))
    (width, height), baseline = cv2.getTextSize(text, font, scale, stroke)
    margin = stroke + 8
    canvas = np.zeros((height + baseline + 2 * margin, width + 2 * margin), dtype=np.uint8)  # (h, w)
    cv2.putText(canvas, text, (margin, margin + height), font, scale, 255, stroke, cv2.LINE_AA)
    rows, columns = np.nonzero(canvas)
    return canvas[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]


def _place(
    glyph: np.ndarray, size: int, rng: np.random.Generator, *, fill: tuple[float, float]
) -> np.ndarray:
    """The glyph turned, slanted, sized and shifted into a ``(size, size)`` float32 picture in 0..1.

    Its taller side fills a random share (from the range ``fill``) of the picture, and it is
    widened by up to ``MAX_WIDEN``.
    """
    big = size * SUPERSAMPLING
    height, width = glyph.shape
    widen = rng.uniform(1.0, MAX_WIDEN)
    target = rng.uniform(*fill) * big  # the taller side after widening, in supersampled pixels
    zoom = target / max(height, width * widen)
    angle = math.radians(rng.uniform(-MAX_ROTATION_DEGREES, MAX_ROTATION_DEGREES))
    shear = rng.uniform(-MAX_SHEAR, MAX_SHEAR)
    shift = rng.uniform(-MAX_SHIFT, MAX_SHIFT, 2) * big  # (2,) x, y
    cos, sin = math.cos(angle) * zoom, math.sin(angle) * zoom
    # Glyph centre → origin, slant, turn and zoom, then → picture centre plus the shift.
    slant_and_widen = np.array([[widen, shear], [0.0, 1.0]])  # (2, 2)
    linear = np.array([[cos, -sin], [sin, cos]]) @ slant_and_widen  # (2, 2)
    centre = np.array([(width - 1) / 2, (height - 1) / 2])  # (2,)
    offset = np.array([(big - 1) / 2, (big - 1) / 2]) + shift - linear @ centre  # (2,)
    matrix = np.hstack([linear, offset[:, None]])  # (2, 3)
    canvas = cv2.warpAffine(glyph, matrix, (big, big), flags=cv2.INTER_LINEAR, borderValue=0)
    small = cv2.resize(canvas, (size, size), interpolation=cv2.INTER_AREA)  # (size, size) uint8
    return small.astype(np.float32) / 255.0
