"""The generated source digits: shapes, determinism, white-on-black like the real digits, learnable labels."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import explorer.synthetic_digits
from explorer.datasets import ImageDataset
from explorer.synthetic_digits import DIGIT_CLASSES, FONTS, synthetic_digits


@pytest.fixture(scope="module")
def sample() -> ImageDataset:
    return synthetic_digits(40, seed=0)


def test_shapes_labels_and_range(sample):
    assert isinstance(sample, ImageDataset)
    assert sample.images.shape == (400, 28, 28, 1) and sample.images.dtype == np.float32
    assert sample.labels.dtype == np.int64
    assert np.array_equal(sample.labels, np.repeat(np.arange(10), 40))  # grouped by class
    assert sample.class_names == DIGIT_CLASSES == tuple("0123456789")
    assert sample.images.min() >= 0.0 and sample.images.max() <= 1.0
    assert sample.name == "Generated digits"


def test_same_seed_same_images_other_seed_other_images(sample):
    again = synthetic_digits(40, seed=0)
    assert np.array_equal(sample.images, again.images)
    other = synthetic_digits(40, seed=1)
    assert not np.array_equal(sample.images, other.images)


def test_white_strokes_on_a_black_background_like_the_real_digits(sample):
    images = sample.images[..., 0]  # (N, 28, 28)
    corners = np.concatenate(
        [images[:, :3, :3], images[:, :3, -3:], images[:, -3:, :3], images[:, -3:, -3:]], axis=1
    )
    assert corners.mean() < 0.08  # background is dark
    assert np.all(images.max(axis=(1, 2)) > 0.5)  # every picture has a bright stroke
    ink = images.mean(axis=(1, 2))  # (N,)
    assert 0.08 < ink.mean() < 0.45  # scikit-learn's digits at 28 × 28 average about 0.3


def test_every_picture_differs(sample):
    flat = sample.images.reshape(len(sample), -1)  # (N, 784)
    assert len(np.unique(flat, axis=0)) == len(sample)


def test_labels_match_the_drawings():
    """A nearest-class-mean classifier fitted on one seed reads another seed's digits far above chance."""
    fit, held_out = synthetic_digits(60, seed=3), synthetic_digits(20, seed=4)
    means = np.stack(
        [fit.images[fit.labels == k].reshape(-1, 784).mean(axis=0) for k in range(10)]
    )  # (10, 784)
    flat = held_out.images.reshape(len(held_out), 784)  # (M, 784)
    distances = ((flat[:, None, :] - means[None]) ** 2).sum(axis=2)  # (M, 10)
    accuracy = float(np.mean(distances.argmin(axis=1) == held_out.labels))
    assert accuracy > 0.5  # chance is 0.1


def test_other_sizes():
    data = synthetic_digits(1, size=16, seed=0)
    assert data.images.shape == (10, 16, 16, 1)


def test_several_fonts_are_used():
    assert len(FONTS) >= 5


@pytest.mark.parametrize(
    ("arguments", "named"),
    [({"n_per_class": 0}, "n_per_class"), ({"n_per_class": True}, "n_per_class"), ({"size": 4}, "size")],
)
def test_bad_arguments_name_the_value(arguments, named):
    with pytest.raises(ValueError, match=named):
        synthetic_digits(**{"n_per_class": 1, **arguments})


def test_doctests():
    assert doctest.testmod(explorer.synthetic_digits).failed == 0
