"""The convolution core against PyTorch and a naive loop, over many drawn shapes."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from explorer.ops import conv2d, filter2d, pool2d, to_display
from explorer.padding import PAD_MODES, pad
from explorer.shapes import conv_output_size
from tests.reference import naive_filter2d, torch_conv2d, torch_pad, torch_pool2d

NOTES_6X6 = np.array([[0] * 6] * 3 + [[255] * 6] * 3)
SOBEL_HORIZONTAL = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]])


def close(ours, reference, scale=1.0):
    """float32 core against a float64 reference, tolerance relative to the data's size."""
    np.testing.assert_allclose(ours, reference, rtol=1e-4, atol=1e-4 * scale)


# The notes' worked examples -------------------------------------------------------


def test_notes_sobel_rows_are_0_minus1020_minus1020_0():
    out = filter2d(NOTES_6X6, SOBEL_HORIZONTAL)
    assert out.shape == (4, 4)
    assert out.tolist() == [[0] * 4, [-1020] * 4, [-1020] * 4, [0] * 4]


def test_notes_display_mapping_turns_rows_into_255_0_0_255():
    shown = to_display(filter2d(NOTES_6X6, SOBEL_HORIZONTAL))
    assert shown[:, 0].tolist() == [255, 0, 0, 255]
    assert shown.dtype == np.uint8


def test_notes_same_padding_keeps_six_by_six():
    assert filter2d(NOTES_6X6, SOBEL_HORIZONTAL, padding=1).shape == (6, 6)
    assert filter2d(NOTES_6X6, SOBEL_HORIZONTAL, padding="same").shape == (6, 6)


def test_notes_stride_two_gives_two_by_two():
    assert filter2d(NOTES_6X6, SOBEL_HORIZONTAL, stride=2).shape == (2, 2)


def test_notes_rgb_shapes_trace():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (6, 6, 3))
    first = conv2d(image, rng.normal(size=(3, 3, 3, 4)))
    assert first.shape == (4, 4, 4)
    second = conv2d(first, rng.normal(size=(3, 3, 4, 3)))
    assert second.shape == (2, 2, 3)
    with pytest.raises(ValueError, match="3×3×4"):
        conv2d(first, rng.normal(size=(3, 3, 3, 3)))


# filter2d against the references ----------------------------------------------------

kernel_sides = st.integers(1, 6)


@st.composite
def filter_cases(draw):
    kh, kw = draw(kernel_sides), draw(kernel_sides)
    dh, dw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    height, width = draw(st.integers(1, 24)), draw(st.integers(1, 24))
    channels = draw(st.sampled_from([None, 1, 3, 5]))
    mode = draw(st.sampled_from(sorted(PAD_MODES)))
    ph, pw = draw(st.integers(0, 4)), draw(st.integers(0, 4))
    if mode == "reflect":
        assume(ph < height and pw < width)
    if mode == "circular":
        assume(ph <= height and pw <= width)
    assume(height + 2 * ph >= dh * (kh - 1) + 1 and width + 2 * pw >= dw * (kw - 1) + 1)
    dtype = draw(st.sampled_from(["uint8", "int16", "float32", "float64", "int64"]))
    seed = draw(st.integers(0, 2**32 - 1))
    return kh, kw, (dh, dw), (sh, sw), height, width, channels, mode, (ph, pw), dtype, seed


@settings(max_examples=300, deadline=None)
@given(filter_cases())
def test_filter2d_matches_torch_depthwise_conv(case):
    kh, kw, dilation, stride, height, width, channels, mode, padding, dtype, seed = case
    rng = np.random.default_rng(seed)
    shape = (height, width) if channels is None else (height, width, channels)
    high = 256 if dtype != "int16" else 1000
    image = rng.integers(-high if dtype in ("int16", "int64", "float32") else 0, high, shape).astype(dtype)
    kernel = rng.normal(size=(kh, kw)).round(2)

    ours = filter2d(image, kernel, stride=stride, padding=padding, pad_mode=mode, dilation=dilation)

    c = 1 if channels is None else channels
    image3 = image.reshape(height, width, c)
    weight = np.zeros((kh, kw, c, c))
    for i in range(c):
        weight[:, :, i, i] = kernel
    pads = (padding[0], padding[0], padding[1], padding[1])
    reference = torch_conv2d(image3, weight, None, stride, pads, mode, dilation)
    reference = reference[:, :, 0] if channels is None else reference
    assert ours.dtype == np.float32
    assert ours.shape == reference.shape
    close(ours, reference, scale=high * np.abs(kernel).sum())
    expected_h = conv_output_size(height, kh, padding=padding[0], stride=stride[0], dilation=dilation[0])
    expected_w = conv_output_size(width, kw, padding=padding[1], stride=stride[1], dilation=dilation[1])
    assert ours.shape[:2] == (expected_h, expected_w)


