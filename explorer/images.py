"""Reading uploaded image files safely, the built-in sample images, and small pixel helpers.

Everything here works on channels-last numpy arrays: a colour image is an
``(H, W, 3)`` uint8 array in RGB order, a grey image an ``(H, W)`` uint8 array.
"""

from __future__ import annotations

import functools
import io
import math
import re
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "ImageLoadError",
    "LoadedImage",
    "SampleImage",
    "enlarge_nearest",
    "load_image",
    "resample",
    "sample_images",
    "to_grayscale",
]

# Only the formats the error message promises; this also keeps Pillow away from
# plugins that shell out or parse exotic containers (EPS runs Ghostscript).
# Camera JPEGs with an extra preview picture (MPO) come in through the JPEG reader.
READABLE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP")

EMPTY_FILE_MESSAGE = "This file is empty."
NOT_AN_IMAGE_MESSAGE = "This file is not an image we can read (PNG, JPEG, GIF, BMP, TIFF and WebP work)."
DAMAGED_MESSAGE = "This image is cut short — the file seems truncated or damaged."

# Modes with an alpha band; "LAB" has an "A" band too, hence a list, not a letter test.
ALPHA_MODES = frozenset({"LA", "La", "PA", "RGBA", "RGBa"})

# Image 13 of load_digits() is a 3 with clean, unbroken strokes.
DIGIT_INDEX = 13

# Pillow words its bomb errors as "Image size (123 pixels) exceeds limit of ...".
_PILLOW_BOMB_PIXEL_COUNT = re.compile(r"\((\d+) pixels\)")


class ImageLoadError(ValueError):
    """An uploaded file that we refuse to show; the message is meant for the user."""


@dataclass(frozen=True, eq=False)
class LoadedImage:
    """An uploaded image, decoded and ready to display.

    Attributes
    ----------
    pixels : (H, W, 3) uint8 ndarray
        RGB pixels, C-contiguous, upright (EXIF orientation applied) and at most
        ``max_side`` pixels on the longer side.
    original_size : (int, int)
        ``(height, width)`` as stored in the file, before EXIF orientation and
        before any downscaling.
    downscaled : bool
        True when the pixels were shrunk to fit ``max_side``.

    Notes
    -----
    ``eq=False`` because comparing numpy arrays field by field has no single truth
    value; two instances compare equal only if they are the same object.
    """

    pixels: np.ndarray
    original_size: tuple[int, int]
    downscaled: bool


@dataclass(frozen=True, eq=False)
class SampleImage:
    """A built-in example picture.

    Attributes
    ----------
    name : str
        Short title to show in a picker.
    description : str
        One plain-English sentence saying what the picture is.
    pixels : (H, W, 3) uint8 ndarray
        RGB pixels, read-only because the same array is shared by every caller.
    """

    name: str
    description: str
    pixels: np.ndarray


