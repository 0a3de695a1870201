"""The batch-norm experiment against PyTorch: statistics, the one-channel formula, counts, lockstep runs."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from explorer import batchnorm, datasets, models
from explorer.batchnorm import ActivationStats, StatisticsPoint
from explorer.training import TrainConfig, TrainingHistory

SMALL = models.CNNConfig(num_classes=4)


@pytest.fixture(scope="module")
def data():
    """A small generated set (128 training, 32 validation pictures), quick to train on."""
    return datasets.edges(n_per_class=40).split(0.2, seed=0)


def trained_bn_model(seed: int = 0) -> models.ConvNet:
    """A model with batch norm whose γ, β and running statistics are no longer their defaults."""
    model = models.build_model(replace(SMALL, batch_norm=True), seed)
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for block in model.blocks:
            layer = block.batch_norm
            layer.weight.copy_(torch.rand(layer.num_features, generator=generator) + 0.5)
            layer.bias.copy_(torch.randn(layer.num_features, generator=generator))
            layer.running_mean.copy_(torch.randn(layer.num_features, generator=generator) * 0.1)
            layer.running_var.copy_(torch.rand(layer.num_features, generator=generator) + 0.1)
    return model


# Statistics against a direct PyTorch computation ------------------------------------------------


def direct_statistics(model: models.ConvNet, images: np.ndarray, batch: bool) -> list[tuple]:
    """The same numbers by hand: each block's modules called directly on an NCHW tensor."""
    x = torch.from_numpy(images).permute(0, 3, 1, 2)
    rows = []
    with torch.no_grad():
        for number, block in enumerate(model.blocks, start=1):
            x = block.convolution(x)
            rows.append((number, "convolution", x.double().mean().item(), np.std(x.double().numpy())))
            if hasattr(block, "batch_norm"):
                layer = block.batch_norm
                if batch:
                    mean = x.mean(dim=(0, 2, 3), keepdim=True)
                    var = x.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
                else:
                    mean = layer.running_mean[None, :, None, None]
                    var = layer.running_var[None, :, None, None]
                x = (x - mean) / torch.sqrt(var + layer.eps)
                x = x * layer.weight[None, :, None, None] + layer.bias[None, :, None, None]
                rows.append((number, "batch_norm", x.double().mean().item(), np.std(x.double().numpy())))
            x = block.pooling(block.activation(x))
    return rows


@pytest.mark.parametrize("normalize_with", ["batch", "running"])
def test_statistics_match_a_direct_torch_computation(data, normalize_with):
    model = trained_bn_model()
    images = data[1].images
    got = batchnorm.activation_statistics(model, images, normalize_with=normalize_with)
    expected = direct_statistics(model, images, batch=normalize_with == "batch")
    assert [(s.block, s.stage) for s in got] == [(row[0], row[1]) for row in expected]
    for stats, (_, _, mean, std) in zip(got, expected, strict=True):
        assert stats.mean == pytest.approx(mean, abs=1e-5)
        assert stats.std == pytest.approx(std, rel=1e-4)


def test_with_batch_statistics_the_normalized_values_have_the_learned_mean_and_spread(data):
    model = models.build_model(replace(SMALL, batch_norm=True), 0)  # γ = 1, β = 0
    stats = batchnorm.activation_statistics(model, data[1].images)
    for after in (s for s in stats if s.stage == "batch_norm"):
        assert after.mean == pytest.approx(0.0, abs=1e-5)
        assert after.std == pytest.approx(1.0, abs=1e-3)


def test_statistics_leave_the_model_unchanged_and_cover_a_model_without_batch_norm(data):
    model = trained_bn_model()
    before = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    model.train()
    batchnorm.activation_statistics(model, data[1].images)
    assert model.training
    assert all(torch.equal(before[name], tensor) for name, tensor in model.state_dict().items())
    plain = models.build_model(SMALL, 0)
    stages = [(s.block, s.stage) for s in batchnorm.activation_statistics(plain, data[1].images)]
    assert stages == [(1, "convolution"), (2, "convolution")]


