"""Activations applied to maps, the data sets no straight line separates, and the two small models."""

import time

import numpy as np
import pytest

from explorer import nonlinearity
from explorer.activations import ACTIVATIONS
from explorer.images import sample_images

NOTES = sample_images()["notes-6x6"].pixels.copy()  # (6, 6, 3): 0 above 255


# Activations on maps ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activate_and_derivative_are_the_shared_functions(name):
    x = np.linspace(-6, 6, 25)
    if name == "leaky-relu":
        np.testing.assert_allclose(nonlinearity.activate(x, name, 0.2), np.where(x > 0, x, 0.2 * x))
        np.testing.assert_allclose(nonlinearity.derivative(x, name, 0.2), np.where(x > 0, 1, 0.2))
    else:
        np.testing.assert_allclose(nonlinearity.activate(x, name), ACTIVATIONS[name].function(x))
        np.testing.assert_allclose(nonlinearity.derivative(x, name), ACTIVATIONS[name].derivative(x))
    with pytest.raises(ValueError, match="'softplus'"):
        nonlinearity.activate(x, "softplus")


def test_relu_on_the_notes_feature_map():
    feature_map = nonlinearity.sobel_feature_map(NOTES)
    assert feature_map.shape == (4, 4)
    assert feature_map[:, 0].tolist() == [0, -1020, -1020, 0]
    effect = nonlinearity.apply_activation(feature_map, "relu")
    assert (effect.negatives, effect.total, effect.negative_percent) == (8, 16, 50.0)
    assert (effect.after == 0).all()  # negative → 0; the zeros stay 0
    flipped = nonlinearity.sobel_feature_map(NOTES, upside_down=True)
    kept = nonlinearity.apply_activation(flipped, "relu")
    assert kept.negatives == 0 and kept.after[:, 0].tolist() == [0, 1020, 1020, 0]  # positive stays


def test_each_activation_treats_the_negatives_as_its_fate_says():
    values = np.array([-1020.0, -2.0, 0.0, 3.0])
    leaky = nonlinearity.apply_activation(values, "leaky-relu", 0.2)
    assert leaky.after.tolist() == pytest.approx([-204, -0.4, 0, 3])
    assert nonlinearity.negative_fate("leaky-relu", 0.2) == "were multiplied by α = 0.2 (kept small, not 0)"
    assert nonlinearity.negative_fate("relu", short=True) == "all 0"
    sigmoid = nonlinearity.apply_activation(values, "sigmoid").after
    assert ((sigmoid[:2] >= 0) & (sigmoid[:2] < 0.5)).all()
    tanh = nonlinearity.apply_activation(values, "tanh").after
    assert ((tanh[:2] >= -1) & (tanh[:2] < 0)).all()
    for name in ACTIVATIONS:
        assert nonlinearity.negative_fate(name)


def test_the_patch_window_holds_the_most_negative_value_and_fits():
    values = np.zeros((20, 30))
    values[1, 28] = -9
    values[10, 10] = 50
    window = nonlinearity.negative_window(values, 8)
    assert (window.top, window.left, window.height, window.width) == (0, 22, 8, 8)
    assert window.of(values).min() == -9
    positive_only = nonlinearity.negative_window(np.abs(values), 4)
    assert (positive_only.top, positive_only.left) == (8, 8)


# The curves --------------------------------------------------------------------------------


def test_curve_figures_draw_the_function_and_its_slope():
    figure = nonlinearity.curve_figure("leaky-relu", 0.1)
    function, slope = figure.data
    assert function.x[0] == -6 and function.x[-1] == 6
    assert function.y[0] == pytest.approx(-0.6) and slope.y[0] == pytest.approx(0.1)
    assert "α = 0.1" in figure.layout.title.text
    everything = nonlinearity.all_curves_figure("tanh")
    assert [trace.name for trace in everything.data] == [a.name for a in ACTIVATIONS.values()]
    assert [trace.line.width for trace in everything.data] == [2, 2, 5, 2]


# Data sets and models ----------------------------------------------------------------------


@pytest.mark.parametrize("name", nonlinearity.DATASETS)
def test_data_sets_are_balanced_repeatable_and_small(name):
    points, labels = nonlinearity.make_dataset(name, 200, seed=3)
    assert points.shape == (200, 2) and points.dtype == np.float32
    assert labels.shape == (200,) and np.bincount(labels).tolist() == [100, 100]
    assert np.abs(points).max() < 3
    again, _ = nonlinearity.make_dataset(name, 200, seed=3)
    np.testing.assert_array_equal(points, again)
    other, _ = nonlinearity.make_dataset(name, 200, seed=4)
    assert not np.array_equal(points, other)


def test_xor_classes_sit_in_opposite_corners():
    points, labels = nonlinearity.make_dataset("xor", 400)
    same_sign = np.sign(points[:, 0]) == np.sign(points[:, 1])
    assert same_sign[labels == 0].all() and not same_sign[labels == 1].any()


def test_bad_data_set_requests_are_refused():
    with pytest.raises(ValueError, match="'spiral'"):
        nonlinearity.make_dataset("spiral")
    with pytest.raises(ValueError, match="n_points must be an even whole number >= 4, got 7"):
        nonlinearity.make_dataset("moons", 7)
    with pytest.raises(ValueError, match="hidden activation must be one of"):
        nonlinearity.compare_models("moons", "softplus")
    with pytest.raises(ValueError, match="hidden_units must be a whole number >= 1, got 0"):
        nonlinearity.compare_models("moons", "relu", 0)


@pytest.mark.parametrize("dataset", nonlinearity.DATASETS)
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_the_hidden_layer_beats_the_straight_line(dataset, activation):
    comparison = nonlinearity.compare_models(dataset, activation)
    assert comparison.linear.accuracy < 0.9  # no straight line separates these points
    assert comparison.hidden.accuracy >= 0.97
    assert comparison.hidden.accuracy - comparison.linear.accuracy >= 0.1


@pytest.mark.parametrize("activation", ["sigmoid", "leaky-relu"])
def test_every_offered_activation_learns_the_circles(activation):
    comparison = nonlinearity.compare_models("circles", activation, alpha=0.1)
    assert comparison.hidden.accuracy - comparison.linear.accuracy >= 0.3


def test_without_an_activation_the_hidden_layer_stays_straight():
    comparison = nonlinearity.compare_models("circles", "none")
    assert comparison.hidden.accuracy < 0.7
    assert "no-activation" in comparison.hidden.name


def test_training_is_deterministic_and_quick():
    started = time.perf_counter()
    first = nonlinearity.compare_models("moons", "relu", 16, seed=5)
    elapsed = time.perf_counter() - started
    second = nonlinearity.compare_models("moons", "relu", 16, seed=5)
    np.testing.assert_array_equal(first.hidden.probability, second.hidden.probability)
    np.testing.assert_array_equal(first.linear.probability, second.linear.probability)
    assert first.hidden.accuracy == second.hidden.accuracy
    assert elapsed < 1.0, f"training both models took {elapsed:.2f} s"


def test_decision_figure_shows_regions_boundary_and_both_classes():
    comparison = nonlinearity.compare_models("xor", "relu", 8)
    figure = nonlinearity.decision_figure(comparison, comparison.hidden)
    contour, class_a, class_b = figure.data
    assert contour.type == "contour" and contour.contours.start == 0.5
    assert np.asarray(contour.z).shape == (90, 90)
    assert len(class_a.x) == len(class_b.x) == 100
    assert f"{comparison.hidden.accuracy:.0%} right" in figure.layout.title.text
