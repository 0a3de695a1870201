"""Tests for explorer.images: a corpus of good, bad and odd files built here, the samples, the helpers."""

from __future__ import annotations

import io
import re
import struct
import time
import zlib

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageFile, JpegImagePlugin

from explorer.images import (
    ImageLoadError,
    LoadedImage,
    SampleImage,
    enlarge_nearest,
    load_image,
    resample,
    sample_images,
    to_grayscale,
)

# Words that would mean Pillow's or Python's own text reached the user.
JARGON = ("PIL", "Pillow", "cannot identify", "image file", "Errno", "Traceback", "DOS", "bomb")


def encode(image: Image.Image, file_format: str, **options: object) -> bytes:
    """The bytes of ``image`` saved in ``file_format``."""
    buffer = io.BytesIO()
    image.save(buffer, file_format, **options)
    return buffer.getvalue()


def rgb_image(pixels: np.ndarray) -> Image.Image:
    """A Pillow RGB image from an (H, W, 3) uint8 array."""
    return Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8), mode="RGB")


def noise_pixels(height: int, width: int, seed: int = 0) -> np.ndarray:
    """(height, width, 3) uint8 random pixels, which compress badly (long pixel data)."""
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def png_with_forged_size(width: int, height: int) -> bytes:
    """A real 1×1 PNG whose header claims ``width × height``, with the header CRC fixed."""
    real = bytearray(encode(Image.new("RGB", (1, 1), (10, 20, 30)), "PNG"))
    # Bytes 8..33 are the IHDR chunk: length, b"IHDR", 13 bytes of data, CRC.
    assert real[12:16] == b"IHDR"
    real[16:24] = struct.pack(">II", width, height)
    real[29:33] = struct.pack(">I", zlib.crc32(bytes(real[12:29])))
    return bytes(real)


def refusal_message(data: bytes, **options: object) -> str:
    """The message of the ImageLoadError that ``load_image`` raises, checked to be friendly."""
    with pytest.raises(ImageLoadError) as caught:
        load_image(data, **options)
    message = str(caught.value)
    assert_friendly(message)
    return message


def assert_friendly(message: str) -> None:
    """A short plain sentence for a teacher: no library jargon, no exception dump."""
    assert message.startswith("This "), message
    assert message.endswith("."), message
    assert "\n" not in message and len(message) <= 120, message
    for word in JARGON:
        assert word not in message, f"{word!r} in {message!r}"


# ---------------------------------------------------------------------------
# Files we refuse


@pytest.mark.parametrize(
    ("label", "data", "expected"),
    [
        ("empty", b"", "This file is empty."),
        ("random bytes", np.random.default_rng(7).bytes(4096), "not an image we can read"),
        ("text", b"Dear class,\nplease bring your own photos on Monday.\n" * 20, "not an image we can read"),
        (
            "html",
            b"<!DOCTYPE html><html><head><title>cat</title></head><body><img src='cat.png'></body></html>",
            "not an image we can read",
        ),
        (
            "svg",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
            b'<circle cx="32" cy="32" r="20" fill="red"/></svg>',
            "not an image we can read",
        ),
        ("png signature only", b"\x89PNG\r\n\x1a\n", "not an image we can read"),
    ],
)
def test_non_images_are_refused(label: str, data: bytes, expected: str) -> None:
    assert expected in refusal_message(data), label


