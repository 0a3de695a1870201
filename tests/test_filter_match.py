"""Closest named kernel: sign-aware cosine similarity, checked against a naive loop and PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from explorer.filter_match import FilterMatch, closest_named_kernels, named_kernel_similarities
from explorer.kernels import NAMED_KERNELS
from explorer.models import CNNConfig, build_model, first_layer_filters


def as_filters(*kernels: np.ndarray) -> np.ndarray:
    """Single-channel 2-D kernels stacked in the first-layer layout ``(kh, kw, 1, C_out)``."""
    return np.stack(kernels, axis=-1)[:, :, None, :]


def naive_cosine(filter_slices: np.ndarray, kernel: np.ndarray) -> float:
    """Cosine of the channel-mean of one ``(kh, kw, C_in)`` filter with a kernel, one cell at a time."""
    kh, kw, c_in = filter_slices.shape
    dot = norm_filter = norm_kernel = 0.0
    for y in range(kh):
        for x in range(kw):
            mean = sum(float(filter_slices[y, x, c]) for c in range(c_in)) / c_in
            dot += mean * kernel[y, x]
            norm_filter += mean * mean
            norm_kernel += kernel[y, x] ** 2
    return dot / math.sqrt(norm_filter * norm_kernel)


def test_a_scaled_sobel_matches_it_with_similarity_one():
    (match,) = closest_named_kernels(as_filters(2.5 * NAMED_KERNELS["sobel-horizontal"].weights))
    assert match == FilterMatch(0, "sobel-horizontal", "Sobel (horizontal edges)", 1, pytest.approx(1.0))
    assert match.label == "Sobel (horizontal edges)"


def test_a_negated_sobel_matches_it_with_sign_minus_one():
    (match,) = closest_named_kernels(as_filters(-NAMED_KERNELS["sobel-vertical"].weights))
    assert (match.slug, match.sign) == ("sobel-vertical", -1)
    assert match.similarity == pytest.approx(-1.0)
    assert match.label == "−Sobel (vertical edges)"


def test_a_constant_filter_is_the_box_blur():
    (match,) = closest_named_kernels(as_filters(np.full((3, 3), -0.2)))
    assert (match.slug, match.sign, match.similarity) == ("box-blur", -1, pytest.approx(-1.0))


def test_random_filters_give_one_bounded_match_each():
    filters = np.random.default_rng(0).normal(size=(3, 3, 3, 16))
    matches = closest_named_kernels(filters)
    assert [m.filter_index for m in matches] == list(range(16))
    for match in matches:
        assert -1.0 <= match.similarity <= 1.0
        assert match.sign == (1 if match.similarity >= 0 else -1)
        assert match.slug in NAMED_KERNELS and match.name == NAMED_KERNELS[match.slug].name


def test_the_match_has_the_largest_absolute_similarity_of_the_table():
    filters = np.random.default_rng(1).normal(size=(3, 3, 2, 10))
    table = named_kernel_similarities(filters)
    for match in closest_named_kernels(filters):
        best = max(abs(values[match.filter_index]) for values in table.values())
        assert abs(match.similarity) == pytest.approx(best)
        assert table[match.slug][match.filter_index] == pytest.approx(match.similarity)


def test_similarities_agree_with_a_naive_loop_and_torch_cosine_similarity():
    filters = np.random.default_rng(2).normal(size=(3, 3, 3, 5))  # (kh, kw, C_in, C_out)
    table = named_kernel_similarities(filters)
    assert "box-blur" in table and list(table) == [s for s in NAMED_KERNELS if s in table]
    means = torch.from_numpy(filters).mean(dim=2).permute(2, 0, 1).reshape(5, 9)  # (C_out, 9)
    for slug, values in table.items():
        kernel = NAMED_KERNELS[slug].weights
        expected = F.cosine_similarity(means, torch.tensor(kernel).reshape(1, 9), dim=1)  # (C_out,)
        np.testing.assert_allclose(values, expected.numpy(), rtol=1e-12, atol=1e-12)
        naive = [naive_cosine(filters[:, :, :, i], kernel) for i in range(5)]
        np.testing.assert_allclose(values, naive, rtol=1e-12, atol=1e-12)


def test_colour_filters_are_compared_by_their_channel_mean():
    sobel = NAMED_KERNELS["sobel-vertical"].weights
    same_in_every_colour = np.stack([sobel, 2 * sobel, 0.5 * sobel], axis=-1)  # (3, 3, 3)
    red_minus_green = np.stack([sobel, -sobel, np.zeros((3, 3))], axis=-1)  # channel mean 0
    filters = np.stack([same_in_every_colour, red_minus_green], axis=-1)  # (3, 3, 3, 2)
    first, second = closest_named_kernels(filters)
    assert (first.slug, first.sign, first.similarity) == ("sobel-vertical", 1, pytest.approx(1.0))
    assert second is None


def test_an_all_zero_filter_has_no_match_but_its_neighbours_do():
    filters = as_filters(np.zeros((3, 3)), NAMED_KERNELS["laplacian"].weights)
    assert np.isnan(named_kernel_similarities(filters)["identity"][0])
    none, laplacian = closest_named_kernels(filters)
    assert none is None and laplacian.slug == "laplacian"


def test_filters_of_a_size_no_named_kernel_has_give_none():
    filters = np.random.default_rng(3).normal(size=(5, 5, 1, 4))
    assert named_kernel_similarities(filters) == {}
    assert closest_named_kernels(filters) == [None] * 4


def test_works_on_a_real_models_first_layer():
    filters = first_layer_filters(build_model(CNNConfig(in_channels=3, filters=(6, 4)), seed=0))
    matches = closest_named_kernels(filters)  # filters: (3, 3, 3, 6)
    assert len(matches) == 6 and all(isinstance(m, FilterMatch) for m in matches)


@pytest.mark.parametrize(
    ("filters", "match"),
    [
        (np.zeros((3, 3)), r"\(3, 3\)"),
        (np.zeros((3, 3, 4)), r"\(3, 3, 4\)"),
        (np.zeros((3, 3, 1, 0)), r"\(3, 3, 1, 0\)"),
        (np.full((3, 3, 1, 1), np.nan), "NaN"),
        (np.full((3, 3, 1, 1), "x"), "numbers"),
    ],
)
def test_bad_filters_raise_naming_the_value(filters, match):
    with pytest.raises(ValueError, match=match):
        closest_named_kernels(filters)
