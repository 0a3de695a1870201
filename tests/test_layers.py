"""Colour kernels and layers of kernels, against naive loops, PyTorch and the notes' example."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import layers
from explorer.images import sample_images
from explorer.ops import conv2d
from tests.reference import naive_filter2d

NOTES = sample_images()["notes-6x6"].pixels.copy()  # (6, 6, 3): 0 above 255
NOTES_TRACE = "6 × 6 × 3 → [4 kernels of 3 × 3 × 3] → 4 × 4 × 4 → [3 kernels of 3 × 3 × 4] → 2 × 2 × 3"


def random_case(seed: int, height: int = 9, width: int = 11, kh: int = 3, kw: int = 2):
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    kernel = rng.integers(-3, 4, (kh, kw, 3)).astype(np.float64)
    return image, kernel, float(rng.integers(-50, 50))


def torch_layer(image: np.ndarray, kernel: np.ndarray, bias: float) -> np.ndarray:
    """One kernel as ``torch.nn.functional.conv2d``: (H, W, C) → (H', W')."""
    x = torch.from_numpy(image.astype(np.float64)).permute(2, 0, 1)[None]  # (1, C, H, W)
    w = torch.from_numpy(kernel).permute(2, 0, 1)[None]  # (1, C, kh, kw)
    return torch.nn.functional.conv2d(x, w, torch.tensor([bias], dtype=torch.float64))[0, 0].numpy()


# Presets and slices -------------------------------------------------------------------


def test_every_preset_is_a_read_only_three_slice_kernel():
    for preset in layers.COLOUR_KERNELS.values():
        assert preset.weights.shape == (3, 3, 3)
        assert not preset.weights.flags.writeable
        assert preset.name and preset.meaning.endswith(".")


def test_presets_do_what_their_names_say():
    pixel = np.array([[[30, 90, 150]]], dtype=np.uint8).repeat(3, axis=0).repeat(3, axis=1)  # (3, 3, 3)
    brightness = layers.convolve_colour(pixel, layers.COLOUR_KERNELS["brightness"].weights)
    assert brightness.output[0, 0] == pytest.approx(90)  # (30 + 90 + 150) / 3
    green_minus_red = layers.convolve_colour(pixel, layers.COLOUR_KERNELS["green-minus-red"].weights)
    assert green_minus_red.output[0, 0] == pytest.approx(60)
    red_only = layers.COLOUR_KERNELS["red-edges"].weights
    assert np.abs(red_only[:, :, 1:]).sum() == 0 and np.abs(red_only[:, :, 0]).sum() == 8
    # No preset writes a zero as −0 (it would show as "-0" in the typed slices).
    for preset in layers.COLOUR_KERNELS.values():
        assert not np.signbit(preset.weights[preset.weights == 0]).any()


def test_stack_slices_names_the_mismatched_sizes():
    kernel = layers.stack_slices([np.ones((3, 3)), np.zeros((3, 3)), np.eye(3)])
    assert kernel.shape == (3, 3, 3) and kernel[1, 1, 2] == 1
    with pytest.raises(ValueError, match=r"same size.*red 3 × 3, green 2 × 3, blue 3 × 3"):
        layers.stack_slices([np.ones((3, 3)), np.ones((2, 3)), np.ones((3, 3))])
    with pytest.raises(ValueError, match="green slice must be a non-empty 2-D grid"):
        layers.stack_slices([np.ones((3, 3)), np.ones(3), np.ones((3, 3))])
    with pytest.raises(ValueError, match="at least one slice"):
        layers.stack_slices([])


# One colour kernel ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_partial_sums_plus_bias_equal_the_layer_at_every_cell(seed):
    image, kernel, bias = random_case(seed)
    result = layers.convolve_colour(image, kernel, bias)
    expected = torch_layer(image, kernel, bias)
    assert result.output.shape == expected.shape == (7, 10)
    np.testing.assert_allclose(result.output, expected, atol=1e-3)
    np.testing.assert_allclose(result.summed + bias, expected, atol=1e-3)
    for c in range(3):
        np.testing.assert_allclose(
            result.per_channel[:, :, c], naive_filter2d(image[:, :, c], kernel[:, :, c])
        )
    for row in range(expected.shape[0]):
        for col in range(expected.shape[1]):
            cell = layers.cell_breakdown(image, kernel, bias, row, col)
            assert cell.partial_sums.tolist() == pytest.approx(result.per_channel[row, col].tolist())
            assert cell.value == pytest.approx(expected[row, col])
            assert cell.layer_value == pytest.approx(expected[row, col], abs=1e-3)
            assert cell.matches_layer


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    height=st.integers(1, 8),
    width=st.integers(1, 8),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
)
def test_summed_maps_plus_bias_are_one_conv2d(seed, height, width, kh, kw):
    if kh > height or kw > width:
        return
    image, kernel, bias = random_case(seed, height, width, kh, kw)
    result = layers.convolve_colour(image, kernel, bias)
    np.testing.assert_allclose(result.summed + bias, result.output, atol=1e-3)


def test_notes_example_in_colour():
    sobel = layers.COLOUR_KERNELS["sobel-horizontal"].weights
    result = layers.convolve_colour(NOTES, sobel, 10)
    assert result.per_channel[:, 0, 0].tolist() == [0, -1020, -1020, 0]
    assert result.output[:, 0].tolist() == [10, -3050, -3050, 10]
    assert result.limit == 3060
    cell = layers.cell_breakdown(NOTES, sobel, 10, 1, 0)
    assert cell.products(0) == ("0·1 + 0·2 + 0·1 + 0·0 + 0·0 + 0·0 + 255·(−1) + 255·(−2) + 255·(−1) = −1020")
    assert cell.sum_text() == "−1020 + (−1020) + (−1020) = −3060; + bias 10 = −3050"
    assert cell.total == -3060 and cell.value == -3050


def test_long_products_are_summarised():
    image = np.zeros((7, 7, 3), dtype=np.uint8)
    cell = layers.cell_breakdown(image, np.ones((5, 5, 3)), 0, 0, 0)
    assert cell.products(2) == "the sum of 25 products = 0"


@pytest.mark.parametrize(
    "image_shape, kernel_shape, message",
    [
        ((6, 6, 3), (3, 3, 4), "3 × 3 × 4 but the picture has 3 channels"),
        ((6, 6, 3), (7, 3, 3), "7 tall but the picture only 6"),
        ((6, 6), (3, 3, 3), "must be an \\(H, W, C\\) block"),
        ((6, 6, 3), (3, 3), "must be \\(kh, kw, C\\)"),
    ],
)
def test_mismatched_kernels_are_refused(image_shape, kernel_shape, message):
    with pytest.raises(ValueError, match=message):
        layers.convolve_colour(np.zeros(image_shape, dtype=np.uint8), np.ones(kernel_shape))


def test_cells_outside_the_output_are_refused():
    with pytest.raises(ValueError, match=r"row 4, column 0\) is outside the 4 × 4 output"):
        layers.cell_breakdown(NOTES, np.ones((3, 3, 3)), 0, 4, 0)
    with pytest.raises(ValueError, match="bias must be a finite number"):
        layers.convolve_colour(NOTES, np.ones((3, 3, 3)), float("nan"))


# Layers of kernels ------------------------------------------------------------------------


def test_shape_trace_of_the_notes_example():
    trace = layers.trace_shapes((6, 6, 3), [(3, 4), (3, 3)])
    assert layers.trace_text(trace) == NOTES_TRACE
    first, second = trace
    assert first.kernel_shape == (3, 3, 3) and first.output_shape == (4, 4, 4)
    assert second.kernel_shape == (3, 3, 4) and second.output_shape == (2, 2, 3)
    assert (first.weights, first.biases, first.parameters) == (108, 4, 112)
    assert (second.weights, second.biases, second.parameters) == (108, 3, 111)
    assert layers.trace_shapes((6, 6, 3), [(3, 1)])[0].kernels_text() == "1 kernel of 3 × 3 × 3"
    assert layers.trace_text([]) == ""


@pytest.mark.parametrize(
    "input_shape, plan",
    [((6, 6, 3), [(3, 4), (3, 3)]), ((32, 20, 3), [(5, 8), (1, 2)]), ((9, 9, 1), [(2, 1), (7, 6)])],
)
def test_parameter_counts_match_torch_conv2d(input_shape, plan):
    trace = layers.trace_shapes(input_shape, plan)
    for layer in trace:
        torch_layer_ = torch.nn.Conv2d(layer.input_shape[2], layer.kernels, layer.kernel_size)
        assert layer.weights == torch_layer_.weight.numel()
        assert layer.biases == torch_layer_.bias.numel()
        assert layer.parameters == sum(p.numel() for p in torch_layer_.parameters() if p.requires_grad)
        x = torch.zeros(1, *np.roll(layer.input_shape, 1))  # (1, C, H, W)
        assert tuple(torch_layer_(x).shape[1:]) == tuple(np.roll(layer.output_shape, 1))


def test_a_kernel_that_does_not_fit_names_its_layer():
    with pytest.raises(ValueError, match=r"layer 2: the kernel does not fit: \(3 − 4 \+ 2·0\) / 1 \+ 1 = 0"):
        layers.trace_shapes((6, 6, 3), [(4, 4), (4, 3)])
    with pytest.raises(ValueError, match="layer 1 needs at least 1 kernel"):
        layers.trace_shapes((6, 6, 3), [(3, 0)])


def test_layer_kernels_start_with_the_presets_and_are_repeatable():
    weights, names = layers.layer_kernels(3, 3, 7, seed=0)
    assert weights.shape == (3, 3, 3, 7)
    presets = list(layers.COLOUR_KERNELS.values())
    assert names[:5] == [p.name for p in presets] and names[5:] == ["random kernel 6", "random kernel 7"]
    np.testing.assert_array_equal(weights[:, :, :, 0], presets[0].weights)
    again, _ = layers.layer_kernels(3, 3, 7, seed=0)
    np.testing.assert_array_equal(weights, again)
    other, _ = layers.layer_kernels(3, 3, 7, seed=1)
    assert not np.array_equal(weights[:, :, :, 6], other[:, :, :, 6])
    random_only, names = layers.layer_kernels(5, 4, 2)
    assert random_only.shape == (5, 5, 4, 2) and names == ["random kernel 1", "random kernel 2"]
    with pytest.raises(ValueError, match="count must be a whole number >= 1, got 0"):
        layers.layer_kernels(3, 3, 0)


def test_two_layers_of_the_notes_example_are_real_convolutions():
    stack = layers.two_layers(NOTES, 3, 4, 3)
    assert layers.trace_text(stack.trace) == NOTES_TRACE
    assert stack.first_maps.shape == (4, 4, 4) and stack.second_maps.shape == (2, 2, 3)
    weights1, names = layers.layer_kernels(3, 3, 4, 0)
    weights2, _ = layers.layer_kernels(3, 4, 3, 1)
    assert stack.first_names == names
    # Channel 1 is horizontal Sobel on every channel: the notes' −1020 three times over.
    assert stack.first_maps[:, 0, 0].tolist() == [0, -3060, -3060, 0]
    x = torch.from_numpy(NOTES.astype(np.float64)).permute(2, 0, 1)[None]
    w1 = torch.from_numpy(weights1).permute(3, 2, 0, 1)
    w2 = torch.from_numpy(weights2).permute(3, 2, 0, 1)
    second = torch.nn.functional.conv2d(torch.nn.functional.conv2d(x, w1), w2)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(stack.second_maps, second, rtol=1e-4, atol=1e-2)


def test_the_next_layer_refuses_kernels_with_the_wrong_number_of_slices():
    stack = layers.two_layers(NOTES, 3, 4, 3)
    wrong, _ = layers.layer_kernels(3, 3, 3)
    with pytest.raises(ValueError, match="needs one slice per input channel"):
        conv2d(stack.first_maps, wrong)


# Showing maps ---------------------------------------------------------------------------


def test_robust_limit_ignores_a_few_outliers():
    values = np.ones((100, 100))
    values[0, 0] = -1e6
    assert layers.robust_limit(values) == pytest.approx(1.0)
    assert layers.robust_limit(values, 100) == pytest.approx(1e6)
    assert layers.robust_limit(np.zeros((3, 3))) == 1.0
    with pytest.raises(ValueError, match="percentile"):
        layers.robust_limit(values, 0)


def test_signed_pictures_shrink_big_maps_and_enlarge_small_ones():
    big = layers.signed_picture(np.linspace(-1, 1, 1000 * 600).reshape(1000, 600), 360)
    assert big.shape == (360, 216, 3) and big.dtype == np.uint8
    small = layers.signed_picture(np.array([[-1.0, 0.0], [0.0, 1.0]]), 100)
    assert small.shape == (100, 100, 3)
    assert small[0, 0].tolist() == [45, 0, 75] and small[0, 99].tolist() == [247, 247, 247]
    with pytest.raises(ValueError, match="needs an \\(H, W\\) map"):
        layers.signed_picture(np.zeros((2, 2, 2)), 10)


def test_mark_cell_and_frame_draw_where_they_should():
    picture = np.full((100, 100, 3), 255, dtype=np.uint8)
    marked = layers.mark_cell(picture, 0, 3, (4, 4))
    assert (marked[:, :70] == 255).all()  # nothing drawn left of the last column (75–99)
    assert (marked[:, 75:] != 255).any()
    assert picture.min() == 255  # the input is not changed
    framed = layers.framed(picture, 2)
    assert framed.shape == (104, 104, 3) and framed[0, 0].tolist() == [150, 150, 150]