def test_statistics_reject_bad_input(data):
    with pytest.raises(ValueError, match="'both'"):
        batchnorm.activation_statistics(models.build_model(SMALL), data[1].images, normalize_with="both")
    with pytest.raises(TypeError, match="MultiLayerPerceptron"):
        batchnorm.activation_statistics(models.build_model(models.MLPConfig()), data[1].images)


# The one-channel formula against torch's BatchNorm2d in training mode -----------------------------


def test_the_formula_matches_torch_batchnorm2d_in_training_mode():
    generator = torch.Generator().manual_seed(3)
    x = torch.randn(6, 4, 5, 7, generator=generator, dtype=torch.float64) * 3 + 2  # (N, C, H, W)
    layer = nn.BatchNorm2d(4, eps=1e-3, dtype=torch.float64).train()
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([0.5, 2.0, -1.0, 1.5]))
        layer.bias.copy_(torch.tensor([0.0, -1.0, 0.3, 4.0]))
        expected = layer(x)
    for channel in range(4):
        result = batchnorm.normalize_channel(
            x[:, channel].numpy(), layer.weight[channel].item(), layer.bias[channel].item(), 1e-3
        )
        np.testing.assert_allclose(result.output, expected[:, channel].detach().numpy(), atol=1e-12)
        assert result.batch_mean == pytest.approx(float(x[:, channel].mean()))
        assert result.batch_variance == pytest.approx(float(x[:, channel].var(unbiased=False)))
        # torch updates its running variance with the unbiased variance of the batch
        # (momentum 0.1 from 1): the population variance times n / (n − 1).
        n = result.count
        unbiased = result.batch_variance * n / (n - 1)
        assert float(layer.running_var[channel]) == pytest.approx(0.9 + 0.1 * unbiased)


def test_the_normalized_values_have_mean_zero_and_spread_one():
    result = batchnorm.normalize_channel(np.arange(12.0).reshape(2, 2, 3), gamma=3.0, beta=-2.0)
    moments = result.moments()
    assert moments["x̂"][0] == pytest.approx(0.0, abs=1e-12)
    assert moments["x̂"][1] == pytest.approx(1.0, abs=1e-6)
    assert moments["y"] == pytest.approx((-2.0, 3.0), abs=1e-5)
    assert result.denominator == pytest.approx(math.sqrt(np.var(np.arange(12.0)) + 1e-5))


def test_normalize_channel_rejects_bad_input():
    with pytest.raises(ValueError, match="non-empty"):
        batchnorm.normalize_channel(np.array([]))
    with pytest.raises(ValueError, match="non-empty"):
        batchnorm.normalize_channel(np.array([1.0, math.nan]))
    with pytest.raises(ValueError, match="-1"):
        batchnorm.normalize_channel(np.array([1.0, 2.0]), epsilon=-1)


@pytest.mark.parametrize(("block", "channel"), [(1, 0), (1, 7), (2, 5)])
def test_a_real_channel_matches_the_layer_in_training_mode(data, block, channel):
    model = trained_bn_model()
    images = data[1].images
    running_before = model.blocks[block - 1].batch_norm.running_mean.clone()
    example = batchnorm.channel_example(model, images, block, channel)
    assert torch.equal(model.blocks[block - 1].batch_norm.running_mean, running_before)
    # The layer's input by hand: earlier blocks in evaluation mode, then the convolution.
    model.eval()
    with torch.no_grad():
        x = torch.from_numpy(images).permute(0, 3, 1, 2)
        for earlier in model.blocks[: block - 1]:
            x = earlier(x)
        x = model.blocks[block - 1].convolution(x)
        copy = nn.BatchNorm2d(x.shape[1]).train()
        copy.load_state_dict(model.blocks[block - 1].batch_norm.state_dict())
        expected = copy(x)[:, channel]
    np.testing.assert_allclose(example.output, expected.numpy(), atol=2e-5)
    layer = model.blocks[block - 1].batch_norm
    assert example.gamma == pytest.approx(layer.weight[channel].item())
    assert example.running_variance == pytest.approx(float(layer.running_var[channel]))
    assert batchnorm.torch_difference(example) < 1e-9