@pytest.mark.parametrize("file_format", ["PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"])
def test_truncated_files_are_refused(file_format: str) -> None:
    whole = encode(rgb_image(noise_pixels(64, 64)), file_format)
    message = refusal_message(whole[: len(whole) // 2])
    assert "cut short" in message or "not an image we can read" in message


@pytest.mark.parametrize("file_format", ["PNG", "JPEG"])
def test_truncated_png_and_jpeg_say_cut_short(file_format: str) -> None:
    whole = encode(rgb_image(noise_pixels(64, 64)), file_format)
    assert "cut short" in refusal_message(whole[: len(whole) // 2])


def test_jpeg_missing_its_last_bytes_is_refused() -> None:
    whole = encode(rgb_image(noise_pixels(64, 64)), "JPEG")
    assert "cut short" in refusal_message(whole[:-40])


def test_truncated_loading_stays_off() -> None:
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        # Refused by our own check (below Pillow's limit of about 89 million).
        (8000, 8000, "This image is 8000 × 8000 = 64 million pixels; the limit is 50 million pixels."),
        # Pillow warns here (1x to 2x its limit); the warning becomes our refusal.
        (10000, 10000, "This image has 100 million pixels; the limit is 50 million pixels."),
        # Pillow raises here (over 2x its limit).
        (30000, 30000, "This image has 900 million pixels; the limit is 50 million pixels."),
    ],
)
@pytest.mark.filterwarnings("error")
def test_decompression_bombs_are_refused_from_the_header(
    width: int, height: int, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def decoding_forbidden(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decoding_forbidden)
    limit_before = Image.MAX_IMAGE_PIXELS
    started = time.perf_counter()
    assert refusal_message(png_with_forged_size(width, height)) == expected
    assert time.perf_counter() - started < 0.5
    assert limit_before == Image.MAX_IMAGE_PIXELS


def test_small_max_pixels_is_honoured() -> None:
    data = encode(Image.new("RGB", (64, 64)), "PNG")
    message = refusal_message(data, max_pixels=1000)
    assert message == "This image is 64 × 64 = 4,096 pixels; the limit is 1,000 pixels."
    assert load_image(data, max_pixels=4096).pixels.shape == (64, 64, 3)


def test_zero_sized_image_is_refused() -> None:
    refusal_message(png_with_forged_size(0, 5))


@pytest.mark.parametrize("bad_side", [0, -3, 2.5, True])
def test_bad_max_side_is_a_plain_value_error(bad_side: object) -> None:
    data = encode(Image.new("RGB", (4, 4)), "PNG")
    with pytest.raises(ValueError, match=re.escape(repr(bad_side))) as caught:
        load_image(data, max_side=bad_side)  # type: ignore[arg-type]
    assert not isinstance(caught.value, ImageLoadError)


def test_bad_max_pixels_is_a_plain_value_error() -> None:
    with pytest.raises(ValueError, match="max_pixels") as caught:
        load_image(b"anything", max_pixels=0)
    assert not isinstance(caught.value, ImageLoadError)


# ---------------------------------------------------------------------------
# Files we accept, in every colour layout


@pytest.mark.parametrize("file_format", ["PNG", "BMP", "TIFF", "GIF"])
def test_lossless_rgb_round_trips_exactly(file_format: str) -> None:
    # Eight colours fit any GIF palette, so every format here is exact.
    pixels = (noise_pixels(5, 7) > 127).astype(np.uint8) * 255  # (5, 7, 3)
    loaded = load_image(encode(rgb_image(pixels), file_format))
    assert isinstance(loaded, LoadedImage)
    np.testing.assert_array_equal(loaded.pixels, pixels)
    assert loaded.pixels.dtype == np.uint8 and loaded.pixels.flags.c_contiguous
    assert loaded.original_size == (5, 7)
    assert loaded.downscaled is False


def test_only_the_bytes_count_not_the_name() -> None:
    # A PNG a user saved as "photo.jpg" arrives as the same bytes: it loads as the PNG it is.
    pixels = noise_pixels(3, 4)
    np.testing.assert_array_equal(load_image(encode(rgb_image(pixels), "PNG")).pixels, pixels)


def test_grayscale_becomes_three_equal_channels() -> None:
    grey = np.array([[0, 77, 255]], dtype=np.uint8)
    pixels = load_image(encode(Image.fromarray(grey, mode="L"), "PNG")).pixels
    np.testing.assert_array_equal(pixels, np.repeat(grey[:, :, None], 3, axis=2))


def test_one_bit_becomes_black_and_white() -> None:
    bits = Image.new("1", (2, 1), 0)
    bits.putpixel((1, 0), 1)
    pixels = load_image(encode(bits, "PNG")).pixels
    np.testing.assert_array_equal(pixels[0], [[0, 0, 0], [255, 255, 255]])


def test_la_is_composited_on_white() -> None:
    grey_alpha = np.array([[[100, 255], [100, 0], [100, 128]]], dtype=np.uint8)  # (1, 3, 2)
    pixels = load_image(encode(Image.fromarray(grey_alpha, mode="LA"), "PNG")).pixels
    expected_grey = [100, 255, round((100 * 128 + 255 * 127) / 255)]
    np.testing.assert_array_equal(pixels[0, :, 0], expected_grey)
    assert (pixels == pixels[:, :, :1]).all()


def test_rgba_transparent_pixel_becomes_white() -> None:
    rgba = np.array([[[200, 10, 20, 255], [200, 10, 20, 0]]], dtype=np.uint8)  # (1, 2, 4)
    pixels = load_image(encode(Image.fromarray(rgba, mode="RGBA"), "PNG")).pixels
    np.testing.assert_array_equal(pixels[0], [[200, 10, 20], [255, 255, 255]])


@pytest.mark.parametrize("file_format", ["PNG", "GIF"])
def test_palette_with_transparency_becomes_white(file_format: str) -> None:
    palette_image = Image.new("P", (2, 1), 0)
    palette_image.putpalette([255, 0, 0, 0, 0, 255] + [0, 0, 0] * 254)
    palette_image.putpixel((1, 0), 1)
    pixels = load_image(encode(palette_image, file_format, transparency=0)).pixels
    np.testing.assert_array_equal(pixels[0], [[255, 255, 255], [0, 0, 255]])


def test_palette_without_transparency() -> None:
    palette_image = Image.new("P", (1, 1), 0)
    palette_image.putpalette([12, 34, 56] + [0, 0, 0] * 255)
    np.testing.assert_array_equal(load_image(encode(palette_image, "PNG")).pixels[0, 0], [12, 34, 56])


@pytest.mark.parametrize("file_format", ["PNG", "TIFF"])
def test_sixteen_bit_grey_scales_by_its_bit_depth(file_format: str) -> None:
    deep = np.array([[0, 257, 32768, 65535]], dtype=np.uint16)
    image = Image.fromarray(deep)
    assert image.mode == "I;16"
    grey = load_image(encode(image, file_format)).pixels[0, :, 0]
    assert grey[0] == 0 and grey[1] == 1 and grey[3] == 255
    assert abs(int(grey[2]) - 128) <= 1


def test_thirty_two_bit_integer_grey_in_sixteen_bit_range() -> None:
    wide = Image.fromarray(np.array([[0, 32768, 65535]], dtype=np.int32))
    assert wide.mode == "I"
    np.testing.assert_array_equal(load_image(encode(wide, "TIFF")).pixels[0, :, 0], [0, 128, 255])


def test_float_image_is_stretched_min_to_max() -> None:
    values = np.array([[-1.0, 0.5, 2.0, np.nan]], dtype=np.float32)
    image = Image.fromarray(values)
    assert image.mode == "F"
    np.testing.assert_array_equal(load_image(encode(image, "TIFF")).pixels[0, :, 0], [0, 128, 255, 0])


def test_flat_float_image_keeps_its_clipped_value() -> None:
    flat = Image.fromarray(np.full((2, 2), 300.0, dtype=np.float32))
    assert (load_image(encode(flat, "TIFF")).pixels == 255).all()


def test_lab_tiff_becomes_rgb() -> None:
    lab = Image.new("RGB", (4, 4), (20, 40, 160)).convert("LAB")
    pixels = load_image(encode(lab, "TIFF")).pixels
    assert np.abs(pixels.astype(int) - [20, 40, 160]).max() <= 12


def test_a_colour_layout_we_cannot_convert_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def conversion_fails(self: Image.Image, *args: object, **kwargs: object) -> Image.Image:
        raise ValueError("conversion not supported")

    data = encode(Image.new("RGB", (2, 2)), "PNG")
    monkeypatch.setattr(Image.Image, "convert", conversion_fails)
    assert "colours" in refusal_message(data)


def test_cmyk_jpeg_becomes_rgb() -> None:
    red_in_cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))
    data = encode(red_in_cmyk, "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    pixels = load_image(data).pixels
    assert np.abs(pixels.astype(int) - [255, 0, 0]).max() <= 3


def test_ycbcr_tiff_becomes_rgb() -> None:
    colour = (200, 30, 40)
    ycbcr = Image.new("RGB", (16, 16), colour).convert("YCbCr")
    pixels = load_image(encode(ycbcr, "TIFF", compression="tiff_deflate")).pixels
    assert np.abs(pixels.astype(int) - colour).max() <= 3


@pytest.mark.parametrize("file_format", ["GIF", "WEBP", "PNG"])
def test_animation_gives_its_first_frame(file_format: str) -> None:
    red, blue = Image.new("RGB", (4, 4), (255, 0, 0)), Image.new("RGB", (4, 4), (0, 0, 255))
    options = {"lossless": True} if file_format == "WEBP" else {}
    data = encode(red, file_format, save_all=True, append_images=[blue], duration=100, **options)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    assert (load_image(data).pixels == [255, 0, 0]).all()


# What each EXIF orientation asks the viewer to do to the stored (H, W, C) pixels to show
# them upright, written from the EXIF specification rather than from Pillow.
UPRIGHT_FROM_STORED = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],  # mirrored left-right
    3: lambda a: a[::-1, ::-1],  # rotated 180°
    4: lambda a: a[::-1, :],  # mirrored top-bottom
    5: lambda a: a.transpose(1, 0, 2),  # mirrored across the main diagonal
    6: lambda a: np.rot90(a, k=-1),  # needs a 90° clockwise turn
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),  # mirrored across the other diagonal
    8: lambda a: np.rot90(a, k=1),  # needs a 90° anticlockwise turn
}


