"""Data augmentation: ranges, determinism, and each transform checked on small hand-made images."""

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.augment import (
    AugmentConfig,
    AugmentParams,
    apply_params,
    augment_batch,
    preview_grid,
    sample_params,
)

FULL = AugmentConfig(rotation_degrees=30, translation=0.1, scale=0.1, horizontal_flip=True, brightness=0.2)


def random_batch(count: int = 8, size: int = 12, channels: int = 1, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((count, size, size, channels), dtype=np.float32)


def bar_image(size: int = 9) -> np.ndarray:
    """A one-pixel horizontal bar through the centre of a black (size, size, 1) image."""
    image = np.zeros((size, size, 1), dtype=np.float32)
    image[size // 2, 1:-1] = 1.0
    return image


def test_identity_config_returns_an_equal_copy():
    images = random_batch()
    out = augment_batch(images, AugmentConfig(), np.random.default_rng(0))
    assert AugmentConfig().is_identity
    np.testing.assert_array_equal(out, images)
    assert out is not images and not np.shares_memory(out, images)


def test_identity_params_leave_images_unchanged():
    images = random_batch(channels=3)
    np.testing.assert_array_equal(apply_params(images, AugmentParams.identity(len(images))), images)


@pytest.mark.parametrize("channels", [1, 3])
def test_shape_dtype_and_range_are_kept(channels):
    images = random_batch(channels=channels)
    before = images.copy()
    out = augment_batch(images, FULL, np.random.default_rng(1))
    assert out.shape == images.shape and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    np.testing.assert_array_equal(images, before)


def test_float64_input_gives_float32_output():
    out = augment_batch(random_batch().astype(np.float64), FULL, np.random.default_rng(0))
    assert out.dtype == np.float32


def test_same_seed_gives_same_output_and_another_seed_differs():
    images = random_batch(channels=3)
    first = augment_batch(images, FULL, np.random.default_rng(7))
    again = augment_batch(images, FULL, np.random.default_rng(7))
    other = augment_batch(images, FULL, np.random.default_rng(8))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_each_image_gets_its_own_settings():
    images = np.repeat(random_batch(count=1), 4, axis=0)
    out = augment_batch(images, AugmentConfig(rotation_degrees=45), np.random.default_rng(0))
    assert not np.array_equal(out[0], out[1])


def test_flips_are_mirror_images_of_the_chosen_ones_only():
    images = random_batch(count=32, channels=3)
    config = AugmentConfig(horizontal_flip=True)
    params = sample_params(32, 12, 12, config, np.random.default_rng(3))
    out = apply_params(images, params)
    assert 0 < params.flips.sum() < 32  # probability 0.5 chose some, not all
    np.testing.assert_array_equal(out[params.flips], np.flip(images[params.flips], axis=2))
    np.testing.assert_array_equal(out[~params.flips], images[~params.flips])
    np.testing.assert_array_equal(augment_batch(images, config, np.random.default_rng(3)), out)


def test_flip_with_probability_one_mirrors_every_image():
    images = random_batch(channels=1)
    params = AugmentParams.identity(len(images))
    params.flips[:] = True
    np.testing.assert_array_equal(apply_params(images, params), images[:, :, ::-1])


def test_no_flips_drawn_when_flip_is_off():
    params = sample_params(100, 8, 8, AugmentConfig(rotation_degrees=10), np.random.default_rng(0))
    assert not params.flips.any()


def test_rotation_by_90_degrees_turns_a_horizontal_bar_vertical():
    image = bar_image()[None]  # (1, 9, 9, 1)
    params = AugmentParams.identity(1)
    params.angles[:] = 90.0
    out = apply_params(image, params)[0, :, :, 0]
    np.testing.assert_allclose(out, image[0, :, :, 0].T, atol=1e-6)
    assert out[:, 4].sum() == pytest.approx(7.0) and out[4].sum() == pytest.approx(1.0)


def test_positive_angles_turn_counter_clockwise():
    image = np.zeros((1, 9, 9, 1), dtype=np.float32)
    image[0, 4, 7] = 1.0  # right of centre
    params = AugmentParams.identity(1)
    params.angles[:] = 90.0
    out = apply_params(image, params)[0, :, :, 0]
    assert out[1, 4] == pytest.approx(1.0)  # now above the centre


def test_translation_moves_content_right_and_down():
    image = np.zeros((1, 9, 9, 3), dtype=np.float32)
    image[0, 2, 3] = [1.0, 0.5, 0.25]
    params = AugmentParams.identity(1)
    params.shifts[:] = [2.0, 1.0]
    out = apply_params(image, params)[0]
    np.testing.assert_allclose(out[3, 5], [1.0, 0.5, 0.25], atol=1e-6)
    assert out.sum() == pytest.approx(1.75)


def test_scale_grows_a_centred_square():
    image = np.zeros((1, 21, 21, 1), dtype=np.float32)
    image[0, 8:13, 8:13] = 1.0
    params = AugmentParams.identity(1)
    params.scales[:] = 2.0
    out = apply_params(image, params)
    assert out.sum() == pytest.approx(4 * image.sum(), rel=0.1)


def test_translation_range_follows_width_and_height():
    config = AugmentConfig(translation=0.25)
    params = sample_params(500, 10, 40, config, np.random.default_rng(0))
    assert np.abs(params.shifts[:, 0]).max() <= 10.0 and np.abs(params.shifts[:, 0]).max() > 9.0
    assert np.abs(params.shifts[:, 1]).max() <= 2.5 and np.abs(params.shifts[:, 1]).max() > 2.0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), brightness=st.floats(0.0, 0.25))