def test_channel_example_names_bad_choices(data):
    model = trained_bn_model()
    with pytest.raises(ValueError, match="from 1 to 2, got 3"):
        batchnorm.channel_example(model, data[1].images, 3, 0)
    with pytest.raises(ValueError, match="from 0 to 7, got 8"):
        batchnorm.channel_example(model, data[1].images, 1, 8)
    with pytest.raises(ValueError, match="no batch norm"):
        batchnorm.channel_example(models.build_model(SMALL), data[1].images, 1, 0)


# What is trained, and the same start ------------------------------------------------------------


def test_gamma_and_beta_are_trained_and_running_statistics_are_not():
    config = replace(SMALL, batch_norm=True)
    model = models.build_model(config)
    layers = batchnorm.batch_norm_layers(model)
    assert [layer.block for layer in layers] == [1, 2]
    assert sum(layer.trainable for layer in layers) == 2 * (8 + 16)
    assert sum(layer.non_trainable for layer in layers) == 2 * (8 + 16)
    rows = [row for row in models.summary(config) if row.kind == "batchnorm"]
    counted = [(layer.trainable, layer.non_trainable) for layer in layers]
    assert [(row.trainable, row.non_trainable) for row in rows] == counted
    for block in model.blocks:
        assert all(p.requires_grad for p in block.batch_norm.parameters())
        assert {name for name, _ in block.batch_norm.named_buffers()} >= {"running_mean", "running_var"}
    np.testing.assert_array_equal(layers[0].gamma, np.ones(8))
    np.testing.assert_array_equal(layers[1].running_variance, np.ones(16))
    assert batchnorm.batch_norm_layers(models.build_model(SMALL)) == []


@pytest.mark.parametrize(
    "config",
    [
        SMALL,
        models.CNNConfig(input_size=(32, 32), in_channels=3, num_classes=5),
        models.CNNConfig(conv_blocks=3, filters=(4, 8, 8), dense_width=0, dropout=0.3),
    ],
)
def test_both_models_start_from_the_same_weights(config):
    assert batchnorm.same_initial_weights(config, 7)
    with_bn = models.build_model(replace(config, batch_norm=True), 7).state_dict()
    without = models.build_model(config, 7).state_dict()
    assert set(without) < set(with_bn)
    for name, tensor in without.items():
        assert torch.equal(with_bn[name], tensor), name


# The experiment ---------------------------------------------------------------------------------


def run(data, seed=0, control=None, **settings):
    train, validation = data
    config = TrainConfig(batch_size=32, epochs=2, learning_rate=0.01, optimizer="sgd", seed=seed, **settings)
    experiment = batchnorm.Experiment(SMALL, config, train, validation, control_learning_rate=control)
    experiment.run_steps()
    return experiment


def test_the_runs_advance_in_lockstep_and_record_each_quarter_epoch(data):
    train, validation = data
    config = TrainConfig(batch_size=32, epochs=2, learning_rate=0.01, optimizer="sgd")
    experiment = batchnorm.Experiment(SMALL, config, train, validation, control_learning_rate=0.1)
    assert experiment.record_points() == [0, 1, 2, 3, 4, 5, 6, 7, 8]  # 4 batches an epoch
    assert experiment.run_steps(max_batches=3) == 3
    assert {trainer.batches_done for trainer in experiment.trainers} == {3}
    assert [p.batches for p in experiment.main.statistics_with] == [0, 1, 2, 3]
    experiment.run_steps()
    assert experiment.done and {t.epoch for t in experiment.trainers} == {2}
    assert len(experiment.control.statistics_without) == 9
    assert experiment.control.learning_rate == 0.1
    assert experiment.main.with_bn.model.config.batch_norm
    assert not experiment.main.without.model.config.batch_norm
    assert experiment.main.statistics_with[-1].epoch == 2.0


