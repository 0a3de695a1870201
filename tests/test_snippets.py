"""The runnable snippets: each one is written to a folder, run on its own, and checked against explorer.

As micrograd checks its values against PyTorch, every snippet's results (module-level
variables read back with ``runpy.run_path``) are compared with what explorer computes for
the same settings.
"""

import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from explorer import convolution as conv
from explorer import geometry, layers, nonlinearity, pixels, snippets
from explorer.images import resample, to_grayscale
from explorer.kernel_fit import KernelFit, KernelFitConfig
from explorer.kernels import NAMED_KERNELS, SOBEL_HORIZONTAL
from explorer.models import CNNConfig, summary, summary_totals
from explorer.ops import pool2d, to_display
from explorer.padding import pad
from explorer.pooling import global_average_pool
from explorer.training import TrainConfig
from explorer.transfer import SOURCE_WEIGHTS, TransferSettings

NOTES = np.dstack([np.repeat([0, 255], 18).reshape(6, 6).astype(np.uint8)] * 3)  # (6, 6, 3)


def colour_picture(height: int, width: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def run(source: str, folder: Path, picture: np.ndarray | None = None, *args: str) -> dict:
    """Write the snippet (and the picture as picture.png) to ``folder`` and run it there."""
    script = folder / "snippet.py"
    script.write_text(source)
    if picture is not None:
        cv2.imwrite(str(folder / "picture.png"), cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
    old_argv, old_cwd = sys.argv, Path.cwd()
    sys.argv = [str(script), *args]
    try:
        import os

        os.chdir(folder)
        return runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = old_argv
        os.chdir(old_cwd)


def test_snippets_import_nothing_from_the_project():
    sources = [
        snippets.convolution(colour_picture(40, 30), SOBEL_HORIZONTAL.weights, edges=True),
        snippets.train(CNNConfig(), TrainConfig()),
        snippets.transfer(CNNConfig(), TransferSettings()),
    ]
    for source in sources:
        compile(source, "snippet.py", "exec")
        imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
        assert imports and not any("explorer" in line or line.split()[1] == "ui" for line in imports)


def test_the_notes_example_runs_on_its_own(tmp_path):
    (tmp_path / "notes.py").write_text(snippets.convolution(NOTES, SOBEL_HORIZONTAL.weights))
    done = subprocess.run(
        [sys.executable, "notes.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True
    )
    assert "first column, top to bottom: 0, -1020, -1020, 0" in done.stdout
    assert "height: (6 − 3 + 0 + 0) / 1 + 1 = 4 → 4" in done.stdout
    assert "smallest raw value: -1020  largest raw value: 0" in done.stdout
    assert "NumPy and PyTorch agree." in done.stdout
    assert (tmp_path / "output.png").exists()
    # The page's size formula, from explorer.shapes, is in the script's settings.
    assert "output height: (6 − 3 + 2·0) / 1 + 1 = 4" in (tmp_path / "notes.py").read_text()


CONVOLUTIONS = [
    # (kernel, pad_choice, amount, pad_mode, stride, dilation, show, colour)
    (SOBEL_HORIZONTAL.weights, "valid", 0, "zeros", 1, 1, "minmax", "gray"),
    (np.array([[1, -2, 0.5, 3], [0, 1, 1, -1]]), "same", 0, "reflect", 1, 1, "abs", "gray"),  # 2 × 4
    (np.array([[1, -1], [2, 0.25]]), "amount", 2, "circular", 2, 1, "clip", "gray"),  # even
    (NAMED_KERNELS["sobel-vertical"].weights, "amount", 1, "replicate", 3, 2, "raw", "gray"),
    (np.ones((3, 1)) / 3, "same", 0, "zeros", 2, 2, "minmax", "rgb"),
    (np.full((5, 5), 1 / 25), "same", 0, "replicate", 1, 1, "minmax", "rgb"),
    (SOBEL_HORIZONTAL.weights, "amount", 1, "zeros", 1, 1, "raw", "rgb"),
]


@pytest.mark.parametrize("kernel, pad_choice, amount, pad_mode, stride, dilation, show, colour", CONVOLUTIONS)
@pytest.mark.parametrize("shape", [(9, 11), (23, 17)])  # written into the script / read from picture.png
def test_convolution_matches_explorer(
    tmp_path, shape, kernel, pad_choice, amount, pad_mode, stride, dilation, show, colour
):
    picture = colour_picture(*shape)
    settings = dict(pad_choice=pad_choice, amount=amount, pad_mode=pad_mode, stride=stride, dilation=dilation)
    source = snippets.convolution(picture, kernel, show=show, colour=colour, **settings)
    assert ("picture.png" in source) == (max(shape) > snippets.SMALL_PICTURE)
    result = run(source, tmp_path, picture)
    pads = conv.plan_padding(pad_choice, amount, kernel.shape, stride=stride, dilation=dilation).pads
    expected = conv.filter_picture(
        picture, kernel, colour=colour, pads=pads, pad_mode=pad_mode, stride=stride, dilation=dilation
    )
    np.testing.assert_allclose(result["output"], expected, atol=1e-3)
    shown = result["shown"].astype(int)
    page_shown = conv.to_pixels(expected, show).astype(int)
    if shown.ndim == 2:
        shown = np.dstack([shown] * 3)
    if (
        show == "raw" and colour == "gray"
    ):  # the script's map is a simple purple-white-orange blend: signs and white agree
        assert np.array_equal(shown.sum(axis=2) == 765, page_shown.sum(axis=2) == 765)
    else:
        assert np.abs(shown - page_shown).max() <= 1


def test_edge_magnitude_matches_explorer(tmp_path):
    picture = colour_picture(20, 14, seed=3)
    source = snippets.convolution(
        picture, SOBEL_HORIZONTAL.weights, pad_choice="same", pad_mode="reflect", stride=2, edges=True
    )
    result = run(source, tmp_path, picture)
    edges = conv.sobel_edges(to_grayscale(picture), pads=(1, 1, 1, 1), pad_mode="reflect", stride=2)
    np.testing.assert_allclose(result["magnitude"], edges.magnitude, rtol=1e-5, atol=1e-3)


def test_a_missing_picture_falls_back_to_the_notes_example(tmp_path):
    result = run(snippets.convolution(colour_picture(40, 40), SOBEL_HORIZONTAL.weights), tmp_path)
    assert result["output"][:, 0].tolist() == [0, -1020, -1020, 0]


@pytest.mark.parametrize(
    "shape, channel, window, flat_side",
    [((6, 6), "gray", (0, 0, 6, 6), 6), ((37, 23), "green", (5, 3, 12, 12), 7)],
)
def test_pixels_matches_explorer(tmp_path, shape, channel, window, flat_side):
    picture = colour_picture(*shape)
    result = run(
        snippets.pixels(picture, channel=channel, window=window, flat_side=flat_side), tmp_path, picture
    )
    zoom = pixels.Window(*window)
    assert np.array_equal(result["window_values"], pixels.channel(zoom.of(picture), channel))
    flat = pixels.flatten(picture, flat_side)
    assert np.array_equal(result["grid"], flat.grid)
    assert np.array_equal(result["vector"], flat.vector)


@pytest.mark.parametrize(
    "padding, pad_mode, kernel, stride",
    [
        (1, "zeros", 3, 1),
        (2, "reflect", 3, 2),
        (1, "replicate", 2, 3),
        (3, "circular", 4, 2),
        (0, "zeros", 5, 1),
    ],
)
def test_padding_stride_matches_explorer(tmp_path, padding, pad_mode, kernel, stride):
    crop = to_grayscale(colour_picture(7, 7))
    source = snippets.padding_stride(crop, padding=padding, pad_mode=pad_mode, kernel=kernel, stride=stride)
    result = run(source, tmp_path)
    sweep = geometry.Sweep(7, kernel, padding, stride)
    assert np.array_equal(result["padded"], pad(crop, padding, pad_mode))
    assert result["positions"] == sweep.window_origins()
    assert result["output_size"] == sweep.output
    p = padding
    assert np.array_equal(result["visits"], sweep.visit_counts()[p : p + 7, p : p + 7])


@pytest.mark.parametrize("mode, size, stride", [("max", 2, 2), ("avg", 3, 2), ("min", 2, 1), ("avg", 4, 3)])
@pytest.mark.parametrize("shape", [(8, 8), (30, 21)])
def test_pooling_matches_explorer(tmp_path, shape, mode, size, stride):
    picture = colour_picture(*shape)
    crop = to_grayscale(picture[:8, :8])
    result = run(snippets.pooling(picture, crop, mode=mode, size=size, stride=stride), tmp_path, picture)
    np.testing.assert_allclose(result["pooled"], pool2d(crop, size, stride=stride, mode=mode), atol=1e-4)
    page_picture = to_display(pool2d(picture, size, stride=stride, mode=mode), "clip")
    assert np.abs(result["pooled_picture"].astype(int) - page_picture).max() <= 1
    np.testing.assert_allclose(result["channel_means"], global_average_pool(picture), atol=1e-6)


@pytest.mark.parametrize(
    "preset, bias, counts, kernel_size, shape",
    [
        ("sobel-horizontal", 0, (4, 3), 3, (6, 6)),
        ("green-minus-red", 12.5, (7, 2), 3, (16, 10)),
        ("brightness", -3, (2, 5), 2, (150, 90)),  # shrunk to 128 for the layers
    ],
)
def test_rgb_matches_explorer(tmp_path, preset, bias, counts, kernel_size, shape):
    picture = colour_picture(*shape)
    kernel = layers.COLOUR_KERNELS[preset].weights
    source = snippets.rgb(
        picture, kernel, bias=bias, first_count=counts[0], second_count=counts[1], kernel_size=kernel_size
    )
    result = run(source, tmp_path, picture)
    expected = layers.convolve_colour(picture, kernel, bias)
    np.testing.assert_allclose(result["output"], expected.output, rtol=1e-5, atol=1e-2)
    stack = layers.two_layers(resample(picture, 128), kernel_size, *counts)
    np.testing.assert_allclose(result["first_maps"], stack.first_maps, rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(result["second_maps"], stack.second_maps, rtol=1e-4, atol=1e-2)


@pytest.mark.parametrize(
    "focus, alpha, upside_down, dataset, hidden",
    [
        ("relu", 0.01, False, "moons", "relu"),
        ("leaky-relu", 0.2, True, "xor", "leaky-relu"),
        ("sigmoid", 0.01, False, "circles", "tanh"),
        ("tanh", 0.01, True, "moons", "none"),
    ],
)
def test_activations_match_explorer(tmp_path, focus, alpha, upside_down, dataset, hidden):
    picture = colour_picture(12, 9)
    source = snippets.activations(
        picture, focus=focus, alpha=alpha, upside_down=upside_down, dataset=dataset, hidden=hidden, units=8
    )
    result = run(source, tmp_path)
    feature_map = nonlinearity.sobel_feature_map(picture, upside_down=upside_down)
    np.testing.assert_allclose(result["feature_map"], feature_map, atol=1e-3)
    effect = nonlinearity.apply_activation(feature_map, focus, alpha)
    np.testing.assert_allclose(result["activated"], effect.after, rtol=1e-5, atol=1e-5)
    assert result["negatives"] == effect.negatives
    comparison = nonlinearity.compare_models(dataset, hidden, 8, alpha=alpha)
    assert result["linear_accuracy"] == pytest.approx(comparison.linear.accuracy, abs=0.03)
    assert result["hidden_accuracy"] == pytest.approx(comparison.hidden.accuracy, abs=0.03)


@pytest.mark.parametrize(
    "target, scale, seed, shape",
    [
        ("sobel-horizontal", 1.0, 0, (30, 26)),
        ("sharpen", 1.7, 4, (90, 70)),  # shrunk to 64
        ("box-blur", 0.5, 9, (12, 12)),
    ],
)
def test_learn_kernel_matches_explorer(tmp_path, target, scale, seed, shape):
    if target not in NAMED_KERNELS:
        target = next(
            slug
            for slug, k in NAMED_KERNELS.items()
            if k.weights.shape == (3, 3) and slug != "sobel-horizontal"
        )
    picture = colour_picture(*shape, seed=seed)
    config = KernelFitConfig(target=target, learning_rate_scale=scale, seed=seed)
    source = snippets.learn_kernel(picture, config.target_weights, learning_rate_scale=scale, seed=seed)
    result = run(source, tmp_path, picture, "40")
    fit = KernelFit(to_grayscale(picture), config)
    fit.step(40)
    assert result["learning_rate"] == pytest.approx(fit.learning_rate, rel=1e-4)
    np.testing.assert_allclose(result["kernel"], fit.kernel, atol=1e-4)
    assert len(result["losses"]) == 40


@pytest.mark.parametrize(
    "config",
    [
        CNNConfig(),
        CNNConfig(input_size=(16, 16), conv_blocks=3, filters=(4, 8, 8), padding="same", batch_norm=True),
        CNNConfig(
            input_size=(20, 20),
            filters=(6, 5),
            kernel_size=4,
            padding="valid",
            stride=2,
            pooling="none",
            activation="tanh",
            dropout=0.3,
            dense_width=0,
        ),
        CNNConfig(
            conv_blocks=1, filters=(3,), kernel_size=5, padding=2, pooling="avg", activation="leaky_relu"
        ),
    ],
)
def test_train_builds_the_pages_network(tmp_path, config):
    result = run(snippets.train(config, TrainConfig(epochs=3)), tmp_path, None, "0")
    model = result["model"]
    assert sum(p.numel() for p in model.parameters()) == summary_totals(summary(config)).trainable


def test_train_learns_the_digits_in_one_epoch(tmp_path):
    settings = TrainConfig(epochs=20, batch_size=32, learning_rate=0.003, optimizer="adam", seed=1)
    source = snippets.train(CNNConfig(input_size=(16, 16)), settings, validation=0.25, shuffle=False)
    result = run(source, tmp_path, None, "1")
    assert result["EPOCHS"] == 1 and result["SHUFFLE"] is False
    assert result["accuracy"] > 0.3  # chance is 0.1


def test_batch_norm_trains_both_models(tmp_path):
    settings = TrainConfig(epochs=8, batch_size=64, learning_rate=0.01, optimizer="sgd", seed=0)
    result = run(snippets.batch_norm(CNNConfig(input_size=(16, 16)), settings), tmp_path, None, "1")
    assert set(result["accuracies"]) == {"with", "without"}
    assert result["accuracies"]["with"] > 0.2


def test_transfer_loads_the_shipped_source(tmp_path, capsys):
    from explorer.transfer import load_source

    shutil.copy(SOURCE_WEIGHTS, tmp_path / "source_digits.safetensors")
    source = load_source()
    settings = TransferSettings(per_class=10, epochs=10, seed=2, learning_rate=0.01)
    result = run(snippets.transfer(source.config, settings), tmp_path, None, "3")
    assert "loaded the pretrained source" in capsys.readouterr().out
    assert len(result["train_rows"]) == 100
    assert set(result["accuracies"]) == {"scratch", "frozen", "finetune"}
    assert result["accuracies"]["frozen"] > 0.3  # the pretrained base already knows digits
    for name, tensor in source.model.state_dict().items():
        if name.startswith("blocks."):
            frozen_copy = result["base_state"][name]
            assert np.allclose(frozen_copy.numpy(), tensor.numpy())


def test_train_on_another_data_set_still_runs_on_the_digits(tmp_path):
    config = CNNConfig(input_size=(12, 12), in_channels=3, num_classes=3)  # like the colour shapes
    source = snippets.train(config, TrainConfig(), dataset="shapes")
    assert "this script uses scikit-learn's digits" in source
    result = run(source, tmp_path, None, "0")
    assert result["images"].shape[1:] == (3, 12, 12)