@pytest.mark.parametrize("orientation", sorted(UPRIGHT_FROM_STORED))
def test_every_exif_orientation_is_honoured(orientation: int) -> None:
    stored = noise_pixels(2, 3, seed=orientation)  # (2, 3, 3): every pixel differs
    exif = Image.Exif()
    exif[0x0112] = orientation
    loaded = load_image(encode(rgb_image(stored), "PNG", exif=exif))
    np.testing.assert_array_equal(loaded.pixels, UPRIGHT_FROM_STORED[orientation](stored))
    assert loaded.original_size == (2, 3)
    assert loaded.pixels.flags.c_contiguous


def test_exif_orientation_on_a_downscaled_jpeg() -> None:
    stored = np.zeros((300, 600, 3), dtype=np.uint8)
    stored[:, :300] = (255, 0, 0)  # left half red, right half blue as stored
    stored[:, 300:] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6
    loaded = load_image(encode(rgb_image(stored), "JPEG", quality=95, exif=exif), max_side=100)
    assert loaded.original_size == (300, 600)
    assert loaded.pixels.shape == (100, 50, 3) and loaded.downscaled
    # A clockwise turn puts the stored left (red) at the top.
    assert loaded.pixels[10, 25, 0] > 200 and loaded.pixels[90, 25, 2] > 200