def load_image(data: bytes, *, max_side: int = 1024, max_pixels: int = 50_000_000) -> LoadedImage:
    """Decode an uploaded image file into upright RGB pixels.

    Parameters
    ----------
    data : bytes
        The whole file. Only the bytes count, never the file name or extension.
    max_side : int, optional
        Longest side of the returned pixels; larger images are shrunk to fit,
        keeping the aspect ratio. At least 1.
    max_pixels : int, optional
        Largest ``width * height`` (as stored in the file) we agree to decode.
        At least 1.

    Returns
    -------
    LoadedImage
        The pixels, the stored size and whether the image was shrunk.

    Raises
    ------
    ImageLoadError
        For any file we refuse: empty, not an image, truncated or damaged, too
        many pixels, no pixels, or a colour format we cannot convert. The
        message is a plain sentence for the user.
    ValueError
        When ``max_side`` or ``max_pixels`` is below 1 (a programming error, so
        not an ``ImageLoadError``).

    Notes
    -----
    The pixel count is checked from the header before any pixel is decoded, so
    a tiny file claiming 30000 × 30000 pixels is refused at once. Pillow's own
    guard (``Image.MAX_IMAGE_PIXELS``, about 89 million) is left untouched and
    also applies: its warning and its error both become an ``ImageLoadError``,
    so raising ``max_pixels`` above Pillow's limit has no effect.

    Conversions to RGB:

    - transparent images (LA, RGBA, PA, palettes or RGB/grey with a
      transparent colour) are composited on white using their alpha;
    - 16-bit greys (``I;16`` and ``I`` holding 0..65535) are divided by 257,
      so 0..65535 maps onto 0..255 without clipping; ``I`` images with values
      outside 0..65535 are stretched like float images;
    - 32-bit float images (``F``) are stretched so their smallest finite value
      becomes 0 and their largest 255 (float data has no agreed range: 0..1,
      0..255 and physical units are all common). NaN becomes 0, infinities are
      clipped, and a flat image keeps its value clipped to 0..255;
    - CMYK, YCbCr, 1-bit and palette images use Pillow's conversion;
    - animated GIF, WebP and PNG files give their first frame.

    Large JPEGs that will be shrunk anyway are decoded at a reduced scale
    (``Image.draft``) to save time and memory; ``original_size`` still reports
    the stored size.
    """
    for name, value in (("max_side", max_side), ("max_pixels", max_pixels)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    if not data:
        raise ImageLoadError(EMPTY_FILE_MESSAGE)

    try:
        with warnings.catch_warnings():
            # Pillow only warns between 1x and 2x its limit; we refuse both cases.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(bytes(data)), formats=READABLE_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageLoadError(_pillow_bomb_message(str(error), max_pixels)) from error
    except UnidentifiedImageError as error:
        raise ImageLoadError(NOT_AN_IMAGE_MESSAGE) from error
    except Exception as error:
        # A header that parses halfway: the file starts like an image but is broken.
        raise ImageLoadError(DAMAGED_MESSAGE) from error

    with image:
        width, height = image.size
        if width < 1 or height < 1:
            raise ImageLoadError(f"This image has no pixels: it is {width} × {height}.")
        if width * height > max_pixels:
            raise ImageLoadError(f"This image is {_pixel_size_message(width, height, max_pixels)}.")
        if max(width, height) > max_side and image.format in ("JPEG", "MPO"):
            draft_height, draft_width = _shrunk_size(height, width, max_side)
            image.draft("RGB", (draft_width, draft_height))
        try:
            image.load()
        except Exception as error:
            raise ImageLoadError(DAMAGED_MESSAGE) from error
        upright = _apply_exif_orientation(image)
        pixels = _to_rgb_pixels(upright)

    downscaled = max(pixels.shape[:2]) > max_side
    if downscaled:
        pixels = resample(pixels, max_side)
    return LoadedImage(
        pixels=np.ascontiguousarray(pixels, dtype=np.uint8),
        original_size=(height, width),
        downscaled=downscaled,
    )


def _format_pixel_count(count: int) -> str:
    """``400 million`` or ``1.5 million`` when that is exact, ``12,345,678`` otherwise."""
    if count >= 1_000_000 and count % 100_000 == 0:
        return f"{count / 1_000_000:g} million"
    return f"{count:,}"


def _pixel_size_message(width: int, height: int, max_pixels: int) -> str:
    """``20000 × 20000 = 400 million pixels; the limit is 50 million pixels``."""
    return (
        f"{width} × {height} = {_format_pixel_count(width * height)} pixels; "
        f"the limit is {_format_pixel_count(max_pixels)} pixels"
    )


def _pillow_bomb_message(pillow_text: str, max_pixels: int) -> str:
    """The user-facing sentence for Pillow's own decompression-bomb refusal."""
    limit = _format_pixel_count(max_pixels)
    match = _PILLOW_BOMB_PIXEL_COUNT.search(pillow_text)
    if match is None:
        return f"This image has too many pixels to open safely; the limit is {limit} pixels."
    count = _format_pixel_count(int(match.group(1)))
    return f"This image has {count} pixels; the limit is {limit} pixels."


def _apply_exif_orientation(image: Image.Image) -> Image.Image:
    """The image turned upright according to its EXIF orientation tag.

    Notes
    -----
    A photo whose EXIF block is malformed is still a good photo, so a failure to
    read the tag leaves the image as stored instead of refusing it.
    """
    try:
        upright = ImageOps.exif_transpose(image)
    except Exception:
        return image
    return image if upright is None else upright


def _to_rgb_pixels(image: Image.Image) -> np.ndarray:
    """Any decoded Pillow image as an (H, W, 3) uint8 RGB array (see ``load_image``)."""
    mode = image.mode
    if mode.startswith("I;16") or mode == "I":
        return _grey_to_rgb(_scale_integer_grey(np.asarray(image)))
    if mode == "F":
        return _grey_to_rgb(_stretch_to_uint8(np.asarray(image, dtype=np.float64)))
    has_alpha = mode in ALPHA_MODES or "transparency" in image.info
    try:
        if has_alpha:
            return _composite_on_white(np.asarray(image.convert("RGBA")))
        return np.asarray(image.convert("RGB"))
    except Exception as error:
        raise ImageLoadError(
            f"This image stores its colours in a way we cannot convert (colour mode {mode})."
        ) from error


def _scale_integer_grey(values: np.ndarray) -> np.ndarray:
    """16-bit grey values 0..65535 mapped onto 0..255; other ranges stretched."""
    if values.size and (values.min() < 0 or values.max() > 65535):
        return _stretch_to_uint8(values.astype(np.float64))
    return np.rint(values.astype(np.float64) / 257.0).astype(np.uint8)


def _stretch_to_uint8(values: np.ndarray) -> np.ndarray:
    """Float values stretched so the smallest finite one is 0 and the largest 255."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros(values.shape, dtype=np.uint8)
    low, high = float(finite.min()), float(finite.max())
    scaled = (values - low) * (255.0 / (high - low)) if high > low else values.copy()
    scaled = np.nan_to_num(scaled, nan=0.0, posinf=255.0, neginf=0.0)
    return np.rint(np.clip(scaled, 0.0, 255.0)).astype(np.uint8)


def _grey_to_rgb(grey: np.ndarray) -> np.ndarray:
    """(H, W) grey repeated into three equal channels."""
    return np.repeat(grey[:, :, np.newaxis], 3, axis=2)


def _composite_on_white(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 RGBA laid over a white background, rounded to uint8 RGB."""
    colour = rgba[:, :, :3].astype(np.uint32)  # (H, W, 3)
    alpha = rgba[:, :, 3:].astype(np.uint32)  # (H, W, 1), broadcasts over the colours
    # Integer maths with +127 rounds to nearest: alpha 255 keeps the colour exactly.
    blended = (colour * alpha + 255 * (255 - alpha) + 127) // 255
    return blended.astype(np.uint8)


def to_grayscale(pixels: np.ndarray) -> np.ndarray:
    """Brightness of each pixel, as a camera or TV would compute it.

    Parameters
    ----------
    pixels : (H, W, 3) uint8 ndarray
        RGB pixels. An (H, W) uint8 array is taken as already grey.

    Returns
    -------
    (H, W) uint8 ndarray
        ``0.299 R + 0.587 G + 0.114 B``, rounded.

    Raises
    ------
    ValueError
        When the array is not uint8 or not (H, W) / (H, W, 3).

    Notes
    -----
    These are the ITU-R BT.601 luma weights, computed by ``cv2.COLOR_RGB2GRAY``
    in fixed point, so a result can differ from the exact rounded sum by 1. Green
    weighs most because the eye is most sensitive to it.

    Examples
    --------
    >>> to_grayscale(np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=np.uint8))
    array([[ 76, 150,  29]], dtype=uint8)
    """
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8:
        raise ValueError(f"to_grayscale needs uint8 pixels, got dtype {pixels.dtype}")
    if pixels.ndim == 2:
        return pixels.copy()
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"to_grayscale needs an (H, W, 3) RGB or (H, W) array, got shape {pixels.shape}")
    # OpenCV's fixed-point version of the same sum is ~20× faster than float maths.
    return cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2GRAY)


