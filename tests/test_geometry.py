"""Padding-and-stride geometry against a naive loop over window positions, and the notes' examples."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer import geometry
from explorer.geometry import Sweep
from explorer.pixels import Window
from explorer.shapes import conv_output_size


def naive_sweep(n: int, kernel: int, padding: int, stride: int) -> tuple[list, np.ndarray]:
    """Walk the kernel over the padded grid the notes' way: jump right, then jump down."""
    side = n + 2 * padding
    origins, seen = [], np.zeros((side, side), dtype=int)
    top = 0
    while top + kernel <= side:
        left = 0
        while left + kernel <= side:
            origins.append((top, left))
            seen[top : top + kernel, left : left + kernel] += 1
            left += stride
        top += stride
    return origins, seen


sweeps = st.builds(
    Sweep, n=st.integers(1, 14), kernel=st.integers(1, 7), padding=st.integers(0, 3), stride=st.integers(1, 4)
)


@given(sweeps)
def test_visited_positions_and_unreached_cells_match_a_naive_loop(sweep):
    origins, seen = naive_sweep(sweep.n, sweep.kernel, sweep.padding, sweep.stride)
    assert sweep.window_origins() == origins
    assert sweep.unreached_cells() == [tuple(cell) for cell in np.argwhere(seen == 0).tolist()]
    assert np.array_equal(sweep.visit_counts(), seen)
    if origins:
        assert sweep.fits and sweep.output == conv_output_size(
            sweep.n, sweep.kernel, padding=sweep.padding, stride=sweep.stride
        )
        assert sweep.output**2 == len(origins)
    else:
        assert not sweep.fits and sweep.output == 0


@given(sweeps)
def test_unreached_rows_are_the_cut_off_end_plus_the_skipped_gaps(sweep):
    if not sweep.fits:
        return
    end = list(range(sweep.padded - sweep.cut_off, sweep.padded))
    assert sweep.unreached.tolist() == sweep.skipped.tolist() + end
    assert (sweep.cut_off > 0) == ("rounded down" in (geometry.rounding_note(sweep) or ""))
    assert (len(sweep.skipped) > 0) == (sweep.stride > sweep.kernel and sweep.output > 1)


def test_notes_stride_example_never_reaches_the_last_row_and_column():
    sweep = Sweep(6, 3, 0, 2)
    assert sweep.window_origins() == [(0, 0), (0, 2), (2, 0), (2, 2)]
    assert sweep.output == 2
    assert sweep.unreached.tolist() == [5]
    note = geometry.rounding_note(sweep)
    assert "(6 − 3 + 2·0) / 2 + 1 = 2.5 is not a whole number, so the size is rounded down to 2" in note
    assert "row 5 and column 5 are never used" in note


def test_notes_padding_example_reaches_every_cell():
    sweep = Sweep(6, 3, 1, 1)
    assert sweep.output == 6 and sweep.unreached.size == 0
    assert geometry.rounding_note(sweep) is None
    counts = sweep.visit_counts()[1:7, 1:7]  # the original 6 × 6
    assert counts[0, 0] == 4 and counts[2, 2] == 9  # padding lets the corner be seen 4 times, not once
    assert Sweep(6, 3, 0, 1).visit_counts()[0, 0] == 1


def test_the_four_formulas_for_the_notes_numbers():
    cases = geometry.size_cases(6, 3, 1, 2)
    assert [case.number for case in cases] == ["i", "ii", "iii", "iv"]
    assert [case.general for case in cases] == [
        "n − k + 1",
        "n − k + 2p + 1",
        "(n − k) / s + 1",
        "(n − k + 2p) / s + 1",
    ]
    assert [case.formula for case in cases] == [
        "(6 − 3 + 2·0) / 1 + 1 = 4",
        "(6 − 3 + 2·1) / 1 + 1 = 6",
        "(6 − 3 + 2·0) / 2 + 1 = 2.5 → 2",
        "(6 − 3 + 2·1) / 2 + 1 = 3.5 → 3",
    ]
    assert [case.size for case in cases] == [4, 6, 2, 3]
    assert [case.applies for case in cases] == [False, False, False, True]


@pytest.mark.parametrize("padding, stride, applies", [(0, 1, "i"), (1, 1, "ii"), (0, 2, "iii"), (2, 3, "iv")])
def test_exactly_one_formula_applies(padding, stride, applies):
    cases = geometry.size_cases(6, 3, padding, stride)
    assert [case.number for case in cases if case.applies] == [applies]