# ---------------------------------------------------------------------------
# Sizes


@pytest.mark.parametrize(("height", "width", "expected"), [(1, 5000, (1, 1024)), (5000, 1, (1024, 1))])
def test_extreme_aspect_ratios(height: int, width: int, expected: tuple[int, int]) -> None:
    loaded = load_image(encode(Image.new("RGB", (width, height), (9, 99, 199)), "PNG"))
    assert loaded.pixels.shape == (*expected, 3)
    assert loaded.downscaled and loaded.original_size == (height, width)
    assert (loaded.pixels == [9, 99, 199]).all()


def test_a_one_pixel_strip_of_100000() -> None:
    loaded = load_image(encode(Image.new("L", (100_000, 1), 50), "PNG"), max_side=256)
    assert loaded.pixels.shape == (1, 256, 3)


def test_large_image_is_downscaled_keeping_aspect() -> None:
    loaded = load_image(encode(Image.new("RGB", (3000, 2000), (1, 2, 3)), "PNG"))
    assert loaded.pixels.shape == (683, 1024, 3)
    assert loaded.downscaled and loaded.original_size == (2000, 3000)


def test_image_exactly_max_side_is_not_downscaled() -> None:
    loaded = load_image(encode(Image.new("RGB", (64, 20)), "PNG"), max_side=64)
    assert loaded.pixels.shape == (20, 64, 3) and not loaded.downscaled


