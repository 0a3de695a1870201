"""Try-it inputs: drawings and photos prepared like the digits data, uploads like a training zip."""

from __future__ import annotations

import io
import zipfile

import cv2
import numpy as np
import pytest

from explorer.datasets import ImageDataset, digits, from_zip
from explorer.images import encode_png, load_image
from explorer.models import CNNConfig
from explorer.training import TrainConfig, Trainer
from explorer.tryit import DIGIT_INK_MEAN, EmptyDrawingError, prepare_digit, prepare_image

STROKE = 20  # pixels on a 280 × 280 canvas


def blank_canvas() -> np.ndarray:
    """A transparent 280 × 280 RGBA canvas, as a drawing widget starts."""
    return np.zeros((280, 280, 4), dtype=np.uint8)


def drawn_one(color: tuple[int, int, int, int] = (0, 0, 0, 255)) -> np.ndarray:
    canvas = blank_canvas()
    cv2.line(canvas, (140, 40), (140, 240), color=color, thickness=STROKE)
    return canvas


def drawn_zero() -> np.ndarray:
    canvas = blank_canvas()
    cv2.ellipse(canvas, (140, 140), (65, 100), 0, 0, 360, color=(0, 0, 0, 255), thickness=STROKE)
    return canvas


def photographed(drawing: np.ndarray, *, dark_ink: bool) -> np.ndarray:
    """An RGB "photo" of a drawing: uneven paper, noise, dark ink on light or light on dark."""
    ink = drawing[:, :, 3].astype(np.float64) / 255.0  # (H, W)
    shading = np.linspace(0.0, 1.0, ink.shape[1])[None, :]  # (1, W) lighter to the right
    paper, pen = (190 + 30 * shading, 40) if dark_ink else (20 + 30 * shading, 230)
    grey = paper * (1 - ink) + pen * ink + np.random.default_rng(0).normal(0, 5, ink.shape)
    return np.repeat(np.clip(grey, 0, 255).astype(np.uint8)[:, :, None], 3, axis=2)  # (H, W, 3)


def ink_box(image: np.ndarray, threshold: float = 0.1) -> tuple[int, int]:
    """Height and width of the bounding box of pixels above ``threshold`` in an (H, W, 1) image."""
    rows, columns = np.nonzero(image[:, :, 0] > threshold)
    return int(np.ptp(rows)) + 1, int(np.ptp(columns)) + 1


@pytest.fixture(scope="module")
def digit_set() -> ImageDataset:
    return digits(28)


@pytest.fixture(scope="module")
def trained(digit_set) -> Trainer:
    train, validation = digit_set.split(0.2)
    trainer = Trainer(
        CNNConfig(), TrainConfig(epochs=6, learning_rate=3e-3, batch_size=32), train, validation
    )
    while not trainer.done:
        trainer.run_steps(10_000)
    return trainer


def test_the_dataset_numbers_the_docs_quote(digit_set):
    boxes = np.array([ink_box(image) for image in digit_set.images])  # (N, 2)
    assert np.all(boxes[:, 0] == 28)
    assert np.median(boxes[:, 1]) == 23
    assert digit_set.images.mean() == pytest.approx(DIGIT_INK_MEAN, abs=0.01)


def test_a_drawn_one_looks_like_the_datasets_ones(digit_set):
    prepared = prepare_digit(drawn_one())
    ones = digit_set.images[digit_set.labels == 1]  # (n, 28, 28, 1)
    height, width = ink_box(prepared)
    one_widths = [ink_box(image)[1] for image in ones]
    assert height == 28
    assert np.percentile(one_widths, 5) <= width <= np.percentile(one_widths, 95)
    image_means = ones.mean(axis=(1, 2, 3))  # (n,)
    assert np.percentile(image_means, 5) <= prepared.mean() <= np.percentile(image_means, 95)
    columns = np.arange(28)
    centre = (prepared[:, :, 0].sum(axis=0) @ columns) / prepared.sum()
    assert centre == pytest.approx(13.5, abs=0.5)


@pytest.mark.parametrize("size", [8, 28, 32])
def test_shape_dtype_and_range(size):
    prepared = prepare_digit(drawn_zero(), size=size)
    assert prepared.shape == (size, size, 1) and prepared.dtype == np.float32
    assert prepared.min() == 0.0 and 0.9 <= prepared.max() <= 1.0


def test_dark_on_light_and_light_on_dark_photos_give_white_strokes_on_black():
    reference = prepare_digit(drawn_zero())
    for dark_ink in (True, False):
        prepared = prepare_digit(photographed(drawn_zero(), dark_ink=dark_ink))
        assert prepared[14, 14, 0] < 0.05 and prepared[0, 0, 0] < 0.05  # the hole and the corner
        assert np.abs(prepared - reference).max() < 0.15