def test_brightness_shifts_the_mean_by_the_drawn_amount(seed, brightness):
    rng = np.random.default_rng(seed)
    images = rng.uniform(0.25, 0.75, (6, 5, 5, 3)).astype(np.float32)  # no clipping within ±0.25
    config = AugmentConfig(brightness=brightness)
    params = sample_params(6, 5, 5, config, np.random.default_rng(seed))
    out = augment_batch(images, config, np.random.default_rng(seed))
    assert np.all(np.abs(params.brightness) <= brightness)
    np.testing.assert_allclose(
        out.mean(axis=(1, 2, 3)) - images.mean(axis=(1, 2, 3)), params.brightness, atol=1e-5
    )


def test_brightness_is_clipped_to_the_unit_range():
    images = np.array([0.0, 1.0], dtype=np.float32).reshape(2, 1, 1, 1)
    params = AugmentParams.identity(2)
    params.brightness[:] = [-0.3, 0.3]
    np.testing.assert_array_equal(apply_params(images, params).ravel(), [0.0, 1.0])


@pytest.mark.parametrize("channels", [1, 3])
def test_preview_grid_starts_with_the_original(channels):
    image = random_batch(count=1, channels=channels)[0]
    grid = preview_grid(image, FULL, seed=4)
    assert grid.shape == (9, 12, 12, channels) and grid.dtype == np.float32
    np.testing.assert_array_equal(grid[0], image)
    assert not any(np.array_equal(grid[0], other) for other in grid[1:])
    np.testing.assert_array_equal(grid, preview_grid(image, FULL, seed=4))
    assert preview_grid(image, FULL, count=1).shape == (1, 12, 12, channels)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("rotation_degrees", -1),
        ("rotation_degrees", 181),
        ("translation", 0.6),
        ("scale", -0.1),
        ("scale", 0.51),
        ("brightness", 0.7),
        ("brightness", float("nan")),
        ("translation", "0.1"),
        ("scale", True),
        ("horizontal_flip", 1),
    ],
)
def test_invalid_configs_raise_naming_the_value(setting, value):
    with pytest.raises(ValueError, match=setting) as error:
        AugmentConfig(**{setting: value})
    assert repr(value) in str(error.value)


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        augment_batch(np.zeros((4, 4, 1)), FULL, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"\(H, W, C\)"):
        preview_grid(np.zeros((4, 4)), FULL)
    with pytest.raises(ValueError, match="count"):
        preview_grid(np.zeros((4, 4, 1)), FULL, count=0)
    with pytest.raises(ValueError, match="params"):
        apply_params(np.zeros((2, 4, 4, 1)), AugmentParams.identity(3))


def test_a_batch_of_64_small_images_is_fast():
    images = random_batch(count=64, size=28)
    augment_batch(images, FULL, np.random.default_rng(0))
    start = time.perf_counter()
    for seed in range(10):
        augment_batch(images, FULL, np.random.default_rng(seed))
    assert (time.perf_counter() - start) / 10 < 0.05
