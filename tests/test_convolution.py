"""The edge-detection core: one cell by hand equals filter2d, sizes, fit messages and display."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from explorer import convolution as conv
from explorer.colormaps import diverging_image
from explorer.kernels import SOBEL_HORIZONTAL, SOBEL_VERTICAL
from explorer.ops import filter2d
from explorer.padding import PAD_MODES
from explorer.shapes import size_formula
from tests.reference import naive_filter2d, torch_conv2d

NOTES_6X6 = np.array([[0] * 6] * 3 + [[255] * 6] * 3)
SOBEL = np.array(SOBEL_HORIZONTAL.weights)
NOTES_FIRST_WINDOW = "0×(+1) + 0×(+2) + 0×(+1) + 0×(0) + 0×(0) + 0×(0) + 0×(−1) + 0×(−2) + 0×(−1) = 0"


# The notes' worked example ------------------------------------------------------------


def test_notes_first_window_is_written_as_in_the_notes():
    step = conv.convolution_step(NOTES_6X6, SOBEL, 0, 0)
    assert step.text == NOTES_FIRST_WINDOW
    assert step.result == 0


def test_notes_window_on_the_edge_gives_minus_1020():
    step = conv.convolution_step(NOTES_6X6, SOBEL, 1, 0)
    assert step.text.endswith("255×(−1) + 255×(−2) + 255×(−1) = −1020")
    assert step.result == -1020


def test_notes_example_output_and_its_min_max_display():
    example = conv.notes_example()
    assert example.output.tolist() == [[0] * 4, [-1020] * 4, [-1020] * 4, [0] * 4]
    assert example.shown[:, 0].tolist() == [255, 0, 0, 255]
    assert example.output.tolist() == naive_filter2d(example.image, example.kernel).tolist()


def test_rows_text_lays_the_sum_out_like_the_kernel():
    step = conv.convolution_step(NOTES_6X6, SOBEL, 1, 2)
    assert step.rows_text.splitlines() == [
        "  0×(+1)   + 0×(+2)   + 0×(+1)",
        "+ 0×(0)    + 0×(0)    + 0×(0)",
        "+ 255×(−1) + 255×(−2) + 255×(−1)",
        "= −1020",
    ]


# One cell by hand equals filter2d ------------------------------------------------------

pads_strategy = st.one_of(
    st.integers(0, 3).map(lambda p: (p, p, p, p)),
    st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)),
)


@settings(max_examples=150, deadline=None)
@given(
    height=st.integers(1, 9),
    width=st.integers(1, 9),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    pads=pads_strategy,
    pad_mode=st.sampled_from(sorted(PAD_MODES)),
    stride=st.integers(1, 3),
    dilation=st.integers(1, 3),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_step_arithmetic_equals_filter2d(height, width, kh, kw, pads, pad_mode, stride, dilation, seed, data):
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (height, width)).astype(np.uint8)
    kernel = rng.integers(-3, 4, (kh, kw)).astype(np.float64)
    problem = conv.fit_problem(image.shape, kernel.shape, pads, pad_mode, stride=stride, dilation=dilation)
    assume(problem is None)
    output = filter2d(image, kernel, padding=pads, pad_mode=pad_mode, stride=stride, dilation=dilation)
    row = data.draw(st.integers(0, output.shape[0] - 1))
    col = data.draw(st.integers(0, output.shape[1] - 1))
    step = conv.convolution_step(
        image, kernel, row, col, pads=pads, pad_mode=pad_mode, stride=stride, dilation=dilation
    )
    # filter2d works in float32 (OpenCV may round its last bit); the hand sum is exact.
    assert step.result == pytest.approx(float(output[row, col]), rel=1e-6, abs=1e-3)
    assert len(step.products) == kh * kw
    assert step.text.endswith(f"= {conv.format_number(output[row, col])}")
    # The taps sit `dilation` apart, starting at the window's top-left corner.
    assert step.taps[0] == (row * stride, col * stride)
    assert step.taps[-1] == (row * stride + (kh - 1) * dilation, col * stride + (kw - 1) * dilation)
    assert step.window[2:] == ((kh - 1) * dilation + 1, (kw - 1) * dilation + 1)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), stride=st.integers(1, 3), padding=st.integers(0, 2))
def test_step_with_fractional_weights_matches_pytorch(seed, stride, padding):
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (7, 8)).astype(np.float64)
    kernel = rng.normal(size=(3, 2))
    reference = torch_conv2d(
        image[:, :, None], kernel[:, :, None, None], None, (stride, stride), (padding,) * 4, "zeros", (1, 1)
    )[:, :, 0]
    for row in range(reference.shape[0]):
        for col in range(reference.shape[1]):
            step = conv.convolution_step(image, kernel, row, col, pads=(padding,) * 4, stride=stride)
            assert step.result == pytest.approx(reference[row, col], abs=1e-9)


def test_step_rejects_cells_outside_the_output_and_kernels_that_do_not_fit():
    with pytest.raises(ValueError, match=r"\(4, 0\) is outside the 4 × 4 output"):
        conv.convolution_step(NOTES_6X6, SOBEL, 4, 0)
    with pytest.raises(ValueError, match="does not fit"):
        conv.convolution_step(NOTES_6X6, np.ones((7, 7)), 0, 0)
    with pytest.raises(ValueError, match="one"):
        conv.convolution_step(np.zeros((4, 4, 3)), SOBEL, 0, 0)


@pytest.mark.parametrize(
    "weight, text",
    [(1, "(+1)"), (-2, "(−2)"), (0, "(0)"), (-0.0, "(0)"), (0.5, "(+0.5)"), (1 / 9, "(+0.1111)")],
)
def test_weights_are_written_with_their_sign(weight, text):
    assert conv.format_weight(weight) == text


def test_numbers_use_the_typographic_minus_and_drop_float_noise():
    assert conv.format_number(-1020.0) == "−1020"
    assert conv.format_number(254.99999994) == "255"
    assert conv.format_number(134.4443) == "134.4"
    assert conv.format_number(float("nan")) == "nan"


# Padding plans and sizes ------------------------------------------------------------------


def test_padding_plans():
    assert conv.plan_padding("valid", 3, (3, 3)).pads == (0, 0, 0, 0)
    assert conv.plan_padding("amount", 2, (3, 3)).pads == (2, 2, 2, 2)
    assert conv.plan_padding("same", 0, (3, 3)) == conv.PaddingPlan((1, 1, 1, 1))
    assert conv.plan_padding("same", 0, (5, 3), dilation=2).pads == (4, 4, 2, 2)
    even = conv.plan_padding("same", 0, (2, 4))
    assert even.pads == (0, 1, 1, 2) and "bottom or right" in even.note


def test_same_padding_at_a_stride_explains_and_falls_back():
    plan = conv.plan_padding("same", 0, (3, 3), stride=2)
    assert plan.pads == (1, 1, 1, 1)
    assert "impossible" in plan.note and "stride 2" in plan.note and "1 on each side" in plan.note
    sizes = conv.output_sizes((6, 6), (3, 3), plan.pads, stride=2, dilation=1)
    assert sizes[0].size == 3


@pytest.mark.parametrize("choice, amount", [("full", 1), ("amount", -1), ("amount", 1.5), ("amount", True)])
def test_bad_padding_choices_are_named(choice, amount):
    with pytest.raises(ValueError, match="padding"):
        conv.plan_padding(choice, amount, (3, 3))


def test_output_sizes_use_the_one_size_formula():
    height, width = conv.output_sizes((6, 8), (3, 5), (1, 1, 1, 1), stride=1, dilation=1)
    assert height.formula == "(6 − 3 + 2·1) / 1 + 1 = 6" == size_formula(6, 3, padding=1)
    assert (height.name, height.size, width.size) == ("height", 6, 6)
    assert width.formula == size_formula(8, 5, padding=1)


def test_uneven_padding_is_added_first_in_the_formula():
    height, _ = conv.output_sizes((6, 6), (4, 4), (1, 2, 1, 2), stride=1, dilation=1)
    assert height.formula == "6 + 1 + 2 = 9 after padding; " + size_formula(9, 4)
    assert height.size == 6 == filter2d(NOTES_6X6, np.ones((4, 4)), padding="same").shape[0]


def test_a_kernel_too_big_gets_a_friendly_reason_with_the_formula():
    message = conv.fit_problem((6, 6), (7, 7), (0, 0, 0, 0), "zeros", stride=1, dilation=1)
    assert "7 × 7 kernel does not fit in the 6 × 6 picture" in message
    assert size_formula(6, 7) in message
    assert "padding of 1 on each side would make room" in message
    sizes = conv.output_sizes((6, 6), (7, 7), (0, 0, 0, 0), stride=1, dilation=1)
    assert sizes[0].size is None and sizes[1].size is None


def test_a_dilated_kernel_no_padding_can_save_is_told_to_shrink():
    message = conv.fit_problem((6, 6), (7, 7), (0, 0, 0, 0), "zeros", stride=1, dilation=4)
    assert "dilation 4" in message and "smaller kernel or less dilation" in message


def test_reflect_padding_wider_than_the_picture_is_explained():
    message = conv.fit_problem((6, 6), (3, 3), (6, 6, 6, 6), "reflect", stride=1, dilation=1)
    assert message.startswith("The border does not fit: reflect padding of 6")
    assert "narrower than the picture" in message
    assert conv.fit_problem((6, 6), (3, 3), (6, 6, 6, 6), "circular", stride=1, dilation=1) is None
    assert conv.fit_problem((6, 6), (3, 3), (1, 1, 1, 1), "reflect", stride=1, dilation=1) is None


def test_only_the_width_can_be_too_small():
    message = conv.fit_problem((20, 2), (3, 3), (0, 0, 0, 0), "zeros", stride=1, dilation=1)
    assert "width" in message and "column" in message


# Whole pictures ---------------------------------------------------------------------------


def test_filter_picture_in_gray_and_per_channel():
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (10, 12, 3)).astype(np.uint8)
    gray = conv.filter_picture(pixels, SOBEL)
    rgb = conv.filter_picture(pixels, SOBEL, colour="rgb", pads=(1, 1, 1, 1), stride=2)
    assert gray.shape == (8, 10) and rgb.shape == (5, 6, 3)
    np.testing.assert_array_equal(rgb[:, :, 1], filter2d(pixels[:, :, 1], SOBEL, padding=1, stride=2))
    assert conv.filter_picture(pixels[:, :, 0], SOBEL).shape == (8, 10)
    with pytest.raises(ValueError, match="colour"):
        conv.filter_picture(pixels, SOBEL, colour="cmyk")


def test_to_pixels_for_every_display_method():
    values = np.array([[0.0, -1020.0], [300.0, -10.0]])
    assert conv.to_pixels(values, "minmax")[:, :, 0].tolist() == [[197, 0], [255, 195]]
    assert conv.to_pixels(values, "abs")[:, :, 0].tolist() == [[0, 255], [255, 10]]
    assert conv.to_pixels(values, "clip")[:, :, 0].tolist() == [[0, 0], [255, 0]]
    for method in conv.DISPLAY_CHOICES:
        shown = conv.to_pixels(values, method)
        assert shown.shape == (2, 2, 3) and shown.dtype == np.uint8
    with pytest.raises(ValueError, match="sepia"):
        conv.to_pixels(values, "sepia")


def test_raw_signed_values_use_the_shared_diverging_map():
    values = np.linspace(-500, 500, 101).reshape(1, -1) * np.ones((3, 1))  # (3, 101)
    values[1, 7] = np.nan
    fast = conv.to_pixels(values, "raw").astype(int)
    reference = diverging_image(values).astype(int)
    assert np.abs(fast - reference).max() <= 2
    assert fast[0, 50].tolist() == [247, 247, 247]  # 0 is white
    assert fast[1, 7].tolist() == [128, 128, 128]  # NaN is grey


def test_raw_signed_colour_channels_centre_zero_on_mid_grey():
    values = np.zeros((2, 2, 3))
    values[0, 0] = (-100, 0, 100)
    assert conv.to_pixels(values, "raw")[0, 0].tolist() == [0, 128, 255]


def test_edge_magnitude_combines_the_two_sobel_results():
    rng = np.random.default_rng(2)
    gray = rng.integers(0, 256, (9, 11)).astype(np.uint8)
    edges = conv.sobel_edges(gray, pads=(1, 1, 1, 1), pad_mode="replicate")
    horizontal = filter2d(gray, SOBEL_HORIZONTAL.weights, padding=1, pad_mode="replicate")
    vertical = filter2d(gray, SOBEL_VERTICAL.weights, padding=1, pad_mode="replicate")
    np.testing.assert_array_equal(edges.horizontal, horizontal)
    np.testing.assert_allclose(edges.magnitude, np.sqrt(horizontal**2 + vertical**2), rtol=1e-6)
    assert (edges.magnitude >= 0).all()
    with pytest.raises(ValueError, match="shape"):
        conv.edge_magnitude(np.zeros((2, 2)), np.zeros((2, 3)))


def test_strongest_edge_of_the_notes_picture_is_written_out():
    edges = conv.sobel_edges(NOTES_6X6)
    assert edges.strongest() == (1, 0, "√((−1020)² + 0²) = 1020")


def test_filled_so_far_keeps_reading_order():
    partial = conv.filled_so_far(np.arange(6.0).reshape(2, 3), 4)
    assert np.isnan(partial).tolist() == [[False, False, False], [False, True, True]]
    assert np.isnan(conv.filled_so_far(np.ones((2, 2)), 0)).all()


def test_small_helpers():
    assert conv.value_range(np.array([[3.0, np.nan, -2.0]])) == (-2.0, 3.0)
    assert conv.is_colour(np.zeros((2, 2, 3), dtype=np.uint8)) is False
    coloured = np.zeros((2, 2, 3), dtype=np.uint8)
    coloured[0, 0, 2] = 9
    assert conv.is_colour(coloured) is True
    assert conv.number_format(SOBEL) == "" and conv.number_format(np.full((3, 3), 1 / 9)) == ".3~g"
    frame = conv.framed(np.full((8, 8), 255, dtype=np.uint8))
    assert frame.shape == (8, 8, 3) and frame[0, 0].tolist() == [110, 110, 110]
    assert frame[4, 4].tolist() == [255, 255, 255]


def test_grid_figure_sizes_cells_and_tints_padding():
    plain = conv.grid_figure(np.zeros((3, 3)), side_px=150)
    assert plain.layout.height == 10 + 30 + 3 * 50 and plain.layout.xaxis.dtick == 1
    padded = conv.grid_figure(np.zeros((8, 8)), padding=(1, 1, 2, 2), boxes=[])
    tints = [shape for shape in padded.layout.shapes if shape.fillcolor == conv.PADDING_TINT]
    assert len(tints) == 4
    top_strip = tints[0]
    assert (top_strip.y0, top_strip.y1, top_strip.x0, top_strip.x1) == (-0.5, 0.5, -0.5, 7.5)
