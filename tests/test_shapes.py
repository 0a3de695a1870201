import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer.shapes import conv_output_size, size_formula


def test_notes_padding_example_keeps_six():
    assert conv_output_size(6, 3, padding=1) == 6
    assert size_formula(6, 3, padding=1) == "(6 − 3 + 2·1) / 1 + 1 = 6"


def test_notes_stride_example_rounds_down_to_two():
    assert conv_output_size(6, 3, stride=2) == 2
    assert size_formula(6, 3, stride=2) == "(6 − 3 + 2·0) / 2 + 1 = 2.5 → 2"


def test_notes_kernel_only_example():
    assert conv_output_size(6, 3) == 4


def test_dilation_widens_the_kernel():
    assert conv_output_size(7, 3, dilation=3) == 1
    assert size_formula(7, 3, dilation=3) == "(7 − (3·(3 − 1) + 1) + 2·0) / 1 + 1 = 1"


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"n": 0, "kernel": 3}, "n"),
        ({"n": 5, "kernel": 0}, "kernel"),
        ({"n": 5, "kernel": 3, "stride": 0}, "stride"),
        ({"n": 5, "kernel": 3, "dilation": 0}, "dilation"),
        ({"n": 5, "kernel": 3, "padding": -1}, "padding"),
        ({"n": 5.0, "kernel": 3}, "n"),
        ({"n": True, "kernel": 3}, "n"),
    ],
)
def test_out_of_range_arguments_name_the_value(kwargs, word):
    with pytest.raises(ValueError, match=word):
        conv_output_size(**kwargs)


def test_kernel_that_does_not_fit_explains_with_numbers():
    with pytest.raises(ValueError) as info:
        conv_output_size(2, 5)
    assert "(2 − 5 + 2·0) / 1 + 1 = -2" in str(info.value)


@given(
    n=st.integers(1, 60),
    kernel=st.integers(1, 9),
    padding=st.integers(0, 5),
    stride=st.integers(1, 6),
    dilation=st.integers(1, 4),
)
def test_matches_counting_window_positions(n, kernel, padding, stride, dilation):
    span = dilation * (kernel - 1) + 1
    positions = len(range(0, n + 2 * padding - span + 1, stride))
    if positions == 0:
        with pytest.raises(ValueError):
            conv_output_size(n, kernel, padding=padding, stride=stride, dilation=dilation)
    else:
        assert conv_output_size(n, kernel, padding=padding, stride=stride, dilation=dilation) == positions
