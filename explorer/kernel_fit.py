"""Learning one kernel by gradient descent: the notes' "the model changes the kernel values", step by step.

A hidden target kernel filters an image; a kernel that starts from random values is moved,
one plain gradient step at a time, to make its output match. The output is linear in the
kernel (``output = patches @ kernel``), so this is linear least squares: the loss is a bowl
with one bottom, the exact answer is known (``exact_solution``), and the largest safe step
follows from the bowl's steepest curvature.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from explorer.images import resample
from explorer.kernels import NAMED_KERNELS
from explorer.ops import filter2d
from explorer.padding import pad

__all__ = ["MAX_HISTORY", "FitHistory", "KernelFit", "KernelFitConfig"]

# The history keeps the most recent steps only; kernels are tiny, so this is about 1 MB.
MAX_HISTORY = 10_000
# A kernel value this large means the steps are too big and the fit has run away.
DIVERGED_MAGNITUDE = 1e6

FitPadding = Literal["valid", "same"]


def _check_number(name: str, value: object, *, positive: bool) -> float:
    """``value`` as a float, or a ValueError naming it when it is not finite and > 0 (>= 0)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'above' if positive else 'at least'} 0, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class KernelFitConfig:
    """What to learn and how, checked as it is made.

    Raises
    ------
    ValueError
        For an unknown kernel slug, a target that is not a finite non-empty 2-D grid, or
        any other value out of range, naming the setting and the value.

    Notes
    -----
    ``target`` given as an array is stored as a tuple of tuples, so the config stays
    hashable (it can key a cache).
    """

    target: str | tuple[tuple[float, ...], ...] = "sobel-vertical"  # NAMED_KERNELS slug or the weights
    learning_rate_scale: float = 1.0  # the step is this / λ_max; the loss falls every step below 2
    seed: int = 0  # the starting kernel's random values
    padding: FitPadding = "valid"  # 'same' keeps the image size, with a border of zeros
    max_side: int = 64  # the image is shrunk (area averaging) so its longer side is at most this
    highpass_sigma: float | None = 2.0  # fit on image − Gaussian blur; None: image − its mean
    tolerance: float = 1e-4  # converged when the loss is below this × the target's variance

    def __post_init__(self) -> None:
        if isinstance(self.target, str):
            if self.target not in NAMED_KERNELS:
                raise ValueError(f"target must be one of {sorted(NAMED_KERNELS)}, got {self.target!r}")
        else:
            weights = _checked_weights(self.target)
            object.__setattr__(self, "target", tuple(tuple(float(v) for v in row) for row in weights))
        _check_number("learning_rate_scale", self.learning_rate_scale, positive=False)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a whole number >= 0, got {self.seed!r}")
        if self.padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', got {self.padding!r}")
        if isinstance(self.max_side, bool) or not isinstance(self.max_side, int) or self.max_side < 1:
            raise ValueError(f"max_side must be a whole number >= 1, got {self.max_side!r}")
        if self.highpass_sigma is not None:
            _check_number("highpass_sigma", self.highpass_sigma, positive=True)
        _check_number("tolerance", self.tolerance, positive=False)

    @property
    def target_weights(self) -> np.ndarray:
        """The hidden kernel, ``(kh, kw)`` float64 (a new array)."""
        if isinstance(self.target, str):
            return NAMED_KERNELS[self.target].weights.copy()
        return np.array(self.target, dtype=np.float64)