@settings(max_examples=100, deadline=None)
@given(
    kh=kernel_sides,
    kw=kernel_sides,
    height=st.integers(6, 20),
    width=st.integers(6, 20),
    dilation=st.integers(1, 2),
    mode=st.sampled_from(sorted(PAD_MODES)),
    seed=st.integers(0, 2**32 - 1),
)
def test_same_padding_matches_torch_same(kh, kw, height, width, dilation, mode, seed):
    rng = np.random.default_rng(seed)
    image = rng.normal(size=(height, width, 2)).astype(np.float32)
    kernel = rng.normal(size=(kh, kw))
    ours = filter2d(image, kernel, padding="same", pad_mode=mode, dilation=dilation)
    assert ours.shape == image.shape
    x = torch.from_numpy(image.astype(np.float64)).permute(2, 0, 1)[:, None]  # (C, 1, H, W)
    w = torch.from_numpy(kernel)[None, None]
    layer = torch.nn.Conv2d(
        1, 1, (kh, kw), padding="same", dilation=dilation, bias=False, padding_mode=mode, dtype=torch.float64
    )
    with torch.no_grad():
        layer.weight.copy_(w)
        reference = layer(x)[:, 0].permute(1, 2, 0).numpy()
    close(ours, reference, scale=10 * np.abs(kernel).sum())


@settings(max_examples=60, deadline=None)
@given(
    kh=kernel_sides,
    kw=kernel_sides,
    stride=st.integers(1, 3),
    height=st.integers(6, 14),
    width=st.integers(6, 14),
    seed=st.integers(0, 2**32 - 1),
)
def test_filter2d_matches_a_naive_loop(kh, kw, stride, height, width, seed):
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (height, width))
    kernel = rng.integers(-3, 4, (kh, kw))
    np.testing.assert_array_equal(
        filter2d(image, kernel, stride=stride), naive_filter2d(image, kernel, stride)
    )


def test_filter2d_is_cross_correlation_not_convolution():
    impulse = np.zeros((5, 5))
    impulse[2, 2] = 1
    kernel = np.arange(9).reshape(3, 3)
    # Cross-correlation spreads a single bright pixel into the *flipped* kernel.
    np.testing.assert_array_equal(filter2d(impulse, kernel, padding=1)[1:4, 1:4], kernel[::-1, ::-1])


def test_filter2d_keeps_a_single_channel_axis():
    assert filter2d(np.ones((5, 5, 1)), np.ones((3, 3))).shape == (3, 3, 1)


def test_filter2d_accepts_bool_and_large_channel_counts():
    assert filter2d(np.ones((4, 4), dtype=bool), np.ones((2, 2))).tolist() == [[4.0] * 3] * 3
    assert filter2d(np.ones((4, 4, 7)), np.ones((2, 2))).shape == (3, 3, 7)


@pytest.mark.parametrize(
    "kernel, message",
    [
        (np.array([[1, np.nan]]), "NaN or infinite"),
        (np.array([[1, np.inf]]), "NaN or infinite"),
        (np.array([[1e308, 1]]), "below"),
        (np.zeros((0, 3)), "non-empty"),
        (np.ones(3), "2-D"),
        ([["a", "b"]], "numbers"),
    ],
)
def test_bad_kernels_raise_clear_errors(kernel, message):
    with pytest.raises(ValueError, match=message):
        filter2d(np.ones((5, 5)), kernel)


def test_kernel_larger_than_padded_image_explains_the_formula():
    with pytest.raises(ValueError, match=r"\(4 − 7 \+ 2·1\) / 1 \+ 1 = 0, below 1"):
        filter2d(np.ones((4, 4)), np.ones((7, 7)), padding=1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"padding": "same", "stride": 2}, "stride 1"),
        ({"padding": "full"}, "valid"),
        ({"stride": 0}, "stride"),
        ({"dilation": (1, 0)}, "dilation"),
        ({"pad_mode": "mirror"}, "pad mode"),
        ({"padding": 5, "pad_mode": "reflect"}, "reflect padding of 5"),
        ({"padding": -1}, "padding"),
    ],
)
def test_bad_arguments_name_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        filter2d(np.ones((5, 5)), np.ones((3, 3)), **kwargs)


