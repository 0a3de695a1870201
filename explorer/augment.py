"""Data augmentation: more training images made from modified copies of the ones we have.

Each image gets its own random rotation, translation and scaling (one affine warp), an optional
horizontal flip and a brightness shift. Sampling the random settings (``sample_params``) is kept
apart from applying them (``apply_params``), so a test or a page can apply known settings.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = [
    "AugmentConfig",
    "AugmentParams",
    "apply_params",
    "augment_batch",
    "preview_grid",
    "sample_params",
]

# Largest allowed value of each setting; the smallest is 0 (no change) for all of them.
MAX_ROTATION_DEGREES = 180.0
MAX_TRANSLATION = 0.5
MAX_SCALE = 0.5
MAX_BRIGHTNESS = 0.5
FLIP_PROBABILITY = 0.5
# Edge pixels are repeated into the area a warp uncovers; see the Notes of ``apply_params``.
BORDER_MODE = cv2.BORDER_REPLICATE


def _check_range(name: str, value: object, maximum: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or not 0 <= value <= maximum
    ):
        raise ValueError(f"{name} must be a number from 0 to {maximum:g}, got {value!r}")


@dataclass(frozen=True)
class AugmentConfig:
    """How strongly to modify each image; every default leaves images unchanged.

    Raises
    ------
    ValueError
        For any value out of range, naming the setting and the value.
    """

    rotation_degrees: float = 0  # angle drawn uniformly from -this..this, 0..180
    translation: float = 0.0  # shift drawn from -this..this times width (x) and height (y), 0..0.5
    scale: float = 0.0  # zoom factor drawn from 1-this..1+this, 0..0.5 (0.1 gives 0.9..1.1)
    horizontal_flip: bool = False  # mirror left-right with probability 0.5
    brightness: float = 0.0  # value drawn from -this..this added to every pixel (0..1), 0..0.5

    def __post_init__(self) -> None:
        _check_range("rotation_degrees", self.rotation_degrees, MAX_ROTATION_DEGREES)
        _check_range("translation", self.translation, MAX_TRANSLATION)
        _check_range("scale", self.scale, MAX_SCALE)
        if not isinstance(self.horizontal_flip, bool | np.bool_):
            raise ValueError(f"horizontal_flip must be True or False, got {self.horizontal_flip!r}")
        _check_range("brightness", self.brightness, MAX_BRIGHTNESS)

    @property
    def has_warp(self) -> bool:
        """Whether images are rotated, translated or scaled."""
        return self.rotation_degrees > 0 or self.translation > 0 or self.scale > 0

    @property
    def is_identity(self) -> bool:
        """Whether this configuration leaves every image unchanged."""
        return not self.has_warp and not self.horizontal_flip and self.brightness == 0


@dataclass(frozen=True, eq=False)
class AugmentParams:
    """The random settings drawn for a batch of N images.

    Attributes
    ----------
    angles : (N,) float64 ndarray
        Rotation in degrees, counter-clockwise as the image is shown.
    shifts : (N, 2) float64 ndarray
        Translation in pixels, ``(x, y)``: right and down are positive.
    scales : (N,) float64 ndarray
        Zoom factor about the image centre (1 is unchanged).
    flips : (N,) bool ndarray
        Whether the image is mirrored left-right (after the warp).
    brightness : (N,) float64 ndarray
        Value added to every pixel before clipping to 0..1.

    Notes
    -----
    ``eq=False`` because numpy arrays have no single truth value for ``==``.
    """

    angles: np.ndarray
    shifts: np.ndarray
    scales: np.ndarray
    flips: np.ndarray
    brightness: np.ndarray

    @classmethod
    def identity(cls, count: int) -> AugmentParams:
        """Settings that change none of ``count`` images."""
        return cls(
            angles=np.zeros(count),
            shifts=np.zeros((count, 2)),
            scales=np.ones(count),
            flips=np.zeros(count, dtype=bool),
            brightness=np.zeros(count),
        )

    def __len__(self) -> int:
        return len(self.angles)


def sample_params(
    count: int, height: int, width: int, config: AugmentConfig, rng: np.random.Generator
) -> AugmentParams:
    """Draw independent random settings for ``count`` images of ``height`` x ``width`` pixels.

    Parameters
    ----------
    count, height, width : int
        Number and size of the images.
    config : AugmentConfig
        The largest change allowed for each setting.
    rng : numpy.random.Generator
        Source of randomness; the same state gives the same settings.

    Returns
    -------
    params : AugmentParams
        Settings for each of the ``count`` images.

    Notes
    -----
    Every setting is drawn even when its range is 0, in a fixed order, so turning one setting up
    does not change the values drawn for the others.
    """
    angles = rng.uniform(-1.0, 1.0, count) * config.rotation_degrees  # (N,)
    shifts = rng.uniform(-1.0, 1.0, (count, 2)) * config.translation * np.array([width, height])  # (N, 2)
    scales = 1.0 + rng.uniform(-1.0, 1.0, count) * config.scale  # (N,)
    flips = (rng.random(count) < FLIP_PROBABILITY) & config.horizontal_flip  # (N,)
    brightness = rng.uniform(-1.0, 1.0, count) * config.brightness  # (N,)
    return AugmentParams(angles=angles, shifts=shifts, scales=scales, flips=flips, brightness=brightness)


def _check_batch(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (N, H, W, C), got shape {images.shape}")
    return images.astype(np.float32, copy=False)


def _warp_matrix(angle: float, shift: np.ndarray, scale: float, height: int, width: int) -> np.ndarray:
    # Pixel centres run 0..W-1, so this centre makes a 90° turn of a square image exact.
    centre = ((width - 1) / 2.0, (height - 1) / 2.0)
    matrix = cv2.getRotationMatrix2D(centre, float(angle), float(scale))  # (2, 3)
    matrix[:, 2] += shift
    return matrix


def apply_params(images: np.ndarray, params: AugmentParams) -> np.ndarray:
    """Apply given settings to a batch: warp, then flip, then brightness, then clip.

    Parameters
    ----------
    images : (N, H, W, C) ndarray
        Pixel values in 0..1, channels last; any number of channels C.
    params : AugmentParams
        Settings for exactly N images.

    Returns
    -------
    augmented : (N, H, W, C) float32 ndarray
        A new array with values in 0..1; ``images`` is not modified.

    Raises
    ------
    ValueError
        When ``images`` is not 4-dimensional or ``params`` is for another number of images.

    Notes
    -----
    Areas a warp uncovers repeat the nearest edge pixel (``cv2.BORDER_REPLICATE``). Our images
    are mostly a shape or digit on a plain background, so the edge is background and repeating it
    extends the background; ``BORDER_REFLECT`` would mirror strokes that touch the edge into the
    image and could draw a second, false shape. Pixels are interpolated bilinearly.
    """
    images = _check_batch(images)
    count, height, width, channels = images.shape
    if len(params) != count:
        raise ValueError(f"params are for {len(params)} images, but images has {count}")
    augmented = images.copy()  # (N, H, W, C)
    for index in range(count):
        if params.angles[index] == 0 and params.scales[index] == 1 and not params.shifts[index].any():
            continue  # an identity warp would only cost time
        matrix = _warp_matrix(params.angles[index], params.shifts[index], params.scales[index], height, width)
        warped = cv2.warpAffine(
            images[index], matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=BORDER_MODE
        )
        # cv2 drops a single channel axis; put it back.
        augmented[index] = warped.reshape(height, width, channels)
    augmented[params.flips] = augmented[params.flips, :, ::-1]
    augmented += params.brightness.astype(np.float32)[:, None, None, None]  # (N, 1, 1, 1) broadcast
    return np.clip(augmented, 0.0, 1.0, out=augmented)


def augment_batch(images: np.ndarray, config: AugmentConfig, rng: np.random.Generator) -> np.ndarray:
    """Give each image of a batch its own random rotation, translation, scale, flip and brightness.

    Parameters
    ----------
    images : (N, H, W, C) ndarray
        Pixel values in 0..1, channels last; C is 1 for grey, 3 for RGB (any C works).
    config : AugmentConfig
        The largest change allowed for each setting.
    rng : numpy.random.Generator
        Source of randomness; the same state gives the same output.

    Returns
    -------
    augmented : (N, H, W, C) float32 ndarray
        A new array with values in 0..1; ``images`` is not modified.

    Raises
    ------
    ValueError
        When ``images`` is not 4-dimensional.

    Notes
    -----
    An identity ``config`` returns a float32 copy at once and draws nothing from ``rng``.

    >>> batch = np.full((2, 4, 4, 1), 0.5, dtype=np.float32)
    >>> out = augment_batch(batch, AugmentConfig(brightness=0.1), np.random.default_rng(0))
    >>> out.shape, out.dtype, bool(((out >= 0.4) & (out <= 0.6)).all())
    ((2, 4, 4, 1), dtype('float32'), True)
    """
    images = _check_batch(images)
    if config.is_identity:
        return images.copy()
    count, height, width, _ = images.shape
    return apply_params(images, sample_params(count, height, width, config, rng))


def preview_grid(image: np.ndarray, config: AugmentConfig, *, seed: int = 0, count: int = 9) -> np.ndarray:
    """Show one image augmented several ways, for a live preview grid.

    Parameters
    ----------
    image : (H, W, C) ndarray
        Pixel values in 0..1, channels last.
    config : AugmentConfig
        The largest change allowed for each setting.
    seed : int, optional
        Seed of the random settings; the same seed gives the same grid.
    count : int, optional
        Number of images in the grid, at least 1.

    Returns
    -------
    grid : (count, H, W, C) float32 ndarray
        The original image first, then ``count - 1`` augmented versions.

    Raises
    ------
    ValueError
        When ``image`` is not 3-dimensional or ``count`` is below 1.
    """
    image = np.asarray(image)
    if image.ndim != 3:
        raise ValueError(f"image must have shape (H, W, C), got shape {image.shape}")
    if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 1:
        raise ValueError(f"count must be a whole number >= 1, got {count!r}")
    copies = np.repeat(image[None].astype(np.float32), count - 1, axis=0)  # (count - 1, H, W, C)
    augmented = augment_batch(copies, config, np.random.default_rng(seed))
    return np.concatenate([image[None].astype(np.float32), augmented])  # (count, H, W, C)
