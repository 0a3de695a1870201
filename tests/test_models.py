"""The models' arithmetic summary is checked against the real PyTorch modules build_model makes."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from torch import nn

from explorer.models import (
    ACTIVATIONS,
    POOLINGS,
    CNNConfig,
    MLPConfig,
    build_model,
    config_from_json,
    feature_maps,
    first_layer_filters,
    summary,
    summary_totals,
    to_tensor,
)

KINDS = {
    nn.Conv2d: "conv",
    nn.BatchNorm2d: "batchnorm",
    nn.ReLU: "activation",
    nn.LeakyReLU: "activation",
    nn.Tanh: "activation",
    nn.Sigmoid: "activation",
    nn.MaxPool2d: "pooling",
    nn.AvgPool2d: "pooling",
    nn.Flatten: "flatten",
    nn.Dropout: "dropout",
    nn.Linear: "dense",
}


@st.composite
def cnn_configs(draw: st.DrawFn) -> CNNConfig:
    blocks = draw(st.integers(1, 3))
    stride = draw(st.integers(1, 2))
    padding_choices = st.integers(0, 2) | st.sampled_from(["valid"] + (["same"] if stride == 1 else []))
    settings_ = dict(
        input_size=(draw(st.integers(4, 24)), draw(st.integers(4, 24))),
        in_channels=draw(st.integers(1, 3)),
        num_classes=draw(st.integers(2, 5)),
        conv_blocks=blocks,
        filters=tuple(draw(st.lists(st.integers(1, 5), min_size=blocks, max_size=blocks))),
        kernel_size=draw(st.integers(1, 4)),
        padding=draw(padding_choices),
        stride=stride,
        pooling=draw(st.sampled_from(sorted(POOLINGS))),
        activation=draw(st.sampled_from(sorted(ACTIVATIONS))),
        batch_norm=draw(st.booleans()),
        dropout=draw(st.sampled_from([0.0, 0.25, 0.5])),
        dense_width=draw(st.sampled_from([0, 1, 7])),
    )
    try:
        return CNNConfig(**settings_)
    except ValueError:
        reject()  # a kernel or pooling window that does not fit: the config tests cover those


mlp_configs = st.builds(
    MLPConfig,
    input_size=st.tuples(st.integers(1, 12), st.integers(1, 12)),
    in_channels=st.integers(1, 3),
    num_classes=st.integers(2, 5),
    hidden_width=st.integers(1, 9),
    activation=st.sampled_from(sorted(ACTIVATIONS)),
    dropout=st.sampled_from([0.0, 0.3]),
)


def torch_layer_rows(model: nn.Module) -> list[tuple[str, tuple[int, ...], int, int]]:
    """(kind, channels-last output shape, trainable, non-trainable) of each leaf module, as it runs."""
    rows = []

    def record(module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
        shape = tuple(output.shape[1:])
        if len(shape) == 3:
            shape = (shape[1], shape[2], shape[0])  # (C, H, W) -> (H, W, C)
        trainable = sum(p.numel() for p in module.parameters(recurse=False) if p.requires_grad)
        # num_batches_tracked is a counter, not a model number; the summary leaves it out too.
        non_trainable = sum(
            b.numel()
            for name, b in module.named_buffers(recurse=False)
            if name in ("running_mean", "running_var")
        )
        rows.append((KINDS[type(module)], shape, trainable, non_trainable))

    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(record) for m in leaves]
    config = model.config
    images = torch.rand(2, *config.input_size, config.in_channels)  # (N, H, W, C)
    model.eval()
    with torch.no_grad():
        logits = model(images)
    for handle in handles:
        handle.remove()
    assert logits.shape == (2, config.num_classes)
    assert len(rows) == len(leaves), "every module runs exactly once"
    return rows


def assert_summary_matches_torch(config: CNNConfig | MLPConfig) -> None:
    model = build_model(config)
    rows = summary(config)
    expected = [(r.kind, r.output_shape, r.trainable, r.non_trainable) for r in rows]
    assert torch_layer_rows(model) == expected
    totals = summary_totals(rows)
    assert totals.trainable == sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert totals.non_trainable == sum(
        b.numel() for name, b in model.named_buffers() if name.endswith(("running_mean", "running_var"))
    )
    assert totals.total == totals.trainable + totals.non_trainable


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(cnn_configs())
def test_cnn_summary_matches_torch(config):
    assert_summary_matches_torch(config)


@settings(max_examples=15, deadline=None)
@given(mlp_configs)
def test_mlp_summary_matches_torch(config):
    assert_summary_matches_torch(config)


@pytest.mark.parametrize(
    "config",
    [
        CNNConfig(),
        CNNConfig(batch_norm=True, dropout=0.5, dense_width=0),
        CNNConfig(padding="same", kernel_size=4, pooling="avg"),
        CNNConfig(input_size=(9, 13), in_channels=3, padding="valid", stride=2, pooling="none"),
        MLPConfig(),
    ],
)
def test_summary_matches_torch_for_hand_picked_configs(config):
    assert_summary_matches_torch(config)


def test_default_cnn_summary_by_hand():
    rows = summary(CNNConfig(batch_norm=True))
    assert [r.output_shape for r in rows if r.kind in ("conv", "pooling")] == [
        (28, 28, 8),
        (14, 14, 8),
        (14, 14, 16),
        (7, 7, 16),
    ]
    batch_norms = [r for r in rows if r.kind == "batchnorm"]
    assert [(r.trainable, r.non_trainable) for r in batch_norms] == [(16, 16), (32, 32)]
    assert rows[0].trainable == 3 * 3 * 1 * 8 + 8


def test_mlp_baseline_param_count():
    config = MLPConfig(input_size=(28, 28), in_channels=1, hidden_width=64, num_classes=10)
    h, w, c, hidden, classes = 28, 28, 1, 64, 10
    expected = h * w * c * hidden + hidden + hidden * classes + classes
    assert summary_totals(summary(config)).trainable == expected
    assert sum(p.numel() for p in build_model(config).parameters()) == expected


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.one_of(cnn_configs(), mlp_configs))
def test_json_round_trip(config):
    data = json.loads(json.dumps(config.to_json()))
    assert type(config).from_json(data) == config
    assert config_from_json(data) == config


def test_from_json_rejects_unknown_and_mismatched_settings():
    with pytest.raises(ValueError, match="unknown CNNConfig settings: \\['colour'\\]"):
        CNNConfig.from_json({"colour": 1})
    with pytest.raises(ValueError, match="'mlp' config, not 'cnn'"):
        CNNConfig.from_json(MLPConfig().to_json())
    with pytest.raises(ValueError, match="config kind"):
        config_from_json({"input_size": [28, 28]})


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        ({"conv_blocks": 3}, r"3 blocks, but filters=\(8, 16\) has 2"),
        ({"filters": (8, 0)}, "every entry of filters must be a whole number >= 1, got 0"),
        ({"kernel_size": 0}, "kernel_size must be a whole number >= 1, got 0"),
        ({"padding": "full"}, "padding \\(or 'same' / 'valid'\\) must be a whole number >= 0, got 'full'"),
        ({"padding": "same", "stride": 2}, "padding='same' needs stride 1, got stride=2"),
        ({"pooling": "min"}, "pooling must be one of .*got 'min'"),
        ({"activation": "gelu"}, "activation must be one of .*got 'gelu'"),
        ({"dropout": 0.95}, "dropout must be a number from 0 to 0.9, got 0.95"),
        ({"dense_width": -1}, "dense_width must be a whole number >= 0, got -1"),
        ({"input_size": (28,)}, r"input_size must hold 2 numbers, got \(28,\)"),
        ({"num_classes": 1}, "num_classes must be a whole number >= 2, got 1"),
        ({"batch_norm": 1}, "batch_norm must be True or False, got 1"),
    ],
)
def test_invalid_cnn_settings_name_the_value(settings_, message):
    with pytest.raises(ValueError, match=message):
        CNNConfig(**settings_)


def test_kernel_that_no_longer_fits_names_the_block_and_shows_the_formula():
    # 10 -> conv 8 -> pool 4 -> conv 2 -> pool 1 -> a 3×3 kernel cannot fit a 1×1 map.
    with pytest.raises(ValueError, match="block 3: the 3×3 convolution no longer fits its 1×1 input") as info:
        CNNConfig(input_size=(10, 10), conv_blocks=3, filters=(2, 2, 2), padding="valid")
    assert "(1 − 3 + 2·0) / 1 + 1" in str(info.value)


def test_pooling_that_no_longer_fits_names_the_block():
    with pytest.raises(ValueError, match="block 2: the 2×2 pooling no longer fits its 1×1 input"):
        CNNConfig(input_size=(2, 2), filters=(2, 2), kernel_size=1, padding="valid")


def test_invalid_mlp_settings_name_the_value():
    with pytest.raises(ValueError, match="hidden_width must be a whole number >= 1, got 0"):
        MLPConfig(hidden_width=0)


def weights(model: nn.Module) -> list[torch.Tensor]:
    return [t.detach().clone() for t in model.state_dict().values()]


@pytest.mark.parametrize("config", [CNNConfig(batch_norm=True), MLPConfig()])
def test_same_seed_same_weights_different_seed_different(config):
    first, again, other = (weights(build_model(config, seed=s)) for s in (3, 3, 4))
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(first, other, strict=True))


def test_build_model_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    state = torch.get_rng_state()
    build_model(CNNConfig(), seed=7)
    assert torch.equal(torch.get_rng_state(), state)


def test_feature_maps_match_the_summary():
    config = CNNConfig(input_size=(12, 10), in_channels=3, batch_norm=True, padding="valid")
    model = build_model(config)
    images = np.random.default_rng(0).random((2, 12, 10, 3))  # (N, H, W, C)
    stages = feature_maps(model, images)
    assert [s.name for s in stages] == [
        f"block {b}: after {part}"
        for b in (1, 2)
        for part in ("convolution", "batch norm", "activation", "pooling")
    ]
    spatial_rows = [r for r in summary(config) if len(r.output_shape) == 3]
    assert [s.maps.shape for s in stages] == [(2, *r.output_shape) for r in spatial_rows]
    assert all(s.maps.dtype == np.float32 for s in stages)
    assert model.training, "feature_maps puts the model back in training mode"
    model.eval()
    with torch.no_grad():
        x = to_tensor(images, config).permute(0, 3, 1, 2)  # (N, C, H, W)
        for block in model.blocks:
            x = block(x)
    np.testing.assert_allclose(stages[-1].maps, x.permute(0, 2, 3, 1).numpy(), rtol=1e-6)


def test_feature_maps_accepts_grayscale_without_a_channel_axis_and_checks_the_size():
    model = build_model(CNNConfig(input_size=(8, 8), filters=(2, 3)))
    assert feature_maps(model, np.zeros((1, 8, 8)))[0].maps.shape == (1, 8, 8, 2)
    with pytest.raises(ValueError, match=r"images must have shape \(N, 8, 8, 1\), got \(1, 9, 8, 1\)"):
        feature_maps(model, np.zeros((1, 9, 8, 1)))
    with pytest.raises(TypeError, match="need a ConvNet"):
        feature_maps(build_model(MLPConfig()), np.zeros((1, 28, 28)))


def test_first_layer_filters_are_channels_last_and_run_in_the_first_convolution():
    config = CNNConfig(in_channels=3, filters=(5, 4), kernel_size=3)
    model = build_model(config)
    filters = first_layer_filters(model)
    assert filters.shape == (3, 3, 3, 5)
    conv = model.blocks[0].convolution
    np.testing.assert_array_equal(filters[..., 2], conv.weight.detach()[2].permute(1, 2, 0).numpy())


def test_an_oversized_input_is_refused():
    with pytest.raises(ValueError, match="input_size"):
        CNNConfig(input_size=(100_000, 28))
    with pytest.raises(ValueError, match="input_size"):
        MLPConfig(input_size=(28, 513))
