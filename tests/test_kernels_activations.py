import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from explorer import activations
from explorer.activations import ACTIVATIONS
from explorer.kernels import NAMED_KERNELS, box_blur, gaussian
from explorer.ops import filter2d


def test_notes_sobel_kernels_come_first_and_match_the_notes():
    first, second = list(NAMED_KERNELS)[:2]
    assert NAMED_KERNELS[first].weights.tolist() == [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]
    assert NAMED_KERNELS[second].weights.tolist() == [[1, 0, -1], [2, 0, -2], [1, 0, -1]]


def test_every_named_kernel_has_a_meaning_and_is_read_only():
    for kernel in NAMED_KERNELS.values():
        assert kernel.meaning.endswith(".") and len(kernel.meaning) < 120
        assert np.isfinite(kernel.weights).all()
        with pytest.raises(ValueError):
            kernel.weights[0, 0] = 5


def test_edge_kernels_ignore_flat_areas_and_blurs_keep_brightness():
    for slug in (
        "sobel-horizontal",
        "scharr-vertical",
        "prewitt-horizontal",
        "diagonal-up",
        "laplacian",
        "outline",
    ):
        assert NAMED_KERNELS[slug].weights.sum() == 0
    for slug in ("box-blur", "gaussian", "identity", "sharpen"):
        assert NAMED_KERNELS[slug].weights.sum() == pytest.approx(1)


def test_diagonal_kernels_find_slanted_edges():
    rows, cols = np.indices((8, 8))
    top_right_bright = np.where(cols > rows, 255, 0)  # an edge along the ↘ diagonal
    down = filter2d(top_right_bright, NAMED_KERNELS["diagonal-down"].weights)
    up = filter2d(top_right_bright, NAMED_KERNELS["diagonal-up"].weights)
    assert down.max() == 4 * 255
    assert np.abs(up).max() < down.max()


@pytest.mark.parametrize("size, sigma", [(1, 1.0), (3, 0.5), (4, 1.0), (7, 2.0)])
def test_gaussian_is_symmetric_normalised_and_peaks_in_the_middle(size, sigma):
    kernel = gaussian(size, sigma)
    assert kernel.shape == (size, size)
    assert kernel.sum() == pytest.approx(1)
    np.testing.assert_allclose(kernel, kernel.T)
    np.testing.assert_allclose(kernel, kernel[::-1, ::-1])


@pytest.mark.parametrize(
    "call", [lambda: gaussian(0), lambda: gaussian(3, 0), lambda: gaussian(3, np.nan), lambda: box_blur(-1)]
)
def test_bad_kernel_sizes_raise(call):
    with pytest.raises(ValueError):
        call()


def test_box_blur_averages():
    assert box_blur(2).tolist() == [[0.25, 0.25], [0.25, 0.25]]


TORCH_ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "tanh": torch.tanh,
    "leaky-relu": lambda t: torch.nn.functional.leaky_relu(t, 0.01),
}


@given(x=arrays(np.float64, st.integers(1, 30), elements=st.floats(-50, 50)))
def test_activations_and_derivatives_match_torch_autograd(x):
    for slug, activation in ACTIVATIONS.items():
        t = torch.tensor(x, requires_grad=True)
        y = TORCH_ACTIVATIONS[slug](t)
        y.sum().backward()
        np.testing.assert_allclose(activation.function(x), y.detach().numpy(), rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(activation.derivative(x), t.grad.numpy(), rtol=1e-6, atol=1e-12)


def test_relu_on_the_notes_feature_map_zeroes_negatives():
    feature_map = np.array([[0, -1020], [5, -3]])
    assert activations.relu(feature_map).tolist() == [[0, 0], [5, 0]]


def test_leaky_slope_and_sigmoid_extremes():
    assert activations.leaky_relu(np.array([-10.0]), alpha=0.2).tolist() == [-2.0]
    assert activations.leaky_relu_derivative(np.array([-1.0, 1.0]), alpha=0.2).tolist() == [0.2, 1.0]
    with np.errstate(over="raise"):
        assert activations.sigmoid(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]


def test_kernel_text_round_trip_and_fractions():
    from explorer.kernels import kernel_from_text, kernel_to_text

    sobel = NAMED_KERNELS["sobel-horizontal"].weights
    assert np.array_equal(kernel_from_text(kernel_to_text(sobel)), sobel)
    assert np.array_equal(kernel_from_text(kernel_to_text(sobel, row_separator=";")), sobel)
    assert kernel_from_text("1/9, 1/9\n1/9 1/9").sum() == pytest.approx(4 / 9)
    assert kernel_from_text("5").shape == (1, 1)
    assert kernel_from_text("1 2 3 4 5 6 7").shape == (1, 7)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("1 2\n3", "different lengths"),
        ("1 abc 1", "row 1, column 2 ('abc') is not a number"),
        ("1 nan", "NaN"),
        ("inf 1", "infinite"),
        ("1e308", "larger than"),
        ("1/0", "not a number"),
        ("1 1 1 1 1 1 1 1", "1 × 8"),
        ("1;2;3;4;5;6;7;8", "8 × 1"),
    ],
)
def test_bad_kernel_text_names_the_cell(text, message):
    from explorer.kernels import KernelTextError, kernel_from_text

    with pytest.raises(KernelTextError, match=message.replace("(", r"\(").replace(")", r"\)")):
        kernel_from_text(text)


def test_diverging_image_puts_zero_in_white_and_signs_apart():
    from explorer.colormaps import diverging_colorscale, diverging_image

    image = diverging_image(np.array([[-1020.0, 0.0, 1020.0, np.nan]]))
    negative, zero, positive, missing = image[0].tolist()
    assert zero == [247, 247, 247] and missing == [128, 128, 128]
    assert negative[2] > negative[0] and positive[0] > positive[2]  # purple vs orange
    assert diverging_image(np.zeros((2, 2))).shape == (2, 2, 3)
    assert diverging_colorscale()[5][1] == "rgb(247,247,247)"
