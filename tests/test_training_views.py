"""The training lab's figures and mosaics: right sizes, right colours, right numbers."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.colormaps import diverging_image
from explorer.datasets import edges
from explorer.models import CNNConfig, MLPConfig
from explorer.training import TrainConfig, Trainer, TrainingHistory
from explorer.training_views import (
    channel_mosaic,
    confusion_figure,
    curves_figure,
    filter_mosaic,
    live_views,
    map_mosaic,
    mosaic,
    probabilities_figure,
    to_tile,
)


def history(epochs: int) -> TrainingHistory:
    values = [1.0 / (epoch + 1) for epoch in range(epochs)]
    return TrainingHistory(values, [0.5] * epochs, values, [0.4] * epochs)


def test_curves_have_training_and_validation_per_model_and_panel():
    figure = curves_figure({"CNN": history(3), "MLP": history(2)})
    names = {trace.name for trace in figure.data}
    assert names == {"CNN training", "CNN validation", "MLP training", "MLP validation"}
    assert len(figure.data) == 8  # 2 models × 2 parts × (loss, accuracy)
    assert list(figure.data[0].x) == [1, 2, 3]
    assert [trace.line.dash for trace in figure.data[:2]] == ["solid", "dash"]


def test_curves_of_an_untrained_model_are_empty_not_an_error():
    figure = curves_figure({"": TrainingHistory()})
    assert all(len(trace.x) == 0 for trace in figure.data)


def test_mosaic_places_tiles_in_rows_with_white_gaps():
    tiles = [np.full((2, 3, 3), value, np.uint8) for value in (10, 20, 30)]
    canvas = mosaic(tiles, columns=2, gap=1)
    assert canvas.shape == (5, 7, 3)
    assert canvas[0, 0, 0] == 10 and canvas[0, 4, 0] == 20 and canvas[3, 0, 0] == 30
    assert canvas[2, 0, 0] == 255 and canvas[4, 4, 0] == 255  # the gap and the empty slot
    with pytest.raises(ValueError, match="at least one tile"):
        mosaic([])


def test_grey_filters_use_one_signed_scale():
    filters = np.zeros((3, 3, 1, 2), np.float32)
    filters[0, 0, 0, 0], filters[0, 0, 0, 1] = 2.0, -1.0
    canvas = filter_mosaic(filters, cell=3, columns=2)
    assert canvas.shape == (3, 3 + 4 + 3, 3)
    expected = diverging_image(np.array([[2.0, -1.0, 0.0]]), limit=2.0)[0]
    np.testing.assert_array_equal(canvas[0, 0], expected[0])
    np.testing.assert_array_equal(canvas[0, 7], expected[1])
    np.testing.assert_array_equal(canvas[1, 1], expected[2])


def test_colour_filters_are_patches_stretched_per_filter():
    filters = np.zeros((1, 1, 3, 1), np.float32)
    filters[0, 0, :, 0] = [0.5, -0.5, 0.0]  # responds to red, against green
    canvas = filter_mosaic(filters, cell=1)
    assert canvas[0, 0].tolist() == [255, 0, 128]
    rows = channel_mosaic(np.zeros((3, 3, 3, 4)), cell=3)
    assert rows.shape == (3 * 3 + 2 * 4, 4 * 3 + 3 * 4, 3)


def test_feature_maps_signed_or_grey():
    signed = map_mosaic(np.array([[[-1.0, 1.0]]]), cell=1)
    assert signed.shape == (1, 1 + 4 + 1, 3) and signed[0, 0].tolist() != signed[0, 5].tolist()
    grey = map_mosaic(np.array([[[0.0, 2.0]]]), cell=1)
    assert grey[0, 0].tolist() == [0, 0, 0] and grey[0, 5].tolist() == [255, 255, 255]


def test_tile_enlarges_by_a_whole_factor_and_makes_rgb():
    tile = to_tile(np.array([[[0.0], [1.0]]]), 4)
    assert tile.shape == (2, 4, 3) and tile[0, 0].tolist() == [0, 0, 0] and tile[0, 3].tolist() == [255] * 3
    with pytest.raises(ValueError, match="shape"):
        to_tile(np.zeros((2, 2, 2)), 4)


def test_confusion_and_probability_figures_write_the_numbers():
    matrix = np.array([[5, 1], [0, 4]])
    figure = confusion_figure(matrix, ["cat", "dog"])
    assert figure.data[0].text.tolist() == matrix.tolist()
    assert list(figure.data[0].x) == ["cat", "dog"]
    with pytest.raises(ValueError, match="3 classes"):
        confusion_figure(matrix, ["a", "b", "c"])
    bars = probabilities_figure(np.array([0.1, 0.9]), ["cat", "dog"])
    assert list(bars.data[0].text) == ["10.0%", "90.0%"]
    assert bars.data[0].marker.color[1] != bars.data[0].marker.color[0]


def test_live_views_follow_the_trainer():
    train, validation = edges(n_per_class=8, size=12, seed=0).split(0.25, seed=0)
    config = CNNConfig(input_size=(12, 12), num_classes=4, conv_blocks=1, filters=(4,), dense_width=8)
    trainer = Trainer(config, TrainConfig(batch_size=8, epochs=2), train, validation)
    trainer.run_steps(max_batches=100)
    views = live_views(trainer)
    assert len(views.curves.data[0].x) == 2
    assert views.filters is not None and views.filters.dtype == np.uint8
    mlp = Trainer(MLPConfig(input_size=(12, 12), num_classes=4), TrainConfig(epochs=1), train, validation)
    assert live_views(mlp).filters is None
