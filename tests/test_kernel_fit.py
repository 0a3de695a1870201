"""Learning one kernel: gradients and curvature against PyTorch, recovery, safety, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from explorer import kernel_fit
from explorer.images import sample_images, to_grayscale
from explorer.kernel_fit import KernelFit, KernelFitConfig
from explorer.kernels import NAMED_KERNELS
from explorer.ops import filter2d
from tests.reference import naive_filter2d

SOBEL_VERTICAL = NAMED_KERNELS["sobel-vertical"].weights


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    """Grey versions of two sample photos and the checkerboard, uint8 at full size."""
    samples = sample_images()
    return {slug: to_grayscale(samples[slug].pixels) for slug in ("china", "flower", "checkerboard")}


def torch_loss(fit: KernelFit, kernel: torch.Tensor) -> torch.Tensor:
    """The fit's loss rebuilt in PyTorch: MSE between conv2d of the image and the target."""
    image = torch.from_numpy(fit.image)[None, None]  # (1, 1, H, W)
    output = F.conv2d(image, kernel[None, None], padding=fit.config.padding)  # (1, 1, H', W')
    return F.mse_loss(output[0, 0], torch.from_numpy(fit.target))


@pytest.mark.parametrize(
    ("padding", "target"),
    [("valid", "sobel-vertical"), ("same", "laplacian"), ("same", ((1, 2, 0, -1),) * 4)],
)
def test_gradient_matches_torch_autograd(photos, padding, target):
    fit = KernelFit(photos["flower"], KernelFitConfig(target=target, padding=padding, seed=3))
    fit.step(4)
    kernel = torch.tensor(fit.kernel, requires_grad=True)
    loss = torch_loss(fit, kernel)
    loss.backward()
    assert fit.loss == pytest.approx(float(loss.detach()), rel=1e-9)
    np.testing.assert_allclose(fit.gradient(), kernel.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_step_size_is_one_over_the_largest_curvature_from_torch(photos):
    fit = KernelFit(photos["china"])
    hessian = torch.autograd.functional.hessian(
        lambda flat: torch_loss(fit, flat.reshape(3, 3)), torch.zeros(9, dtype=torch.float64)
    )  # (9, 9)
    lambda_max = float(torch.linalg.eigvalsh(hessian)[-1])
    assert fit.lambda_max == pytest.approx(lambda_max, rel=1e-9)
    assert fit.learning_rate == pytest.approx(1.0 / lambda_max, rel=1e-9)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_output_is_filter2d_of_the_image_with_the_current_kernel(photos, padding):
    fit = KernelFit(photos["china"], KernelFitConfig(padding=padding))
    fit.step(3)
    expected = filter2d(fit.image, fit.kernel, padding=padding)
    assert fit.output.shape == fit.target.shape == expected.shape
    np.testing.assert_allclose(fit.output, expected, atol=1e-5)
    if padding == "valid":
        np.testing.assert_allclose(fit.output, naive_filter2d(fit.image, fit.kernel), atol=1e-12)


def test_the_loss_falls_at_every_default_step(photos):
    fit = KernelFit(photos["china"])
    fit.step(500)
    losses = fit.history().losses  # (501,)
    assert losses.shape == (501,)
    # At the very bottom the loss only wobbles by rounding.
    assert np.all(np.diff(losses) <= 1e-12 * losses[0])
    assert losses[-1] < 1e-6 * losses[0]


@pytest.mark.parametrize("slug", ["china", "flower", "checkerboard"])
def test_recovers_vertical_sobel_within_500_steps(photos, slug):
    fit = KernelFit(photos[slug])
    fit.step(500)
    np.testing.assert_allclose(fit.kernel, SOBEL_VERTICAL, atol=1e-2)
    np.testing.assert_allclose(fit.exact_solution(), SOBEL_VERTICAL, atol=1e-5)
    assert fit.converged
    assert fit.image.shape[1] == 64


def test_recovers_a_random_target_kernel_within_500_steps(photos):
    target = np.random.default_rng(7).normal(size=(3, 3))
    fit = KernelFit(photos["flower"], KernelFitConfig(target=target, padding="same", seed=5))
    assert not fit.converged
    fit.step(500)
    np.testing.assert_allclose(fit.kernel, target, atol=1e-2)
    assert fit.converged


def test_the_same_seed_gives_the_same_trajectory(photos):
    runs = []
    for seed in (11, 11, 12):
        fit = KernelFit(photos["flower"], KernelFitConfig(seed=seed))
        fit.step(20)
        runs.append(fit.history())
    np.testing.assert_array_equal(runs[0].kernels, runs[1].kernels)
    np.testing.assert_array_equal(runs[0].losses, runs[1].losses)
    assert not np.array_equal(runs[0].kernels[0], runs[2].kernels[0])


def test_history_records_each_step_and_keeps_only_the_most_recent(photos, monkeypatch):
    monkeypatch.setattr(kernel_fit, "MAX_HISTORY", 5)
    fit = KernelFit(photos["flower"])
    fit.step(2)
    fit.step(10)
    history = fit.history()
    assert fit.steps == 12
    assert history.steps.tolist() == [8, 9, 10, 11, 12]
    assert history.kernels.shape == (5, 3, 3)
    np.testing.assert_array_equal(history.kernels[-1], fit.kernel)
    assert history.losses[-1] == fit.loss


def test_uint8_is_divided_by_255(photos):
    from_uint8 = KernelFit(photos["checkerboard"])
    from_float = KernelFit(photos["checkerboard"] / 255.0)
    np.testing.assert_allclose(from_uint8.image, from_float.image, atol=1e-12)
    assert from_uint8.loss == pytest.approx(from_float.loss)


def test_steps_above_twice_the_safe_rate_diverge_and_stop_finite(photos):
    fit = KernelFit(photos["china"], KernelFitConfig(learning_rate_scale=2.5))
    fit.step(5_000)
    assert fit.diverged
    assert fit.steps < 5_000
    assert np.isfinite(fit.kernel).all() and np.isfinite(fit.loss)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("highpass_sigma", [2.0, None])
def test_a_flat_image_neither_crashes_nor_makes_nan(padding, highpass_sigma):
    config = KernelFitConfig(padding=padding, highpass_sigma=highpass_sigma)
    fit = KernelFit(np.full((20, 30), 180, dtype=np.uint8), config)
    start = fit.kernel
    fit.step(10)
    assert not fit.target.any()
    assert fit.loss == 0.0 and fit.converged and not fit.diverged
    np.testing.assert_array_equal(fit.kernel, start)
    assert np.isfinite(fit.output).all() and np.isfinite(fit.exact_solution()).all()


def test_a_small_image_is_not_enlarged_and_a_large_one_is_shrunk(photos):
    assert KernelFit(np.eye(10)).image.shape == (10, 10)
    assert KernelFit(photos["china"], KernelFitConfig(max_side=32)).image.shape == (21, 32)


@pytest.mark.parametrize(
    ("image", "match"),
    [
        (np.zeros((8, 8, 3)), r"\(8, 8, 3\)"),
        (np.zeros(8), r"\(8,\)"),
        (np.zeros((2, 9)), "3×3 kernel does not fit inside the 2×9"),
        (np.array([[0.0, np.nan], [1.0, 1.0]] * 3), "NaN"),
        (np.array([["a", "b"]] * 3), "dtype <U1"),
    ],
)
def test_bad_images_raise_naming_the_value(image, match):
    with pytest.raises(ValueError, match=match):
        KernelFit(image)


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"learning_rate_scale": -0.1}, "-0.1"),
        ({"learning_rate_scale": float("nan")}, "nan"),
        ({"target": "sobel"}, "'sobel'"),
        ({"target": [[1.0, np.inf]]}, "infinite"),
        ({"target": [1.0, 2.0]}, r"\(2,\)"),
        ({"padding": "full"}, "'full'"),
        ({"max_side": 0}, "max_side.*0"),
        ({"seed": -1}, "-1"),
        ({"highpass_sigma": 0.0}, "highpass_sigma.*0"),
    ],
)
def test_bad_settings_raise_naming_the_value(settings, match):
    with pytest.raises(ValueError, match=match):
        KernelFitConfig(**settings)


@pytest.mark.parametrize("n", [0, -3, 1.5, True])
def test_step_counts_below_one_raise(n):
    fit = KernelFit(np.eye(8))
    with pytest.raises(ValueError, match=f"got {n!r}"):
        fit.step(n)
    assert fit.steps == 0


def test_an_array_target_keeps_the_config_hashable():
    config = KernelFitConfig(target=np.array([[0, 1], [2, 3]]))
    assert config.target == ((0.0, 1.0), (2.0, 3.0))
    assert hash(config) == hash(KernelFitConfig(target=((0, 1), (2, 3))))