def test_a_kernel_that_does_not_fit_has_no_size():
    cases = geometry.size_cases(4, 7, 2, 1)
    assert cases[0].size is None and cases[0].formula == "(4 − 7 + 2·0) / 1 + 1 = -2"
    assert cases[1].size == 2


def test_size_table_marks_rounding_and_impossible_combinations():
    table = geometry.size_table(6, 3)
    assert table.strides == (1, 2, 3, 4) and table.paddings == (0, 1, 2, 3)
    assert table.cells[0] == ("4", "6", "8", "10")
    assert table.cells[1][0] == "2.5 → 2"
    assert table.why == ()
    small = geometry.size_table(4, 7)
    assert small.cells[0][:2] == ("—", "—") and small.cells[0][2] == "2"
    assert len(small.why) == 2 and "4 + 2·1 = 6 cells" in small.why[1]


def test_shrinking_chain_shows_the_picture_disappearing():
    assert geometry.shrinking_chain(6, 3) == [6, 4, 2]
    assert geometry.shrinking_chain(6, 3, padding=1) == [6, 6]
    assert geometry.shrinking_chain(12, 3, stride=2) == [12, 5, 2]
    assert geometry.shrinking_chain(100, 3, layers=3) == [100, 98, 96, 94]


@pytest.mark.parametrize(
    "kwargs, word",
    [({"n": 0}, "n"), ({"kernel": 0}, "kernel"), ({"padding": -1}, "padding"), ({"stride": 0}, "stride")],
)
def test_bad_sweep_arguments_name_the_value(kwargs, word):
    arguments = {"n": 6, "kernel": 3, "padding": 0, "stride": 1} | kwargs
    with pytest.raises(ValueError, match=word):
        Sweep(**arguments)


def test_sweep_figure_marks_windows_padding_and_unreached_cells():
    sweep = Sweep(6, 3, 1, 2)  # padded 8 × 8, windows at 0, 2, 4; row and column 7 (input 6) unreached
    padded = np.zeros((8, 8), dtype=np.uint8)
    figure = geometry.sweep_figure(padded, sweep)
    dots = figure.data[1]
    assert len(dots.x) == 9 == len(sweep.window_origins())
    crosses = [a for a in figure.layout.annotations if a.text == "⊗"]
    assert len(crosses) == 2
    labels = [a.text for a in figure.layout.annotations if a.text != "⊗"]
    assert labels == ["<b>1</b>", "<b>2</b>", "<b>4</b>"]
    assert list(figure.layout.xaxis.range) == [-1.5, 6.5]
    with pytest.raises(ValueError, match="8 × 8"):
        geometry.sweep_figure(np.zeros((6, 6)), sweep)


def test_output_figure_numbers_the_windows():
    figure = geometry.output_figure(Sweep(6, 3, 0, 2))
    assert np.array_equal(figure.data[0].z, [[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="does not fit"):
        geometry.output_figure(Sweep(2, 5, 0, 1))


def test_padded_picture_outlines_the_input():
    padded = np.full((8, 8), 255, dtype=np.uint8)
    picture = geometry.padded_picture(padded, 1, 80)  # 10 screen pixels per cell
    assert picture.shape == (80, 80, 3)
    blue = [int(geometry.INPUT_COLOR[i : i + 2], 16) for i in (1, 3, 5)]
    assert picture[40, 10].tolist() == blue  # the left edge of the input
    assert picture[40, 40].tolist() == [255, 255, 255]
    with pytest.raises(ValueError, match="uint8"):
        geometry.padded_picture(padded.astype(float), 1)


def test_crop_locator_outlines_even_a_tiny_crop():
    pixels = np.zeros((480, 640, 3), dtype=np.uint8)
    preview = geometry.crop_locator(pixels, Window(200, 300, 2, 2), 240)
    assert preview.shape == (180, 240, 3)
    yellow = np.argwhere((preview == [255, 221, 0]).all(axis=2))
    assert yellow.size and np.ptp(yellow[:, 1]) >= 6
    small = geometry.crop_locator(np.zeros((6, 6, 3), dtype=np.uint8), Window(0, 0, 6, 6), 240)
    assert small.shape == (240, 240, 3)