def test_large_jpeg_is_decoded_in_draft_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    requests = []
    real_draft = JpegImagePlugin.JpegImageFile.draft

    def recording_draft(self, mode, size):  # type: ignore[no-untyped-def]
        requests.append((mode, size))
        return real_draft(self, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", recording_draft)
    gradient = np.broadcast_to(np.linspace(0, 255, 4000, dtype=np.uint8), (3000, 4000))  # (3000, 4000)
    data = encode(Image.fromarray(np.ascontiguousarray(gradient)).convert("RGB"), "JPEG")
    loaded = load_image(data)
    assert requests == [("RGB", (1024, 768))]
    assert loaded.original_size == (3000, 4000)
    assert loaded.pixels.shape == (768, 1024, 3) and loaded.downscaled
    # The left edge stays dark and the right edge light after the reduced decode.
    assert loaded.pixels[:, :8].mean() < 10 and loaded.pixels[:, -8:].mean() > 245


def test_small_jpeg_is_not_drafted(monkeypatch: pytest.MonkeyPatch) -> None:
    requests = []
    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", lambda self, *args: requests.append(args))
    load_image(encode(Image.new("RGB", (40, 30)), "JPEG"))
    assert requests == []


# ---------------------------------------------------------------------------
# Sample images


def test_sample_slugs_and_order() -> None:
    samples = sample_images()
    assert list(samples) == ["notes-6x6", "checkerboard", "shapes", "china", "flower", "digit"]
    for slug, sample in samples.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
        assert isinstance(sample, SampleImage)
        assert sample.name and sample.description.endswith(".")
        assert sample.description.count(". ") == 0, "one sentence"


def test_all_samples_are_read_only_rgb_uint8() -> None:
    for slug, sample in sample_images().items():
        assert sample.pixels.ndim == 3 and sample.pixels.shape[2] == 3, slug
        assert sample.pixels.dtype == np.uint8, slug
        assert sample.pixels.flags.c_contiguous, slug
        with pytest.raises(ValueError):
            sample.pixels[0, 0, 0] = 1


def test_notes_sample_is_the_lecture_example() -> None:
    notes = sample_images()["notes-6x6"].pixels
    expected_grey = np.array([[0] * 6] * 3 + [[255] * 6] * 3, dtype=np.uint8)  # (6, 6)
    np.testing.assert_array_equal(notes, np.repeat(expected_grey[:, :, None], 3, axis=2))


def test_sample_sizes() -> None:
    shapes = {slug: sample.pixels.shape for slug, sample in sample_images().items()}
    assert shapes == {
        "notes-6x6": (6, 6, 3),
        "checkerboard": (64, 64, 3),
        "shapes": (256, 256, 3),
        "china": (427, 640, 3),
        "flower": (427, 640, 3),
        "digit": (32, 32, 3),
    }


def test_checkerboard_squares() -> None:
    board = sample_images()["checkerboard"].pixels[:, :, 0]
    assert set(np.unique(board)) == {0, 255}
    assert board[0, 0] == 0 and board[0, 8] == 255 and board[8, 0] == 255 and board[8, 8] == 0
    assert (board[:8, :8] == 0).all()


def test_shapes_scene_is_colourful_on_a_light_background() -> None:
    scene = sample_images()["shapes"].pixels
    assert (scene[0, 0] > 200).all()
    colours = {tuple(pixel) for pixel in scene.reshape(-1, 3)}
    assert len(colours) >= 5


def test_digit_sample_matches_scikit_learn() -> None:
    from sklearn.datasets import load_digits

    digits = load_digits()
    index = int(re.search(r"image (\d+)", sample_images()["digit"].description).group(1))
    assert digits.target[index] == 3
    digit = sample_images()["digit"].pixels
    assert (digit == digit[:, :, :1]).all()
    expected = np.rint(digits.images[index] * 255 / 16)  # (8, 8)
    np.testing.assert_array_equal(digit[::4, ::4, 0], expected)
    np.testing.assert_array_equal(digit[:, :, 0], np.kron(expected, np.ones((4, 4))))


def test_samples_are_cached_and_deterministic() -> None:
    first, second = sample_images(), sample_images()
    assert first is not second, "callers get their own dict"
    first.pop("china")
    assert "china" in sample_images()
    for slug in second:
        assert second[slug].pixels is sample_images()[slug].pixels


def test_samples_are_the_same_when_rebuilt() -> None:
    import explorer.images as images_module

    before = {slug: sample.pixels.copy() for slug, sample in sample_images().items()}
    images_module._build_sample_images.cache_clear()
    for slug, sample in sample_images().items():
        np.testing.assert_array_equal(sample.pixels, before[slug])


# ---------------------------------------------------------------------------
# Helpers


def test_to_grayscale_by_hand() -> None:
    pixels = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]], dtype=np.uint8)
    np.testing.assert_array_equal(to_grayscale(pixels), [[76, 150, 29, 255]])