def test_stroke_colour_and_background_do_not_matter():
    reference = prepare_digit(drawn_one())
    white_strokes = prepare_digit(drawn_one(color=(255, 255, 255, 255)))
    blue_strokes = prepare_digit(drawn_one(color=(30, 60, 200, 255)))
    on_white_paper = drawn_one()
    on_white_paper[on_white_paper[:, :, 3] == 0] = 255  # opaque white everywhere but the ink
    np.testing.assert_allclose(white_strokes, reference, atol=1e-6)
    np.testing.assert_allclose(blue_strokes, reference, atol=1e-6)
    np.testing.assert_allclose(prepare_digit(on_white_paper), reference, atol=0.05)
    np.testing.assert_allclose(prepare_digit(drawn_one()[:, :, 3]), reference, atol=0.05)


@pytest.mark.parametrize(
    "empty",
    [
        blank_canvas(),
        np.full((280, 280, 4), 255, dtype=np.uint8),
        np.full((50, 40, 3), 128, dtype=np.uint8),
        np.random.default_rng(0).integers(120, 135, size=(60, 60), dtype=np.uint8),
    ],
)
def test_an_empty_picture_raises_the_draw_first_error(empty):
    with pytest.raises(EmptyDrawingError, match="draw one"):
        prepare_digit(empty)
    assert issubclass(EmptyDrawingError, ValueError)


@pytest.mark.parametrize(
    ("image", "size", "match"),
    [
        (np.zeros((28, 28), dtype=np.float64), 28, "float64"),
        (np.zeros((28, 28, 2), dtype=np.uint8), 28, r"\(28, 28, 2\)"),
        (np.zeros((0, 28), dtype=np.uint8), 28, r"\(0, 28\)"),
        (drawn_one(), 0, "got 0"),
    ],
)
def test_bad_digit_inputs_raise_naming_the_value(image, size, match):
    with pytest.raises(ValueError, match=match):
        prepare_digit(image, size=size)


def test_a_trained_cnn_reads_drawn_and_photographed_digits(trained):
    assert trained.history.val_accuracy[-1] > 0.9
    pictures = {
        1: [drawn_one(), photographed(drawn_one(), dark_ink=True)],
        0: [drawn_zero(), photographed(drawn_zero(), dark_ink=False)],
    }
    for label, drawings in pictures.items():
        batch = np.stack([prepare_digit(drawing) for drawing in drawings])  # (2, 28, 28, 1)
        assert trained.predict(batch).argmax(axis=1).tolist() == [label, label]


def zip_of(images: dict[str, np.ndarray]) -> bytes:
    """A zip with one PNG per class folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, pixels in images.items():
            archive.writestr(f"{name}/picture.png", encode_png(pixels))
    return buffer.getvalue()


@pytest.mark.parametrize(("color_mode", "channels"), [("grayscale", 1), ("rgb", 3)])
def test_an_upload_becomes_what_the_same_file_in_a_training_zip_became(color_mode, channels):
    rng = np.random.default_rng(4)
    pictures = {
        "a": rng.integers(0, 256, size=(70, 90, 3), dtype=np.uint8),
        "b": cv2.GaussianBlur(rng.integers(0, 256, size=(45, 33, 3), dtype=np.uint8), (5, 5), 0),
    }
    dataset = from_zip(zip_of(pictures), target_size=(20, 30), color_mode=color_mode).dataset
    for index, name in enumerate(dataset.class_names):
        uploaded = load_image(encode_png(pictures[name])).pixels
        prepared = prepare_image(uploaded, size=(20, 30), channels=channels)
        assert prepared.shape == (20, 30, channels) and prepared.dtype == np.float32
        np.testing.assert_array_equal(prepared, dataset.images[index])


def test_prepare_image_turns_grey_into_rgb_and_lays_rgba_over_white():
    grey = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    as_rgb = prepare_image(grey, size=(4, 4), channels=3)
    assert as_rgb.shape == (4, 4, 3)
    np.testing.assert_array_equal(as_rgb[:, :, 0], as_rgb[:, :, 2])
    see_through = np.zeros((8, 8, 4), dtype=np.uint8)
    np.testing.assert_array_equal(prepare_image(see_through, size=(2, 2)), np.ones((2, 2, 1)))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"size": (0, 5)}, r"\(0, 5\)"),
        ({"size": 28}, "got 28"),
        ({"channels": 2}, "got 2"),
        ({"image": np.zeros((5, 5), dtype=np.int64)}, "int64"),
    ],
)
def test_bad_prepare_image_arguments_raise_naming_the_value(kwargs, match):
    arguments = {"image": np.zeros((5, 5), dtype=np.uint8), **kwargs}
    with pytest.raises(ValueError, match=match):
        prepare_image(**arguments)