def test_a_time_limit_stops_after_one_chunk(data):
    train, validation = data
    config = TrainConfig(batch_size=8, epochs=3)
    experiment = batchnorm.Experiment(SMALL, config, train, validation)
    assert experiment.run_steps(max_seconds=0.0) == batchnorm.CHUNK_BATCHES
    experiment.stop()
    assert experiment.done
    assert experiment.run_steps() == 0


def test_the_runs_are_reproducible_for_a_seed(data):
    first, second, other = run(data, seed=4), run(data, seed=4), run(data, seed=5)
    for a, b in zip(first.trainers, second.trainers, strict=True):
        assert a.history == b.history
    assert first.main.statistics_with == second.main.statistics_with
    assert first.main.with_bn.history != other.main.with_bn.history
    # Same seed, same batches: both models of a pair saw the same pictures in the same order.
    pair = first.main
    assert torch.equal(pair.with_bn._shuffle.get_state(), pair.without._shuffle.get_state())


def test_the_experiment_switches_checkpoints_off_and_checks_its_settings(data):
    experiment = run(data)
    assert not experiment.train_config.restore_best_weights and experiment.main.with_bn.events == []
    with pytest.raises(ValueError, match="probe_size must be a whole number >= 1, got 0"):
        batchnorm.Experiment(SMALL, TrainConfig(), *data, probe_size=0)
    with pytest.raises(ValueError, match="MLPConfig"):
        batchnorm.Experiment(models.MLPConfig(), TrainConfig(), *data)
    assert len(batchnorm.probe_batch(data[1], 500)) == len(data[1])


# Sentences from the measurements ------------------------------------------------------------------


def history(val_loss, val_accuracy, train_accuracy=None) -> TrainingHistory:
    train_accuracy = train_accuracy or val_accuracy
    return TrainingHistory(list(val_loss), list(train_accuracy), list(val_loss), list(val_accuracy))


def test_speed_verdict_counts_epochs_to_the_level_both_reach():
    faster = history([0.5, 0.2, 0.1], [0.8, 0.95, 0.97])
    slower = history([2.0, 0.6, 0.3], [0.3, 0.8, 0.9])
    text = batchnorm.speed_verdict(faster, slower)
    assert "reached **0.300**" in text and "after **2 epochs**; without, after **3 epochs**" in text
    assert "batch norm trained faster here" in text and "**80.0%** with batch norm and **30.0%**" in text
    assert "got there first" in batchnorm.speed_verdict(slower, faster)
    assert "no speed-up shows" in batchnorm.speed_verdict(faster, faster)
    assert "diverged" in batchnorm.speed_verdict(faster, history([math.nan] * 3, [0.1] * 3))
    assert "after the first epoch" in batchnorm.speed_verdict(TrainingHistory(), faster)


def test_regularization_verdict_reports_both_gaps_honestly():
    overfit = history([0.3], [0.80], train_accuracy=[0.99])
    less = history([0.3], [0.90], train_accuracy=[0.95])
    assert "a regularizing effect shows" in batchnorm.regularization_verdict(less, overfit)
    text = batchnorm.regularization_verdict(overfit, less)
    assert "gap **19.0 points**" in text and "no regularizing effect shows on this data" in text
    fine = history([0.1], [0.98], train_accuracy=[0.99])
    assert "Neither model overfits much" in batchnorm.regularization_verdict(fine, fine)
    behind = history([0.3], [0.95], train_accuracy=[0.93])
    assert "A negative gap is possible" in batchnorm.regularization_verdict(fine, behind)
    assert "negative" not in batchnorm.regularization_verdict(fine, fine)