def _check_image_array(pixels: np.ndarray, function_name: str) -> None:
    """Raise ValueError unless ``pixels`` is a non-empty (H, W) or (H, W, C) array."""
    if pixels.ndim not in (2, 3) or pixels.shape[0] < 1 or pixels.shape[1] < 1:
        raise ValueError(
            f"{function_name} needs a non-empty (H, W) or (H, W, C) array, got shape {pixels.shape}"
        )


def _check_longest_side(longest_side: int) -> None:
    """Raise ValueError unless ``longest_side`` is a whole number of at least 1."""
    if isinstance(longest_side, bool) or not isinstance(longest_side, int) or longest_side < 1:
        raise ValueError(f"longest_side must be a whole number >= 1, got {longest_side!r}")


def _shrunk_size(height: int, width: int, longest_side: int) -> tuple[int, int]:
    """``(h, w)`` scaled so the longer side is ``longest_side``, halves rounded up, each at least 1."""
    scale = longest_side / max(height, width)
    # floor(x + 0.5) rather than round(): Python's round sends 2.5 to 2, which surprises people.
    return (
        max(1, min(longest_side, math.floor(height * scale + 0.5))),
        max(1, min(longest_side, math.floor(width * scale + 0.5))),
    )


def _keep_channel_axis(resized: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Restore the (H, W, 1) channel axis that OpenCV drops for one-channel input."""
    return resized.reshape(resized.shape[:2] + like.shape[2:])


def resample(pixels: np.ndarray, longest_side: int) -> np.ndarray:
    """Shrink an image so its longer side is ``longest_side`` pixels.

    Parameters
    ----------
    pixels : (H, W) or (H, W, C) ndarray
        The image; uint8 or float (any dtype ``cv2.resize`` accepts).
    longest_side : int
        Wanted length of the longer side, at least 1.

    Returns
    -------
    (h, w) or (h, w, C) ndarray
        Same dtype and channels, aspect ratio kept (each side rounded half up,
        at least 1 pixel). A new array; an image already small enough is copied unchanged.

    Raises
    ------
    ValueError
        When ``longest_side < 1`` or ``pixels`` is not an image array.

    Notes
    -----
    Uses area averaging (``cv2.INTER_AREA``): each new pixel is the mean of the
    old pixels it covers, which avoids the jagged, flickering look of simply
    skipping pixels. It never enlarges; use ``enlarge_nearest`` for that.

    Examples
    --------
    >>> resample(np.zeros((100, 40, 3), dtype=np.uint8), 10).shape
    (10, 4, 3)
    >>> resample(np.array([[0, 100], [200, 100]], dtype=np.uint8), 1)
    array([[100]], dtype=uint8)
    """
    _check_longest_side(longest_side)
    pixels = np.asarray(pixels)
    _check_image_array(pixels, "resample")
    height, width = pixels.shape[:2]
    if max(height, width) <= longest_side:
        return pixels.copy()
    new_height, new_width = _shrunk_size(height, width, longest_side)
    resized = cv2.resize(pixels, (new_width, new_height), interpolation=cv2.INTER_AREA)
    return _keep_channel_axis(resized, pixels)


def enlarge_nearest(pixels: np.ndarray, longest_side: int) -> np.ndarray:
    """Blow up a small image so every pixel becomes a visible square block.

    Parameters
    ----------
    pixels : (H, W) or (H, W, C) ndarray
        The image, any dtype.
    longest_side : int
        Longest side the result may have, at least 1.

    Returns
    -------
    (k·H, k·W) or (k·H, k·W, C) ndarray
        Each pixel repeated into a ``k × k`` block, with
        ``k = max(1, longest_side // max(H, W))``. A new array.

    Raises
    ------
    ValueError
        When ``longest_side < 1`` or ``pixels`` is not an image array.

    Notes
    -----
    The factor is a whole number so all blocks are the same size and each block
    is exactly one original pixel; the longer side is therefore at most
    ``longest_side`` (6 pixels asked to fill 512 give 6 × 85 = 510). It never
    shrinks: an image already longer than ``longest_side`` is copied unchanged.

    Examples
    --------
    >>> enlarge_nearest(np.array([[0, 255]], dtype=np.uint8), 4)
    array([[  0,   0, 255, 255],
           [  0,   0, 255, 255]], dtype=uint8)
    """
    _check_longest_side(longest_side)
    pixels = np.asarray(pixels)
    _check_image_array(pixels, "enlarge_nearest")
    factor = max(1, longest_side // max(pixels.shape[:2]))
    return np.repeat(np.repeat(pixels, factor, axis=0), factor, axis=1)


def sample_images() -> dict[str, SampleImage]:
    """The built-in example pictures, keyed by a short URL-safe slug.

    Returns
    -------
    dict of str to SampleImage
        In display order, ``"notes-6x6"`` first (the default): ``notes-6x6``,
        ``checkerboard``, ``shapes``, ``china``, ``flower``, ``digit``.

    Notes
    -----
    Nothing is downloaded: the pictures are drawn here or come from the files
    scikit-learn ships. They are built on the first call and cached; every call
    returns a new dict, but the pixel arrays are shared and read-only.
    """
    return dict(_build_sample_images())


@functools.lru_cache(maxsize=1)
def _build_sample_images() -> tuple[tuple[str, SampleImage], ...]:
    """Build every sample once; a tuple so the cached value cannot be mutated."""
    # Imported here: scikit-learn takes about a second to import and only the
    # samples need it.
    from sklearn.datasets import load_digits, load_sample_image

    samples = (
        (
            "notes-6x6",
            "Lecture notes 6×6",
            "The 6×6 example from the lecture notes: three rows of black (0) "
            "above three rows of white (255), one horizontal edge.",
            _notes_6x6(),
        ),
        (
            "checkerboard",
            "Checkerboard",
            "A 64×64 black-and-white checkerboard of 8×8-pixel squares, "
            "full of horizontal and vertical edges.",
            _checkerboard(),
        ),
        (
            "shapes",
            "Shapes",
            "A 256×256 drawing of a circle, a rectangle, a triangle and two "
            "lines in flat colours on a light grey background.",
            _shapes(),
        ),
        (
            "china",
            "Chinese temple",
            "A photo of a Chinese temple among trees (427×640), one of the two "
            "sample photos that ship with scikit-learn.",
            load_sample_image("china.jpg"),
        ),
        (
            "flower",
            "Flower",
            "A close-up photo of a flower (427×640), the other sample photo that ships with scikit-learn.",
            load_sample_image("flower.jpg"),
        ),
        (
            "digit",
            "Handwritten 3",
            f"A handwritten 3 (image {DIGIT_INDEX} of scikit-learn's 8×8 digits "
            "data), white on black, each pixel enlarged to a 4×4 block (32×32).",
            _digit(load_digits().images[DIGIT_INDEX]),
        ),
    )
    built = []
    for slug, name, description, pixels in samples:
        pixels = np.ascontiguousarray(pixels, dtype=np.uint8).copy()
        pixels.flags.writeable = False
        built.append((slug, SampleImage(name=name, description=description, pixels=pixels)))
    return tuple(built)


def _notes_6x6() -> np.ndarray:
    """(6, 6, 3) uint8: rows 0-2 are 0, rows 3-5 are 255."""
    grey = np.zeros((6, 6), dtype=np.uint8)
    grey[3:, :] = 255
    return _grey_to_rgb(grey)


def _checkerboard(size: int = 64, square: int = 8) -> np.ndarray:
    """(size, size, 3) uint8 checkerboard, black square in the top-left corner."""
    rows, cols = np.indices((size, size))  # each (size, size)
    grey = np.where((rows // square + cols // square) % 2 == 1, 255, 0).astype(np.uint8)
    return _grey_to_rgb(grey)


def _shapes() -> np.ndarray:
    """(256, 256, 3) uint8 RGB scene of flat-coloured shapes, drawn without anti-aliasing."""
    # cv2 draws in whatever channel order the array has; colours here are RGB.
    canvas = np.full((256, 256, 3), 235, dtype=np.uint8)
    cv2.rectangle(canvas, (20, 24), (112, 100), color=(40, 90, 200), thickness=cv2.FILLED)
    cv2.circle(canvas, (180, 70), 46, color=(220, 50, 40), thickness=cv2.FILLED)
    triangle = np.array([[60, 236], [128, 130], [196, 236]], dtype=np.int32)  # (3, 2) corners as (x, y)
    cv2.fillPoly(canvas, [triangle], color=(40, 160, 70))
    cv2.line(canvas, (10, 120), (110, 120), color=(30, 30, 30), thickness=3)
    cv2.line(canvas, (200, 140), (245, 245), color=(240, 170, 20), thickness=4)
    return canvas


def _digit(values: np.ndarray) -> np.ndarray:
    """(32, 32, 3) uint8 from an (8, 8) digit with values 0..16."""
    grey = np.rint(np.asarray(values, dtype=np.float64) * (255.0 / 16.0)).astype(np.uint8)
    return _grey_to_rgb(enlarge_nearest(grey, 32))


def encode_png(pixels: np.ndarray) -> bytes:
    """PNG file bytes of an (H, W) gray or (H, W, 3) RGB uint8 image.

    Examples
    --------
    >>> encode_png(np.zeros((2, 2), dtype=np.uint8))[:4]
    b'\\x89PNG'
    """
    return _encode(pixels, ".png", [])


def encode_jpeg(pixels: np.ndarray, quality: int = 90) -> bytes:
    """JPEG file bytes of an (H, W) gray or (H, W, 3) RGB uint8 image, for display.

    Examples
    --------
    >>> encode_jpeg(np.zeros((2, 2), dtype=np.uint8))[:2]
    b'\\xff\\xd8'
    """
    return _encode(pixels, ".jpg", [cv2.IMWRITE_JPEG_QUALITY, quality])


def _encode(pixels: np.ndarray, extension: str, options: list[int]) -> bytes:
    """File bytes of an RGB or gray uint8 image in the format ``extension`` names."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3):
        raise ValueError(f"encoding needs (H, W) or (H, W, 3) uint8, got {pixels.dtype} {pixels.shape}")
    if pixels.ndim == 3:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)  # OpenCV writes BGR order
    ok, encoded = cv2.imencode(extension, pixels, options)
    if not ok:
        raise ValueError(f"the image could not be encoded as {extension}")
    return encoded.tobytes()