def test_bad_images_raise():
    for image in (np.ones((0, 3)), np.ones(5), np.array([["a"]])):
        with pytest.raises(ValueError):
            filter2d(image, np.ones((1, 1)))


def test_nan_in_an_image_stays_where_it_is_as_in_torch():
    image = np.zeros((3, 3))
    image[0, 0] = np.nan
    out = filter2d(image, np.ones((2, 2)))
    assert np.isnan(out[0, 0]) and not np.isnan(out[1, 1])


# conv2d against PyTorch ---------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    kh=kernel_sides,
    kw=kernel_sides,
    c_in=st.integers(1, 4),
    c_out=st.integers(1, 5),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    padding=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    mode=st.sampled_from(sorted(PAD_MODES)),
    with_bias=st.booleans(),
    flat=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_conv2d_matches_torch(kh, kw, c_in, c_out, stride, dilation, padding, mode, with_bias, flat, seed):
    rng = np.random.default_rng(seed)
    height, width = rng.integers(4, 16, 2)
    assume(padding[0] < height and padding[1] < width)
    assume(height + 2 * padding[0] >= dilation[0] * (kh - 1) + 1)
    assume(width + 2 * padding[1] >= dilation[1] * (kw - 1) + 1)
    c_in = 1 if flat else c_in
    image = rng.normal(size=(height, width) if flat else (height, width, c_in)) * 100
    weight = rng.normal(size=(kh, kw, c_in, c_out))
    bias = rng.normal(size=c_out) if with_bias else None
    ours = conv2d(image, weight, bias, stride=stride, padding=padding, pad_mode=mode, dilation=dilation)
    pads = (padding[0], padding[0], padding[1], padding[1])
    reference = torch_conv2d(image.reshape(height, width, c_in), weight, bias, stride, pads, mode, dilation)
    assert ours.dtype == np.float32 and ours.flags.c_contiguous
    assert ours.shape == reference.shape
    close(ours, reference, scale=100 * np.abs(weight).sum())


def test_conv2d_one_column_output_from_one_channel_matches_torch():
    # Found by the property test above: torch 2.13 once got this wrong through a channels-last weight view.
    rng = np.random.default_rng(44)
    image = rng.normal(size=(12, 5, 1)) * 100
    weight = rng.normal(size=(4, 4, 1, 2))
    ours = conv2d(image, weight, stride=(1, 2), pad_mode="circular")
    reference = torch_conv2d(image, weight, None, (1, 2), (0, 0, 0, 0), "circular", (1, 1))
    assert ours.shape == (9, 1, 2)
    close(ours, reference, scale=100 * np.abs(weight).sum())


def test_conv2d_sums_channels_and_adds_bias():
    image = np.stack([np.full((3, 3), 1.0), np.full((3, 3), 2.0), np.full((3, 3), 3.0)], axis=2)
    weight = np.ones((3, 3, 3, 1))
    assert conv2d(image, weight, [0.5]).item() == pytest.approx(9 * (1 + 2 + 3) + 0.5)


def test_conv2d_same_padding_with_even_kernel_matches_torch():
    rng = np.random.default_rng(1)
    image = rng.normal(size=(7, 9, 2))
    weight = rng.normal(size=(4, 2, 2, 3))
    ours = conv2d(image, weight, padding="same")
    x = torch.from_numpy(image).permute(2, 0, 1)[None]
    w = torch.from_numpy(weight).permute(3, 2, 0, 1)
    reference = F.conv2d(x, w, padding="same")[0].permute(1, 2, 0).numpy()
    close(ours, reference, scale=10)


def test_conv2d_rejects_bad_bias():
    with pytest.raises(ValueError, match="bias"):
        conv2d(np.ones((4, 4, 1)), np.ones((3, 3, 1, 2)), [1.0])


# padding against F.pad -------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    height=st.integers(1, 8),
    width=st.integers(1, 8),
    channels=st.sampled_from([None, 1, 3, 6]),
    pads=st.tuples(*[st.integers(0, 8)] * 4),
    mode=st.sampled_from(sorted(PAD_MODES)),
    dtype=st.sampled_from(["uint8", "float32", "int64", "float64"]),
)
def test_pad_matches_torch(height, width, channels, pads, mode, dtype):
    top, bottom, left, right = pads
    if mode == "reflect":
        assume(max(top, bottom) < height and max(left, right) < width)
    if mode == "circular":
        assume(max(top, bottom) <= height and max(left, right) <= width)
    shape = (height, width) if channels is None else (height, width, channels)
    image = np.arange(np.prod(shape)).reshape(shape).astype(dtype) % 251
    ours = pad(image, pads, mode)
    assert ours.dtype == image.dtype
    np.testing.assert_array_equal(ours, torch_pad(image, pads, mode))


