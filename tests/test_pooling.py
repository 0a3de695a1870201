"""Pooling windows against a naive loop and pool2d, the work pooling saves, global average pooling."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from explorer import pooling
from explorer.images import sample_images
from explorer.ops import pool2d

REDUCE = {"max": np.max, "avg": np.mean, "min": np.min}
NOTES_6X6 = np.repeat([0, 255], 18).reshape(6, 6).astype(np.uint8)


@given(
    values=arrays(np.uint8, st.tuples(st.integers(4, 12), st.integers(4, 12))),
    size=st.integers(2, 4),
    stride=st.integers(1, 4),
    mode=st.sampled_from(["max", "avg", "min"]),
)
def test_every_window_keeps_what_a_naive_loop_keeps(values, size, stride, mode):
    pooled, windows = pooling.pool_windows(values, size, stride, mode)
    assert np.array_equal(pooled, pool2d(values, size, stride=stride, mode=mode))
    assert len(windows) == pooled.size
    for window in windows:
        assert (window.top, window.left) == (window.row * stride, window.col * stride)
        cells = values[window.top : window.top + size, window.left : window.left + size]
        assert cells.shape == (size, size)  # every window lies inside the grid
        assert window.value == pytest.approx(REDUCE[mode](cells.astype(np.float64)), abs=1e-4)
        assert window.value == pooled[window.row, window.col]


def test_notes_grid_halves_with_2x2_max_pooling():
    pooled, windows = pooling.pool_windows(NOTES_6X6, 2)
    assert pooled.tolist() == [[0, 0, 0], [255, 255, 255], [255, 255, 255]]
    assert [(w.top, w.left) for w in windows[:4]] == [(0, 0), (0, 2), (0, 4), (2, 0)]
    averaged, _ = pooling.pool_windows(NOTES_6X6, 3, 2, mode="avg")  # rows 2–4 hold one 0 row, two 255 rows
    assert averaged.tolist() == [[0, 0], [170, 170]]


def test_neighbouring_windows_never_share_a_colour():
    _, windows = pooling.pool_windows(np.zeros((12, 12)), 2)
    colour = {(w.row, w.col): w.color for w in windows}
    for (row, col), color in colour.items():
        for neighbour in ((row + 1, col), (row, col + 1), (row + 1, col + 1), (row + 1, col - 1)):
            assert colour.get(neighbour) != color
    assert set(colour.values()) <= set(pooling.WINDOW_COLORS)


def test_a_window_bigger_than_the_grid_is_refused():
    with pytest.raises(ValueError, match="does not fit"):
        pooling.pool_windows(np.zeros((3, 3)), 4)
    with pytest.raises(ValueError, match="2-D"):
        pooling.pool_windows(np.zeros((4, 4, 3)), 2)


def test_window_figure_labels_the_kept_values_unless_windows_overlap():
    pooled, windows = pooling.pool_windows(NOTES_6X6, 2)
    figure = pooling.windows_figure(NOTES_6X6, windows, stride=2)
    assert [a.text for a in figure.layout.annotations] == ["<b>0</b>"] * 3 + ["<b>255</b>"] * 6
    assert [s.line.color for s in figure.layout.shapes] == [w.color for w in windows]
    output = pooling.pooled_figure(pooled, windows, stride=2)
    assert [s.line.color for s in output.layout.shapes] == [w.color for w in windows]

    pooled, windows = pooling.pool_windows(NOTES_6X6, 3, 1)
    overlapping = pooling.windows_figure(NOTES_6X6, windows, stride=1)
    assert len(overlapping.layout.shapes) == 4 and not overlapping.layout.annotations  # the first row only
    assert pooling.windows_overlap(3, 1) and not pooling.windows_overlap(2, 2)


def test_notes_500_by_500_example():
    savings = pooling.pooling_savings(500, 500)
    assert savings.pooled_hw == (250, 250)
    assert savings.before.output_hw == (498, 498) and savings.after.output_hw == (248, 248)
    assert savings.before.multiply_adds == 498 * 498 * 9 == 2_232_036
    assert savings.after.multiply_adds == 248 * 248 * 9 == 553_536
    assert savings.before.formula == "498 × 498 × 9 = 2,232,036"
    assert f"{savings.ratio:.1f}" == "4.0"


def test_savings_for_a_photo_and_other_windows():
    savings = pooling.pooling_savings(427, 640)
    assert savings.before.formula == "425 × 638 × 9 = 2,440,350"
    assert savings.pooled_hw == (213, 320)
    assert savings.after.formula == "211 × 318 × 9 = 603,882"
    three = pooling.pooling_savings(427, 640, size=3)
    assert three.pooled_hw == (142, 213) and three.ratio > 8
    overlapping = pooling.pooling_savings(500, 500, size=2, stride=1)
    assert overlapping.pooled_hw == (499, 499) and overlapping.ratio == pytest.approx(1.0, abs=0.01)


def test_savings_when_the_kernel_no_longer_fits():
    savings = pooling.pooling_savings(6, 6, size=4)  # 6 × 6 → 1 × 1: no room for a 3 × 3 kernel
    assert savings.before.multiply_adds == 4 * 4 * 9
    assert savings.after.output_hw is None and savings.after.multiply_adds == 0
    assert savings.ratio is None
    assert "does not fit" in savings.after.formula


@pytest.mark.parametrize("slug", ["notes-6x6", "china"])
def test_global_average_pool_is_pooling_with_a_picture_sized_window(slug):
    pixels = sample_images()[slug].pixels
    height, width = pixels.shape[:2]
    averages = pooling.global_average_pool(pixels)
    assert averages.shape == (3,)
    reference = pool2d(pixels, (height, width), mode="avg").reshape(3)
    np.testing.assert_allclose(averages, reference, rtol=1e-5)
    np.testing.assert_allclose(averages, pixels.reshape(-1, 3).mean(axis=0), rtol=1e-9)


def test_global_average_pool_gives_one_number_per_map():
    assert pooling.global_average_pool(NOTES_6X6).tolist() == [127.5]
    stack = np.random.default_rng(0).normal(size=(9, 7, 6)).astype(np.float32)  # more maps than OpenCV takes
    np.testing.assert_allclose(pooling.global_average_pool(stack), stack.mean(axis=(0, 1)), rtol=1e-5)
    with pytest.raises(ValueError, match="shape"):
        pooling.global_average_pool(np.zeros((0, 3)))


def test_edge_maps_of_the_notes_grid_find_only_the_horizontal_edge():
    maps = pooling.edge_strength_maps(NOTES_6X6)
    assert maps.shape == (6, 6, len(pooling.FEATURE_KERNELS))
    horizontal, vertical = pooling.global_average_pool(maps)[:2]
    # Rows 2 and 3 straddle the edge: 6 cells each of |−1020|, over 36 cells.
    assert horizontal == pytest.approx(2 * 6 * 1020 / 36)
    assert vertical == 0
    with pytest.raises(ValueError, match="unknown kernel"):
        pooling.edge_strength_maps(NOTES_6X6, ("nope",))


def test_feature_previews_share_one_scale():
    maps = np.zeros((6, 6, 2), dtype=np.float32)
    maps[:, :, 0] = 100.0
    maps[:, :, 1] = 50.0
    previews = pooling.feature_previews(maps, 60)
    assert previews.shape == (60, 60, 2) and previews.dtype == np.uint8
    assert previews[0, 0].tolist() == [255, 128]
    assert pooling.feature_previews(np.zeros((4, 4, 1)), 8).max() == 0


def test_rows_and_columns_in_no_window_are_marked():
    values = np.arange(64).reshape(8, 8)
    _, windows = pooling.pool_windows(values, 3)  # windows at 0 and 3: rows and columns 6, 7 dropped
    figure = pooling.windows_figure(values, windows, stride=3)
    crosses = [a for a in figure.layout.annotations if a.text == "⊗"]
    assert sorted((a.x, a.y) for a in crosses) == [(6, 7.5), (7, 7.5), (7.5, 6), (7.5, 7)]
    washes = [s for s in figure.layout.shapes if s.fillcolor == pooling.DROPPED_FILL]
    assert len(washes) == 4