def test_to_grayscale_agrees_with_opencv() -> None:
    pixels = noise_pixels(40, 50, seed=3)
    ours = to_grayscale(pixels).astype(int)
    reference = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY).astype(int)
    assert ours.shape == (40, 50) and np.abs(ours - reference).max() <= 1


def test_to_grayscale_rejects_other_shapes_and_dtypes() -> None:
    with pytest.raises(ValueError, match=r"\(2, 2, 4\)"):
        to_grayscale(np.zeros((2, 2, 4), dtype=np.uint8))
    with pytest.raises(ValueError, match="float64"):
        to_grayscale(np.zeros((2, 2, 3)))
    np.testing.assert_array_equal(to_grayscale(np.eye(2, dtype=np.uint8)), np.eye(2))


def test_resample_averages_areas() -> None:
    grey = np.array([[0, 0, 100, 100], [0, 0, 100, 100]], dtype=np.uint8)  # (2, 4)
    np.testing.assert_array_equal(resample(grey, 2), [[0, 100]])
    colour = np.repeat(grey[:, :, None], 3, axis=2)  # (2, 4, 3)
    np.testing.assert_array_equal(resample(colour, 2), [[[0, 0, 0], [100, 100, 100]]])


def test_resample_keeps_a_single_channel_axis_and_never_enlarges() -> None:
    assert resample(np.zeros((10, 20, 1), dtype=np.uint8), 5).shape == (3, 5, 1)
    small = np.arange(6, dtype=np.uint8).reshape(2, 3)
    enlarged_request = resample(small, 100)
    np.testing.assert_array_equal(enlarged_request, small)
    assert enlarged_request is not small


@pytest.mark.parametrize("function", [resample, enlarge_nearest])
def test_longest_side_below_one_is_refused(function) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="got 0"):
        function(np.zeros((4, 4), dtype=np.uint8), 0)
    with pytest.raises(ValueError, match=r"\(4,\)"):
        function(np.zeros(4, dtype=np.uint8), 2)


@given(
    height=st.integers(1, 300),
    width=st.integers(1, 300),
    longest_side=st.integers(1, 300),
)
def test_resample_shape_property(height: int, width: int, longest_side: int) -> None:
    out_height, out_width = resample(np.zeros((height, width), dtype=np.uint8), longest_side).shape
    assert out_height >= 1 and out_width >= 1
    assert max(out_height, out_width) == min(longest_side, max(height, width))
    if max(height, width) > longest_side:
        # Each side is the exact scaled length, rounded.
        scale = longest_side / max(height, width)
        assert abs(out_height - height * scale) <= 0.5 + 1e-9 or out_height == 1
        assert abs(out_width - width * scale) <= 0.5 + 1e-9 or out_width == 1


def test_enlarge_nearest_makes_equal_blocks() -> None:
    pixels = np.array([[1, 2], [3, 4]], dtype=np.uint8)
    enlarged = enlarge_nearest(pixels, 7)  # factor 3
    assert enlarged.shape == (6, 6)
    np.testing.assert_array_equal(enlarged, np.kron(pixels, np.ones((3, 3), dtype=np.uint8)))
    colour = np.stack([pixels, pixels * 10, pixels * 20], axis=2)  # (2, 2, 3)
    enlarged_colour = enlarge_nearest(colour, 4)
    assert enlarged_colour.shape == (4, 4, 3)
    np.testing.assert_array_equal(enlarged_colour[::2, ::2], colour)


def test_enlarge_nearest_never_shrinks() -> None:
    pixels = np.arange(12, dtype=np.uint8).reshape(3, 4)
    np.testing.assert_array_equal(enlarge_nearest(pixels, 2), pixels)


def test_enlarge_then_resample_returns_the_original() -> None:
    pixels = noise_pixels(4, 6, seed=5)
    np.testing.assert_array_equal(resample(enlarge_nearest(pixels, 60), 6), pixels)