def test_pad_pair_means_rows_then_columns():
    assert pad(np.ones((2, 3)), (1, 2)).shape == (4, 7)


def test_replicate_fills_the_nearby_value():
    assert pad(NOTES_6X6, 1, "replicate")[:, 0].tolist() == [0, 0, 0, 0, 255, 255, 255, 255]


# pool2d against PyTorch ---------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    size=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.one_of(st.none(), st.tuples(st.integers(1, 4), st.integers(1, 4))),
    data=st.data(),
    height=st.integers(1, 16),
    width=st.integers(1, 16),
    channels=st.sampled_from([None, 1, 3]),
    mode=st.sampled_from(["max", "avg", "min"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_pool2d_matches_torch(size, stride, data, height, width, channels, mode, seed):
    padding = data.draw(st.tuples(st.integers(0, size[0] // 2), st.integers(0, size[1] // 2)))
    assume(height + 2 * padding[0] >= size[0] and width + 2 * padding[1] >= size[1])
    rng = np.random.default_rng(seed)
    shape = (height, width) if channels is None else (height, width, channels)
    image = rng.integers(-300, 300, shape)
    ours = pool2d(image, size, stride=stride, padding=padding, mode=mode)
    reference = torch_pool2d(image.reshape(height, width, -1), size, stride or size, padding, mode)
    reference = reference[:, :, 0] if channels is None else reference
    assert ours.shape == reference.shape
    close(ours, reference, scale=300)
    expected_h = conv_output_size(height, size[0], padding=padding[0], stride=(stride or size)[0])
    assert ours.shape[0] == expected_h


def test_pool_padding_never_wins_and_is_not_averaged():
    negative = -np.ones((2, 2))
    assert pool2d(negative, 2, stride=1, padding=1, mode="max").max() == -1
    assert pool2d(np.ones((2, 2)), 2, stride=1, padding=1, mode="min").min() == 1
    assert pool2d(np.ones((2, 2)), 2, stride=1, padding=1, mode="avg").tolist() == [[1.0] * 3] * 3


def test_pool_rejects_padding_over_half_the_window():
    with pytest.raises(ValueError, match="at most half"):
        pool2d(np.ones((4, 4)), 2, padding=2)


def test_pool_halves_the_notes_500_image():
    assert pool2d(np.zeros((500, 500)), 2).shape == (250, 250)


# to_display ------------------------------------------------------------------------


def test_to_display_methods():
    x = np.array([-300.0, -10.0, 0.0, 100.0, 400.0])
    assert to_display(x, "clip").tolist() == [0, 0, 0, 100, 255]
    assert to_display(x, "abs").tolist() == [255, 10, 0, 100, 255]
    assert to_display(x, "minmax").tolist() == [0, 106, 109, 146, 255]


@pytest.mark.parametrize("value, shown", [(0.0, 0), (100.0, 100), (-1020.0, 0), (1020.0, 255)])
def test_to_display_constant_array_does_not_divide_by_zero(value, shown):
    with np.errstate(all="raise"):
        assert to_display(np.full((3, 3), value)).tolist() == [[shown] * 3] * 3


def test_to_display_rejects_unknown_method():
    with pytest.raises(ValueError, match="display method"):
        to_display(np.zeros(2), "log")


@settings(max_examples=100, deadline=None)
@given(
    shape=st.sampled_from([(5, 7), (4, 4, 3), (3, 2, 6), (9,)]),
    method=st.sampled_from(["minmax", "abs", "clip"]),
    scale=st.sampled_from([1.0, 300.0, 1e5]),
    seed=st.integers(0, 2**32 - 1),
)
def test_to_display_fast_path_matches_the_plain_formula(shape, method, scale, seed):
    values = (np.random.default_rng(seed).normal(size=shape) * scale).astype(np.float32)
    plain = values.astype(np.float64)
    if method == "abs":
        plain = np.abs(plain)
    elif method == "minmax":
        plain = (plain - plain.min()) * (255.0 / (plain.max() - plain.min()))
    expected = np.clip(plain, 0, 255)
    assert np.abs(to_display(values, method).astype(int) - expected).max() <= 0.5 + 1e-3