def test_stability_verdict_names_the_run_that_broke_down():
    good = history([0.5, 0.3, 0.2], [0.85, 0.9, 0.93])
    stalled = history([2.3, 2.3, 2.3], [0.1, 0.1, 0.1])
    diverged = history([0.9, math.nan, math.nan], [0.6, 0.1, 0.1])
    shaky = history([0.5, 0.9, 0.4], [0.9, 0.7, 0.92])
    text = batchnorm.stability_verdict(good, stalled, 0.1, 10)
    assert "At learning rate **0.1**, after 3 epochs" in text and "**stalled** near chance (10%" in text
    assert "kept training stable" in text
    assert "**with** batch norm broke down" in batchnorm.stability_verdict(diverged, good, 0.1, 10)
    assert "**diverged**" in batchnorm.stability_verdict(diverged, good, 0.1, 10)
    assert "too high even with batch norm" in batchnorm.stability_verdict(stalled, diverged, 1, 10)
    text = batchnorm.stability_verdict(good, shaky, 0.1, 10)
    assert "fell by more than 5 points from one epoch to the next once" in text
    assert "fewer setbacks" in text
    assert "no stability gain shows" in batchnorm.stability_verdict(good, good, 0.1, 10)
    assert "after its first epoch" in batchnorm.stability_verdict(TrainingHistory(), good, 0.1, 10)


def points(stds_before, stds_after=None):
    stats = []
    for index, before in enumerate(stds_before):
        row = [ActivationStats(1, "convolution", 0.0, before)]
        if stds_after is not None:
            row.append(ActivationStats(1, "batch_norm", 0.0, stds_after[index]))
        stats.append(StatisticsPoint(index, index / 4, tuple(row)))
    return stats


def test_spread_verdict_and_spreads():
    with_bn = points([0.3, 0.5, 0.6], [1.0, 1.0, 1.1])
    without = points([0.3, 2.0, 4.0])
    text = batchnorm.spread_verdict(with_bn, without, 1)
    assert "went from **0.30** to **4.00**" in text and "ranged from **1.00** to **1.10**" in text
    rows = batchnorm.spreads(with_bn, without)
    assert (rows[0].label, rows[0].low, rows[0].high) == ("without batch norm: convolution output", 0.3, 4.0)
    assert "not a number" in batchnorm.spread_verdict(with_bn, points([0.3, math.nan]), 1)
    broken = points([0.3, math.nan], [math.nan, math.nan])
    assert "after normalizing, it was **not a number**" in batchnorm.spread_verdict(broken, without, 1)
    assert "stayed at **1.00**" in batchnorm.spread_verdict(points([0.3, 0.4], [1.0, 1.001]), without, 1)
    assert "once training has started" in batchnorm.spread_verdict(with_bn[:1], without[:1], 1)


# Figures ----------------------------------------------------------------------------------------------


def test_statistics_figure_has_a_row_per_block_and_gaps_for_nan(data):
    experiment = run(data)
    figure = batchnorm.statistics_figure(
        experiment.main.statistics_with, experiment.main.statistics_without, epochs=2
    )
    assert len(figure.data) == 2 * 2 * 3  # blocks × (mean, std) × lines
    assert figure.layout.xaxis.range == (0, 2)
    assert "Block 2 · standard deviation" in [a.text for a in figure.layout.annotations]
    broken = points([math.nan, 1.0])
    figure = batchnorm.statistics_figure(broken, broken)
    std_traces = [trace for trace in figure.data if trace.yaxis == "y2"]
    assert [trace.y[0] for trace in std_traces] == [None, None]


def test_channel_histogram_counts_every_value():
    example = batchnorm.normalize_channel(np.random.default_rng(0).normal(3, 2, (4, 5, 5)), 2.0, 1.0)
    figure = batchnorm.channel_histogram(example, bins=10)
    assert [sum(trace.y) for trace in figure.data] == [100, 100]
    with pytest.raises(ValueError, match="bins"):
        batchnorm.channel_histogram(example, bins=0)