def _checked_weights(weights: object) -> np.ndarray:
    """A finite, non-empty ``(kh, kw)`` float64 grid, or a ValueError saying what is wrong."""
    try:
        array = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"target must be a kernel slug or a grid of numbers: {error}") from None
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(f"target weights must be a non-empty (kh, kw) grid, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("target weights hold NaN or infinite values")
    return array


@dataclass(frozen=True, eq=False)
class FitHistory:
    """The most recent ``MAX_HISTORY`` steps of a fit, step 0 (the random start) included while kept.

    Attributes
    ----------
    steps : (S,) int64 ndarray
        Step numbers, consecutive.
    losses : (S,) float64 ndarray
        Mean squared error after each step.
    kernels : (S, kh, kw) float64 ndarray
        The kernel after each step.
    """

    steps: np.ndarray
    losses: np.ndarray
    kernels: np.ndarray


class KernelFit:
    """Plain gradient descent that learns one kernel from an image and its filtered version.

    Parameters
    ----------
    image : (H, W) ndarray
        Grayscale. ``uint8`` is divided by 255; other real dtypes are taken as they are
        (0..1 expected, though any scale works because the step adapts to the image).
        No NaN or infinite values.
    config : KernelFitConfig, optional

    Raises
    ------
    ValueError
        When the image is not a finite numeric 2-D array, or the kernel does not fit inside
        the (shrunk) image.

    Notes
    -----
    The image is shrunk to ``max_side`` with ``explorer.images.resample`` and its background
    removed: a Gaussian blur of ``highpass_sigma`` pixels is subtracted (or only the mean,
    for ``None``). The target is ``explorer.ops.filter2d`` of that image with the hidden
    kernel, so every kernel, zero-sum or not, is recoverable from it.

    With ``P`` the ``(N, kh·kw)`` matrix of image patches and ``t`` the target, the loss is
    ``L(k) = mean((P k − t)²)``, its gradient ``(2/N) Pᵀ(P k − t)`` and its curvature the
    constant matrix ``(2/N) PᵀP`` with largest eigenvalue ``λ_max``. A step of ``η/λ_max``
    shrinks the error along each eigenvector ``i`` by ``|1 − η λ_i/λ_max|`` per step: below
    ``η = 2`` every factor is under 1 and the loss falls at every step, above 2 the fit
    diverges; ``η = 1`` (the default) never overshoots. The slowest direction shrinks by
    ``1 − λ_min/λ_max`` per step, so the condition number ``λ_max/λ_min`` sets the number of
    steps. Photos are mostly slow shading, whose neighbouring pixels are nearly equal: their
    patches are strongly correlated and the condition number is 400–1000 (500 steps leave
    the kernel 0.1–0.7 off while the loss is already small). Removing the blurred
    background keeps edges and texture, brings it to about 20–90, and the default step then
    recovers a kernel to 2 decimals in a few hundred steps (LeCun et al., "Efficient
    BackProp", 1998: decorrelated inputs make gradient descent fast).

    A flat image has no pattern to learn from: the target is all zeros, every kernel gives
    zero loss, the kernel never moves and ``converged`` is True at once.

    Examples
    --------
    >>> image = np.random.default_rng(0).random((24, 24))
    >>> fit = KernelFit(image, KernelFitConfig(target="sobel-vertical"))
    >>> fit.step(300) < 1e-12
    True
    >>> (fit.kernel.round(2) + 0.0).tolist()  # + 0.0 turns -0.0 into 0.0
    [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]
    """

    def __init__(self, image: np.ndarray, config: KernelFitConfig | None = None) -> None:
        self.config = config if config is not None else KernelFitConfig()
        if not isinstance(self.config, KernelFitConfig):
            raise ValueError(f"config must be a KernelFitConfig, got {type(self.config).__name__}")
        target_kernel = self.config.target_weights  # (kh, kw)
        self.image = _prepared_image(image, self.config.max_side, self.config.highpass_sigma)  # (H, W)
        height, width = self.image.shape
        kh, kw = target_kernel.shape
        if kh > height or kw > width:
            raise ValueError(
                f"the {kh}×{kw} kernel does not fit inside the {height}×{width} image "
                f"(after shrinking to max_side={self.config.max_side})"
            )
        self.target_kernel = target_kernel
        self.target = filter2d(self.image, target_kernel, padding=self.config.padding).astype(np.float64)
        self._patches = _patches(self.image, (kh, kw), self.config.padding)  # (N, kh·kw)
        self._target_flat = self.target.ravel()  # (N,)
        count = self._patches.shape[0]
        curvature = (2.0 / count) * self._patches.T @ self._patches  # (kh·kw, kh·kw)
        self.lambda_max = float(max(np.linalg.eigvalsh(curvature)[-1], 0.0))
        rng = np.random.default_rng(self.config.seed)
        self._kernel = rng.uniform(-1.0, 1.0, size=kh * kw)  # (kh·kw,)
        self._steps = 0
        self._loss = self._loss_at(self._kernel)
        self._losses: deque[float] = deque([self._loss], maxlen=MAX_HISTORY)
        self._kernels: deque[np.ndarray] = deque([self._kernel.copy()], maxlen=MAX_HISTORY)

    @property
    def learning_rate(self) -> float:
        """The step size, ``learning_rate_scale / λ_max`` (0 for a flat image)."""
        if self.lambda_max == 0.0:
            return 0.0
        return self.config.learning_rate_scale / self.lambda_max

    @property
    def kernel(self) -> np.ndarray:
        """The current kernel, ``(kh, kw)`` float64 (a copy)."""
        return self._kernel.reshape(self.target_kernel.shape).copy()

    @property
    def output(self) -> np.ndarray:
        """The image filtered by the current kernel, shaped like ``target``."""
        return (self._patches @ self._kernel).reshape(self.target.shape)  # (H', W')

    @property
    def loss(self) -> float:
        """Mean squared error between ``output`` and ``target`` now."""
        return self._loss

    @property
    def steps(self) -> int:
        """Gradient steps taken so far."""
        return self._steps

    @property
    def converged(self) -> bool:
        """Whether the loss is at most ``tolerance`` times the variance of the target."""
        return self._loss <= self.config.tolerance * float(self.target.var())

    @property
    def diverged(self) -> bool:
        """Whether a kernel value passed ``DIVERGED_MAGNITUDE``; the fit then stops moving."""
        return not float(np.abs(self._kernel).max()) < DIVERGED_MAGNITUDE

    def gradient(self) -> np.ndarray:
        """The loss's gradient with respect to the kernel now, ``(kh, kw)`` float64."""
        return self._gradient_at(self._kernel).reshape(self.target_kernel.shape)

    def step(self, n: int = 1) -> float:
        """Take ``n >= 1`` gradient steps (none once diverged) and return the loss after them."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a whole number >= 1, got {n!r}")
        rate = self.learning_rate
        for _ in range(n):
            if self.diverged:
                break
            self._kernel = self._kernel - rate * self._gradient_at(self._kernel)
            self._loss = self._loss_at(self._kernel)
            self._steps += 1
            self._losses.append(self._loss)
            self._kernels.append(self._kernel.copy())
        return self._loss

    def history(self) -> FitHistory:
        """Loss and kernel after each of the most recent ``MAX_HISTORY`` steps."""
        kept = len(self._losses)
        return FitHistory(
            steps=np.arange(self._steps - kept + 1, self._steps + 1, dtype=np.int64),  # (S,)
            losses=np.array(self._losses, dtype=np.float64),  # (S,)
            kernels=np.array(self._kernels, dtype=np.float64).reshape(kept, *self.target_kernel.shape),
        )

    def exact_solution(self) -> np.ndarray:
        """The kernel with the least possible loss, by least squares, ``(kh, kw)`` float64.

        When several kernels tie (a flat or featureless image), the smallest one is returned.
        """
        solution = np.linalg.lstsq(self._patches, self._target_flat, rcond=None)[0]  # (kh·kw,)
        return solution.reshape(self.target_kernel.shape)

    def _residual(self, kernel: np.ndarray) -> np.ndarray:
        return self._patches @ kernel - self._target_flat  # (N,)

    def _loss_at(self, kernel: np.ndarray) -> float:
        residual = self._residual(kernel)
        return float(residual @ residual) / residual.size

    def _gradient_at(self, kernel: np.ndarray) -> np.ndarray:
        residual = self._residual(kernel)
        return (2.0 / residual.size) * (self._patches.T @ residual)  # (kh·kw,)


def _prepared_image(image: np.ndarray, max_side: int, highpass_sigma: float | None) -> np.ndarray:
    """The checked image in float64, shrunk to ``max_side``, with its background removed."""
    array = np.asarray(image)
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(f"image must be a non-empty (H, W) grayscale array, got shape {array.shape}")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"image must hold real numbers, got dtype {array.dtype}")
    values = array.astype(np.float64) / (255.0 if array.dtype == np.uint8 else 1.0)
    if not np.isfinite(values).all():
        raise ValueError("image holds NaN or infinite values")
    values = resample(values, max_side)  # (H, W)
    if np.ptp(values) == 0:
        return np.zeros_like(values)
    if highpass_sigma is None:
        return values - values.mean()
    return values - cv2.GaussianBlur(values, (0, 0), highpass_sigma)


def _patches(image: np.ndarray, kernel_hw: tuple[int, int], padding: FitPadding) -> np.ndarray:
    """Every window a kernel visits, one row each: ``(N, kh·kw)`` for ``N = H'·W'`` outputs."""
    kh, kw = kernel_hw
    if padding == "same":
        # The extra row/column of an even kernel goes at the bottom/right, as in filter2d.
        top, left = (kh - 1) // 2, (kw - 1) // 2
        image = pad(image, (top, kh - 1 - top, left, kw - 1 - left))
    windows = np.lib.stride_tricks.sliding_window_view(image, (kh, kw))  # (H', W', kh, kw)
    return windows.reshape(-1, kh * kw)
