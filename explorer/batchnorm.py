"""The batch-normalization experiment: one CNN trained with and without batch norm, measured.

Two ``Trainer`` runs of the same ``CNNConfig`` (one with ``batch_norm=True``) advance in
lockstep on the same seed, data order and budget. At fixed points of training a probe batch
of validation images goes through each model's convolution blocks and the mean and standard
deviation of every block's values are recorded before batch norm (the convolution's output)
and after it. An optional second pair at a high learning rate is the stability control.
The sentences the page shows are computed here from those measurements.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import plotly.graph_objects as go
import torch
from torch import nn
from torch.nn import functional

from explorer.datasets import ImageDataset
from explorer.figures import BOX_COLORS
from explorer.models import CNNConfig, ConvNet, build_model, to_tensor
from explorer.training import TrainConfig, Trainer, TrainingHistory

__all__ = [
    "COLOURS",
    "POINTS_PER_EPOCH",
    "PROBE_SIZE",
    "STAGES",
    "ActivationStats",
    "BatchNormLayer",
    "ChannelNormalization",
    "Experiment",
    "Pair",
    "Spread",
    "StatisticsPoint",
    "activation_statistics",
    "batch_norm_layers",
    "channel_example",
    "channel_histogram",
    "normalize_channel",
    "probe_batch",
    "regularization_verdict",
    "same_initial_weights",
    "speed_verdict",
    "spread_verdict",
    "spreads",
    "stability_verdict",
    "statistics_figure",
    "torch_difference",
]

Stage = Literal["convolution", "batch_norm"]
# The two places in a block where values are measured.
STAGES: dict[str, str] = {"convolution": "before batch norm", "batch_norm": "after batch norm"}
POINTS_PER_EPOCH = 4  # statistics are recorded this many times per epoch, and at the start
PROBE_SIZE = 128  # validation images in the fixed probe batch: enough values, cheap to run four times
# Each trainer advances this many batches before the clock is checked again: one, so that on a
# busy server (where one batch of four models can take a tenth of a second) a step overshoots little.
CHUNK_BATCHES = 1
# Colours shared by every figure on the page (Okabe–Ito, as the curves use them).
COLOURS = {"with": BOX_COLORS[4], "with_before": BOX_COLORS[1], "without": BOX_COLORS[5]}
# An accuracy drop between two epochs bigger than this counts as a setback in the stability verdict.
SETBACK = 0.05


def _check_whole(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")


# Measuring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivationStats:
    """Mean and standard deviation of one block's values at one stage, over a probe batch.

    Attributes
    ----------
    block : int
        1-based block number.
    stage : {'convolution', 'batch_norm'}
        After the convolution (before batch norm) or after batch norm.
    mean, std : float
        Over every value of the stage's ``(N, C, H, W)`` output; ``std`` is the population
        standard deviation (divided by the count, as batch norm's variance is).
    """

    block: int
    stage: Stage
    mean: float
    std: float


def activation_statistics(
    model: ConvNet, images: np.ndarray, *, normalize_with: Literal["batch", "running"] = "batch"
) -> list[ActivationStats]:
    """Mean and standard deviation before and after batch norm, block by block.

    Parameters
    ----------
    model : ConvNet
    images : (N, H, W, C) or (N, H, W) array_like
        The probe batch, sized as ``model.config`` says.
    normalize_with : {'batch', 'running'}, optional
        ``'batch'``: batch norm divides by this batch's own mean and variance, as it does while
        training; ``'running'``: by its running averages, as in evaluation mode.

    Returns
    -------
    list of ActivationStats
        Per block in order: after the convolution, then after batch norm when the block has one.

    Notes
    -----
    Runs each block's children one by one without gradients and with dropout off; the
    model, its running mean and variance included, is left exactly as it was.
    """
    if not isinstance(model, ConvNet):
        raise TypeError(f"activation statistics need a ConvNet, got {type(model).__name__}")
    if normalize_with not in ("batch", "running"):
        raise ValueError(f"normalize_with must be 'batch' or 'running', got {normalize_with!r}")
    x = to_tensor(images, model.config).permute(0, 3, 1, 2)  # (N, C, H, W)
    was_training = model.training
    model.eval()
    stats = []
    try:
        with torch.no_grad():
            for number, block in enumerate(model.blocks, start=1):
                for part, layer in block.named_children():
                    if part == "batch_norm" and normalize_with == "batch":
                        # Training-mode arithmetic without running averages, so nothing is updated.
                        x = functional.batch_norm(
                            x, None, None, layer.weight, layer.bias, training=True, eps=layer.eps
                        )
                    else:
                        x = layer(x)  # (N, C', H', W')
                    if part in STAGES:
                        values = x.double()
                        mean, std = float(values.mean()), float(values.std(correction=0))
                        stats.append(ActivationStats(number, part, mean, std))
    finally:
        model.train(was_training)
    return stats


@dataclass(frozen=True, eq=False)
class ChannelNormalization:
    """What batch norm computes on one channel of a batch, with every number it uses.

    ``x̂ = (x − μ_batch) / sqrt(σ²_batch + ε)`` and ``y = γ · x̂ + β``.

    Attributes
    ----------
    values : (N, H, W) float64 ndarray
        The channel's values ``x`` over the batch (the convolution's output).
    normalized : (N, H, W) float64 ndarray
        ``x̂``: mean 0 and standard deviation just under 1 (ε keeps it from dividing by 0).
    output : (N, H, W) float64 ndarray
        ``y``: mean ``β`` and standard deviation ``|γ|`` (up to ε).
    batch_mean, batch_variance : float
        ``μ_batch`` and ``σ²_batch`` (population variance, divided by the count).
    epsilon, gamma, beta : float
    running_mean, running_variance : float
        What the layer uses instead of the batch's numbers in evaluation mode (NaN when unknown).
    """

    values: np.ndarray
    normalized: np.ndarray
    output: np.ndarray
    batch_mean: float
    batch_variance: float
    epsilon: float
    gamma: float
    beta: float
    running_mean: float = math.nan
    running_variance: float = math.nan

    @property
    def count(self) -> int:
        """How many values the batch statistics are taken over (N·H·W)."""
        return int(self.values.size)

    @property
    def denominator(self) -> float:
        """``sqrt(σ²_batch + ε)``, what ``x − μ_batch`` is divided by."""
        return math.sqrt(self.batch_variance + self.epsilon)

    def moments(self) -> dict[str, tuple[float, float]]:
        """Mean and standard deviation of ``x``, ``x̂`` and ``y``, keyed ``'x'``, ``'x̂'``, ``'y'``."""
        arrays = {"x": self.values, "x̂": self.normalized, "y": self.output}
        return {name: (float(array.mean()), float(array.std())) for name, array in arrays.items()}


def torch_difference(example: ChannelNormalization) -> float:
    """Largest gap between ``example.output`` and PyTorch's ``BatchNorm2d`` in training mode.

    Parameters
    ----------
    example : ChannelNormalization
        Its values go through a fresh one-channel ``nn.BatchNorm2d`` with the same γ, β and ε.

    Returns
    -------
    float
        ``max |y_formula − y_torch|`` (float64 arithmetic, so about 1e-15).
    """
    x = torch.from_numpy(np.ascontiguousarray(example.values, dtype=np.float64)).reshape(
        example.values.shape[0], 1, -1
    )  # (N, 1, H·W)
    layer = nn.BatchNorm1d(1, eps=example.epsilon, dtype=torch.float64).train()
    with torch.no_grad():
        layer.weight.fill_(example.gamma)
        layer.bias.fill_(example.beta)
        y = layer(x).reshape(example.values.shape)  # (N, H, W)
    return float(np.abs(y.numpy() - example.output).max())


def normalize_channel(
    values: np.ndarray, gamma: float = 1.0, beta: float = 0.0, epsilon: float = 1e-5
) -> ChannelNormalization:
    """Batch norm of one channel in training mode, written out as the formula.

    Parameters
    ----------
    values : (N, H, W) array_like
        One channel over a batch (any shape works; all values are one channel).
    gamma, beta : float, optional
        The learned scale γ and shift β.
    epsilon : float, optional
        ε, added to the variance; PyTorch's and Keras' default is about 1e-5 / 1e-3.

    Returns
    -------
    ChannelNormalization

    Raises
    ------
    ValueError
        When ``values`` is empty or not finite, or ``epsilon`` is not above 0.

    Examples
    --------
    >>> result = normalize_channel(np.array([1.0, 2.0, 3.0, 6.0]), gamma=2.0, beta=0.5, epsilon=0.0001)
    >>> result.batch_mean, result.batch_variance
    (3.0, 3.5)
    >>> round(float(result.output.mean()), 6), round(float(result.output.std()), 4)
    (0.5, 2.0)
    """
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"values must be a non-empty array of finite numbers, got shape {x.shape}")
    if not (isinstance(epsilon, int | float) and epsilon > 0):
        raise ValueError(f"epsilon must be a number above 0, got {epsilon!r}")
    mean = float(x.mean())
    variance = float(x.var())  # population variance, as batch norm uses while training
    normalized = (x - mean) / math.sqrt(variance + epsilon)  # x̂, same shape as x
    output = gamma * normalized + beta  # y
    return ChannelNormalization(x, normalized, output, mean, variance, float(epsilon), gamma, beta)


def _batch_norm_of(block: nn.Sequential, number: int) -> nn.BatchNorm2d:
    layer = dict(block.named_children()).get("batch_norm")
    if not isinstance(layer, nn.BatchNorm2d):
        raise ValueError(f"block {number} has no batch norm")
    return layer


def channel_example(model: ConvNet, images: np.ndarray, block: int, channel: int) -> ChannelNormalization:
    """Batch norm worked through on one real channel of a batch of images.

    Parameters
    ----------
    model : ConvNet
        A model built with ``batch_norm=True``.
    images : (N, H, W, C) or (N, H, W) array_like
        The batch, sized as ``model.config`` says.
    block : int
        1-based block number.
    channel : int
        0-based channel of that block's convolution output.

    Returns
    -------
    ChannelNormalization
        The convolution's output for that channel, normalized with the batch's own mean and
        variance (as in training) and the layer's γ, β and ε, with its running mean and variance.

    Raises
    ------
    ValueError
        When the block or channel does not exist, or the block has no batch norm.

    Notes
    -----
    The blocks before ``block`` run in evaluation mode (as at validation); the model is left
    unchanged, its running statistics included.
    """
    if not isinstance(model, ConvNet):
        raise TypeError(f"a channel example needs a ConvNet, got {type(model).__name__}")
    blocks = len(model.blocks)
    if isinstance(block, bool) or not isinstance(block, int) or not 1 <= block <= blocks:
        raise ValueError(f"block must be a whole number from 1 to {blocks}, got {block!r}")
    layer = _batch_norm_of(model.blocks[block - 1], block)
    channels = layer.num_features
    if isinstance(channel, bool) or not isinstance(channel, int) or not 0 <= channel < channels:
        raise ValueError(f"channel must be a whole number from 0 to {channels - 1}, got {channel!r}")
    x = to_tensor(images, model.config).permute(0, 3, 1, 2)  # (N, C, H, W)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for earlier in model.blocks[: block - 1]:
                x = earlier(x)  # (N, C', H', W')
            x = model.blocks[block - 1].convolution(x)  # (N, channels, H', W')
    finally:
        model.train(was_training)
    result = normalize_channel(
        x[:, channel].double().numpy(),  # (N, H', W')
        float(layer.weight.detach()[channel]),
        float(layer.bias.detach()[channel]),
        float(layer.eps),
    )
    return replace(
        result,
        running_mean=float(layer.running_mean[channel]),
        running_variance=float(layer.running_var[channel]),
    )


@dataclass(frozen=True, eq=False)
class BatchNormLayer:
    """One batch-norm layer's numbers, and which of them gradient descent trains.

    Attributes
    ----------
    block : int
        1-based block number.
    gamma, beta : (C,) float32 ndarray
        The scale γ and shift β: parameters, trained by gradient descent (start 1 and 0).
    running_mean, running_variance : (C,) float32 ndarray
        Buffers, not trained: updated while training as a moving average of each batch's
        mean and variance, and used instead of them in evaluation mode (start 0 and 1).
    trainable, non_trainable : int
        Counted from the module: numbers in its parameters that require gradients, and numbers
        in its running mean and variance (the ``num_batches_tracked`` counter is not counted).
    """

    block: int
    gamma: np.ndarray
    beta: np.ndarray
    running_mean: np.ndarray
    running_variance: np.ndarray
    trainable: int
    non_trainable: int


def batch_norm_layers(model: ConvNet) -> list[BatchNormLayer]:
    """Every batch-norm layer of a CNN, with its numbers and its parameter counts.

    Parameters
    ----------
    model : ConvNet

    Returns
    -------
    list of BatchNormLayer
        One per block that has batch norm (empty without batch norm).
    """
    if not isinstance(model, ConvNet):
        raise TypeError(f"batch-norm layers need a ConvNet, got {type(model).__name__}")
    layers = []
    for number, block in enumerate(model.blocks, start=1):
        layer = dict(block.named_children()).get("batch_norm")
        if not isinstance(layer, nn.BatchNorm2d):
            continue
        trainable = sum(p.numel() for p in layer.parameters() if p.requires_grad)
        non_trainable = layer.running_mean.numel() + layer.running_var.numel()
        layers.append(
            BatchNormLayer(
                number,
                layer.weight.detach().numpy().copy(),
                layer.bias.detach().numpy().copy(),
                layer.running_mean.numpy().copy(),
                layer.running_var.numpy().copy(),
                trainable,
                non_trainable,
            )
        )
    return layers


def probe_batch(validation: ImageDataset, size: int = PROBE_SIZE) -> np.ndarray:
    """The fixed probe pictures: ``size`` validation images picked with seed 0, in set order.

    Returns
    -------
    (P, H, W, C) float32 ndarray
        ``P = min(size, len(validation))``.
    """
    _check_whole("size", size, 1)
    picks = sorted(validation.sample(min(size, len(validation)), seed=0))
    return validation.images[picks]  # (P, H, W, C)


def same_initial_weights(config: CNNConfig, seed: int) -> bool:
    """Whether the models with and without batch norm start from identical weights.

    ``build_model`` draws the random weights in construction order; a ``BatchNorm2d`` draws
    nothing (γ = 1, β = 0), so every convolution and dense layer gets the same numbers.

    Parameters
    ----------
    config : CNNConfig
        Its ``batch_norm`` setting is ignored.
    seed : int

    Returns
    -------
    bool
        True when every tensor the model without batch norm has is equal in the other one.
    """
    with_bn = build_model(replace(config, batch_norm=True), seed).state_dict()
    without = build_model(replace(config, batch_norm=False), seed).state_dict()
    return all(name in with_bn and torch.equal(with_bn[name], tensor) for name, tensor in without.items())


# Running the two models side by side ---------------------------------------------------------


@dataclass(frozen=True)
class StatisticsPoint:
    """The probe statistics of one model at one moment of training.

    Attributes
    ----------
    batches : int
        Batches trained so far.
    epoch : float
        ``batches`` in epochs (0.25 is a quarter of the way through the first epoch).
    stats : tuple of ActivationStats
    """

    batches: int
    epoch: float
    stats: tuple[ActivationStats, ...]

    def get(self, block: int, stage: Stage) -> ActivationStats | None:
        """The statistics of ``block`` at ``stage``, or None when the model has no such stage."""
        return next((s for s in self.stats if s.block == block and s.stage == stage), None)


@dataclass
class Pair:
    """The two runs of one comparison: with and without batch norm, and their probe statistics."""

    learning_rate: float
    with_bn: Trainer
    without: Trainer
    statistics_with: list[StatisticsPoint] = field(default_factory=list)
    statistics_without: list[StatisticsPoint] = field(default_factory=list)

    @property
    def trainers(self) -> tuple[Trainer, Trainer]:
        return self.with_bn, self.without


class Experiment:
    """The same CNN with and without batch norm, trained in lockstep, with probe statistics.

    Parameters
    ----------
    model_config : CNNConfig
        The network; its ``batch_norm`` setting is replaced by True and False.
    train_config : TrainConfig
        Shared by both runs: the same seed gives the same initial weights (see
        :func:`same_initial_weights`), the same order of batches and the same budget.
        Checkpoints and restoring the best weights are switched off, so each model stays
        what training made it.
    train, validation : ImageDataset
    control_learning_rate : float or None, optional
        When given, a second pair with this learning rate (and everything else the same):
        the stability control.
    probe_size : int, optional
        Validation images in the fixed probe batch (fewer if the set is smaller).
    points_per_epoch : int, optional
        How often per epoch the probe statistics are recorded (also at batch 0).

    Raises
    ------
    ValueError
        For a bad setting or data that does not fit the model.
    """

    def __init__(
        self,
        model_config: CNNConfig,
        train_config: TrainConfig,
        train: ImageDataset,
        validation: ImageDataset,
        *,
        control_learning_rate: float | None = None,
        probe_size: int = PROBE_SIZE,
        points_per_epoch: int = POINTS_PER_EPOCH,
    ) -> None:
        if not isinstance(model_config, CNNConfig):
            raise ValueError(f"model_config must be a CNNConfig, got {type(model_config).__name__}")
        _check_whole("probe_size", probe_size, 1)
        _check_whole("points_per_epoch", points_per_epoch, 1)
        settings = replace(train_config, checkpoint_best=False, restore_best_weights=False)
        self.model_config = replace(model_config, batch_norm=False)
        self.train_config = settings
        self.main = self._pair(settings, train, validation)
        self.control = None
        if control_learning_rate is not None:
            control = replace(settings, learning_rate=control_learning_rate)
            self.control = self._pair(control, train, validation)
        self.probe = probe_batch(validation, probe_size)  # (P, H, W, C)
        self.points_per_epoch = points_per_epoch
        self._points = self._record_points()
        self._point_set = set(self._points)
        self._record()

    def _pair(self, settings: TrainConfig, train: ImageDataset, validation: ImageDataset) -> Pair:
        with_bn = Trainer(replace(self.model_config, batch_norm=True), settings, train, validation)
        without = Trainer(self.model_config, settings, train, validation)
        return Pair(float(settings.learning_rate), with_bn, without)

    @property
    def pairs(self) -> list[Pair]:
        return [self.main] + ([self.control] if self.control is not None else [])

    @property
    def trainers(self) -> list[Trainer]:
        return [trainer for pair in self.pairs for trainer in pair.trainers]

    @property
    def batches_done(self) -> int:
        """Batches each run has trained (they advance together)."""
        return self.main.with_bn.batches_done

    @property
    def done(self) -> bool:
        return all(trainer.done for trainer in self.trainers)

    @property
    def progress(self) -> float:
        return self.main.with_bn.progress

    def record_points(self) -> list[int]:
        """Batch counts at which the statistics are recorded, 0 first."""
        return list(self._points)

    def _record_points(self) -> list[int]:
        per_epoch = self.main.with_bn.batches_per_epoch
        inside = sorted(
            {math.ceil(k * per_epoch / self.points_per_epoch) for k in range(1, self.points_per_epoch + 1)}
        )
        return [0] + [
            epoch * per_epoch + point for epoch in range(self.train_config.epochs) for point in inside
        ]

    def _next_point(self) -> int:
        done = self.batches_done
        return next((point for point in self._points if point > done), done + 1)

    def run_steps(self, max_seconds: float | None = None, max_batches: int | None = None) -> int:
        """Train every run the same number of batches, recording statistics on the way.

        Parameters
        ----------
        max_seconds : float or None, optional
            Stop after the first chunk (at most ``CHUNK_BATCHES`` batches per run) that ends
            past this time; at least one chunk runs. None for no limit.
        max_batches : int or None, optional
            Stop after this many batches per run. None for no limit.

        Returns
        -------
        int
            Batches each run trained in this call.
        """
        if max_batches is not None:
            _check_whole("max_batches", max_batches, 1)
        start = time.perf_counter()
        trained = 0
        while not self.done:
            chunk = min(CHUNK_BATCHES, self._next_point() - self.batches_done)
            if max_batches is not None:
                chunk = min(chunk, max_batches - trained)
            for trainer in self.trainers:
                trainer.run_steps(chunk)
            trained += chunk
            if self.batches_done in self._point_set:
                self._record()
            if max_batches is not None and trained >= max_batches:
                break
            if max_seconds is not None and time.perf_counter() - start >= max_seconds:
                break
        return trained

    def stop(self) -> None:
        """End every run now; later steps do nothing."""
        for trainer in self.trainers:
            trainer.stop()

    def _record(self) -> None:
        per_epoch = self.main.with_bn.batches_per_epoch
        batches = self.batches_done
        for pair in self.pairs:
            for trainer, points in (
                (pair.with_bn, pair.statistics_with),
                (pair.without, pair.statistics_without),
            ):
                if points and points[-1].batches == batches:
                    continue
                stats = tuple(activation_statistics(trainer.model, self.probe))
                points.append(StatisticsPoint(batches, batches / per_epoch, stats))


# Sentences computed from the measurements ------------------------------------------------------


def _finite(values: list[float]) -> list[float]:
    return [value for value in values if math.isfinite(value)]


def _first_epoch_at_most(values: list[float], level: float) -> int | None:
    return next((epoch for epoch, value in enumerate(values, start=1) if value <= level), None)


def _times(count: int) -> str:
    return "once" if count == 1 else "twice" if count == 2 else f"{count} times"


def _epochs(count: int) -> str:
    return f"{count} epoch{'s' if count != 1 else ''}"


def speed_verdict(with_bn: TrainingHistory, without: TrainingHistory) -> str:
    """The notes' "faster training", measured: the epochs each run needed to reach the same loss.

    The level is the lowest validation loss both runs reached (the higher of their two best
    losses); each run's count is the first epoch at or below it.

    Parameters
    ----------
    with_bn, without : TrainingHistory
        The two runs, compared over the epochs both have finished.

    Returns
    -------
    str
        Markdown, one or two sentences with the numbers.
    """
    epochs = min(with_bn.epochs, without.epochs)
    if epochs == 0:
        return "The comparison of speed appears after the first epoch."
    losses_with, losses_without = with_bn.val_loss[:epochs], without.val_loss[:epochs]
    best_with, best_without = _finite(losses_with), _finite(losses_without)
    if not best_with or not best_without:
        broken = "with" if not best_with else "without"
        return (
            f"The run {broken} batch norm has no finite validation loss: it diverged, so no speed to compare."
        )
    level = max(min(best_with), min(best_without))
    n_with, n_without = _first_epoch_at_most(losses_with, level), _first_epoch_at_most(losses_without, level)
    first = (
        f"After epoch 1 the validation accuracy was **{with_bn.val_accuracy[0]:.1%}** with batch norm and "
        f"**{without.val_accuracy[0]:.1%}** without."
    )
    reached = (
        f"With batch norm the validation loss reached **{level:.3f}** (the lowest level both runs reached) "
        f"after **{_epochs(n_with)}**; without, after **{_epochs(n_without)}**"
    )
    if n_with < n_without:
        verdict = ": batch norm trained faster here."
    elif n_with > n_without:
        verdict = ": here the run **without** batch norm got there first, so no speed-up shows."
    else:
        verdict = ": the same, so no speed-up shows here."
    return f"{first} {reached}{verdict}"


def regularization_verdict(with_bn: TrainingHistory, without: TrainingHistory) -> str:
    """The notes' "regularization", measured: the gap between training and validation accuracy.

    Parameters
    ----------
    with_bn, without : TrainingHistory
        Compared at the last epoch both have finished.

    Returns
    -------
    str
        Markdown with both gaps and what they show.

    Notes
    -----
    A regularizer narrows the gap between how well a model does on the pictures it trains on
    and on new ones. When neither gap is more than 2 points there is little overfitting to
    reduce, and the verdict says so rather than crediting batch norm.
    """
    epochs = min(with_bn.epochs, without.epochs)
    if epochs == 0:
        return "The comparison of overfitting appears after the first epoch."
    gaps = []
    parts = []
    for name, history in (("with batch norm", with_bn), ("without", without)):
        train, validation = history.train_accuracy[epochs - 1], history.val_accuracy[epochs - 1]
        gaps.append(train - validation)
        parts.append(
            f"{name} training accuracy {train:.1%} and validation {validation:.1%} "
            f"(gap **{100 * (train - validation):.1f} points**)"
        )
    gap_with, gap_without = gaps
    numbers = f"After {_epochs(epochs)}: {parts[0]}; {parts[1]}."
    if max(gap_with, gap_without) <= 0.02:
        verdict = (
            "Neither model overfits much here, so there is little for a regularizer to do: "
            "no regularizing effect shows."
        )
    elif gap_with < gap_without - 0.005:
        verdict = "The gap is smaller with batch norm: a regularizing effect shows here."
    else:
        verdict = "The gap is not smaller with batch norm: no regularizing effect shows on this data."
    if min(gap_with, gap_without) < 0:
        verdict += (
            " (A negative gap is possible: training accuracy is averaged over the epoch while the "
            "model is still improving, validation accuracy is measured at its end.)"
        )
    return f"{numbers} {verdict}"


@dataclass(frozen=True)
class Spread:
    """How one stage's standard deviation moved through training, over the recorded points.

    Attributes
    ----------
    block : int
    label : str
        Which model and stage, in words.
    start, end, low, high : float
        The first, the last, the smallest and the largest standard deviation recorded
        (NaN when none is finite).
    """

    block: int
    label: str
    start: float
    end: float
    low: float
    high: float


def _spread(points: list[StatisticsPoint], block: int, stage: Stage, label: str) -> Spread | None:
    stds = [s.std for p in points if (s := p.get(block, stage)) is not None]
    if not stds:
        return None
    finite = _finite(stds) or [math.nan]
    return Spread(block, label, stds[0], stds[-1], min(finite), max(finite))


def spreads(with_bn: list[StatisticsPoint], without: list[StatisticsPoint]) -> list[Spread]:
    """Each block's spread through training: without batch norm, and with it before and after.

    Parameters
    ----------
    with_bn, without : list of StatisticsPoint
        The two runs' probe statistics.

    Returns
    -------
    list of Spread
        Per block: the model without batch norm (its convolution output), then the model with
        batch norm before and after normalizing.
    """
    blocks = max((s.block for p in with_bn + without for s in p.stats), default=0)
    rows = []
    for block in range(1, blocks + 1):
        for points, stage, label in (
            (without, "convolution", "without batch norm: convolution output"),
            (with_bn, "convolution", "with batch norm: before normalizing"),
            (with_bn, "batch_norm", "with batch norm: after normalizing"),
        ):
            spread = _spread(points, block, stage, label)
            if spread is not None:
                rows.append(spread)
    return rows


def spread_verdict(with_bn: list[StatisticsPoint], without: list[StatisticsPoint], block: int) -> str:
    """The notes' "stability" inside the network: how far one block's spread moved in training.

    Parameters
    ----------
    with_bn, without : list of StatisticsPoint
        The two runs' probe statistics.
    block : int
        1-based block to describe.

    Returns
    -------
    str
        Markdown: the standard deviation of the block's convolution output without batch norm
        at the start and now, and the range of the values after batch norm with it.
    """
    plain = _spread(without, block, "convolution", "")
    after = _spread(with_bn, block, "batch_norm", "")
    if plain is None or after is None or len(with_bn) < 2 or len(without) < 2:
        return "The spread of the values is compared once training has started."
    if not math.isfinite(plain.end):
        change = "became **not a number** (the run diverged)"
    else:
        change = f"went from **{plain.start:.2f}** to **{plain.end:.2f}** (at most {plain.high:.2f})"
    return (
        f"Block {block}: without batch norm the spread (standard deviation) of the convolution output "
        f"{change}; with batch norm, after normalizing, it {_between(after.low, after.high)}."
    )


def _between(low: float, high: float) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return "was **not a number** (the run diverged)"
    if f"{low:.2f}" == f"{high:.2f}":
        return f"stayed at **{low:.2f}**"
    return f"ranged from **{low:.2f}** to **{high:.2f}**"


@dataclass(frozen=True)
class _RunOutcome:
    """How one control run went, over the epochs compared."""

    last: float  # validation accuracy at the last epoch
    best: float
    diverged: bool  # a loss that is not a number
    stalled: bool  # last validation accuracy below 1.5 times chance
    setbacks: int  # epochs whose validation accuracy fell by more than SETBACK

    @property
    def failed(self) -> bool:
        return self.diverged or self.stalled


def _outcome(history: TrainingHistory, epochs: int, num_classes: int) -> _RunOutcome:
    accuracy = history.val_accuracy[:epochs]
    losses = history.val_loss[:epochs] + history.train_loss[:epochs]
    return _RunOutcome(
        last=accuracy[-1],
        best=max(accuracy),
        diverged=not all(math.isfinite(loss) for loss in losses),
        stalled=accuracy[-1] < 1.5 / num_classes,
        setbacks=sum(1 for before, after in itertools.pairwise(accuracy) if before - after > SETBACK),
    )


def _describe(name: str, outcome: _RunOutcome, num_classes: int) -> str:
    text = f"{name} the validation accuracy ended at **{outcome.last:.1%}** (best {outcome.best:.1%})"
    if outcome.diverged:
        text += " and the loss **diverged** (not a number)"
    elif outcome.stalled:
        text += f", **stalled** near chance ({1 / num_classes:.0%} for {num_classes} classes)"
    if outcome.setbacks:
        text += (
            f"; it fell by more than {100 * SETBACK:.0f} points from one epoch to the next "
            f"{_times(outcome.setbacks)}"
        )
    return text


def _both_trained(bn: _RunOutcome, plain: _RunOutcome) -> str:
    """The verdict when neither control run broke down: best accuracy, then setbacks."""
    difference = bn.best - plain.best
    if difference > 0.02:
        verdict = "Both trained; batch norm reached the higher best accuracy"
    elif difference < -0.02:
        verdict = "Both trained; the run without batch norm reached the higher best accuracy"
    else:
        verdict = "Both trained to about the same best accuracy"
    if plain.setbacks > bn.setbacks:
        return verdict + ", and with batch norm there were fewer setbacks."
    if bn.setbacks > plain.setbacks:
        return verdict + ", but with batch norm there were more setbacks."
    if abs(difference) <= 0.02:
        return verdict + ", with as many setbacks: no stability gain shows at this rate; try a higher one."
    return verdict + "."


def stability_verdict(
    with_bn: TrainingHistory, without: TrainingHistory, learning_rate: float, num_classes: int
) -> str:
    """The stability control, measured: did each run train at a high learning rate?

    A run has failed when a loss is not finite (diverged) or its last validation accuracy is
    below 1.5 times chance (``1.5 / num_classes``: stalled). A setback is an epoch whose
    validation accuracy fell by more than 5 points.

    Parameters
    ----------
    with_bn, without : TrainingHistory
        The control runs, compared over the epochs both have finished.
    learning_rate : float
    num_classes : int

    Returns
    -------
    str
        Markdown with each run's final and best validation accuracy and the verdict.
    """
    _check_whole("num_classes", num_classes, 2)
    epochs = min(with_bn.epochs, without.epochs)
    if epochs == 0:
        return f"The control at learning rate {learning_rate:g} is judged after its first epoch."
    bn, plain = _outcome(with_bn, epochs, num_classes), _outcome(without, epochs, num_classes)
    sentence = (
        f"At learning rate **{learning_rate:g}**, after {_epochs(epochs)}: "
        f"{_describe('with batch norm', bn, num_classes)}; "
        f"{_describe('without batch norm', plain, num_classes)}."
    )
    if plain.failed and not bn.failed:
        verdict = "Batch norm kept training stable where the plain network broke down."
    elif bn.failed and not plain.failed:
        verdict = (
            "Here it is the other way round: the run **with** batch norm broke down, so batch norm "
            "did not make this rate safe."
        )
    elif bn.failed and plain.failed:
        verdict = "Both runs broke down: this rate is too high even with batch norm."
    else:
        verdict = _both_trained(bn, plain)
    return f"{sentence} {verdict}"


# Figures ------------------------------------------------------------------------------------


def statistics_figure(
    with_bn: list[StatisticsPoint],
    without: list[StatisticsPoint],
    *,
    epochs: int | None = None,
    height_per_block: int = 230,
) -> go.Figure:
    """Mean (left) and standard deviation (right) of every block's values through training.

    Parameters
    ----------
    with_bn, without : list of StatisticsPoint
        The two runs' probe statistics.
    epochs : int or None, optional
        The planned number of epochs, to fix the x axis (so the lines grow across it).
    height_per_block : int, optional
        Pixels per row of panels.

    Returns
    -------
    go.Figure
        One row per block; lines for the model with batch norm before (dotted) and after
        (solid) normalizing, and for the model without batch norm (its convolution output).
    """
    blocks = max((s.block for p in with_bn + without for s in p.stats), default=1)
    lines = [
        ("with batch norm: before normalizing", with_bn, "convolution", COLOURS["with_before"], "dot"),
        ("with batch norm: after normalizing", with_bn, "batch_norm", COLOURS["with"], "solid"),
        ("without batch norm: convolution output", without, "convolution", COLOURS["without"], "solid"),
    ]
    gap = 0.12 / max(blocks - 1, 1) if blocks > 1 else 0.0
    row_height = (1.0 - gap * (blocks - 1)) / blocks
    traces, layout, annotations = [], {}, []
    for block in range(1, blocks + 1):
        top = 1.0 - (block - 1) * (row_height + gap)
        domain_y = [max(0.0, top - row_height), top]
        for column, (quantity, title) in enumerate((("mean", "mean"), ("std", "standard deviation"))):
            index = (block - 1) * 2 + column + 1
            suffix = "" if index == 1 else str(index)
            layout[f"xaxis{suffix}"] = {
                "domain": [0.0, 0.46] if column == 0 else [0.54, 1.0],
                "anchor": f"y{suffix}",
                "title": {"text": "epoch"} if block == blocks else None,
                "rangemode": "tozero",
                "zeroline": False,
                **({"range": [0, epochs]} if epochs else {}),
            }
            layout[f"yaxis{suffix}"] = {
                "domain": domain_y,
                "anchor": f"x{suffix}",
                "rangemode": "tozero" if quantity == "std" else "normal",
            }
            annotations.append(
                {
                    "text": f"Block {block} · {title}",
                    "x": 0.23 if column == 0 else 0.77,
                    "y": top,
                    "xref": "paper",
                    "yref": "paper",
                    "xanchor": "center",
                    "yanchor": "bottom",
                    "showarrow": False,
                    "font": {"size": 14},
                }
            )
            for name, points, stage, colour, dash in lines:
                xs, ys = [], []
                for point in points:
                    stats = point.get(block, stage)
                    if stats is not None:
                        xs.append(point.epoch)
                        value = getattr(stats, quantity)
                        ys.append(value if math.isfinite(value) else None)
                if not xs:
                    continue
                traces.append(
                    {
                        "type": "scatter",
                        "x": xs,
                        "y": ys,
                        "mode": "lines",
                        "name": name,
                        "legendgroup": name,
                        "showlegend": index == 1,
                        "line": {"color": colour, "dash": dash, "width": 3 if dash == "solid" else 2},
                        "xaxis": f"x{suffix}",
                        "yaxis": f"y{suffix}",
                    }
                )
    layout.update(
        {
            "height": height_per_block * blocks + 110,
            "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
            "legend": {"orientation": "h", "y": -0.12 if blocks > 1 else -0.3},
            "uirevision": "statistics",
            "annotations": annotations,
        }
    )
    return go.Figure({"data": traces, "layout": layout}, skip_invalid=False, _validate=False)


def channel_histogram(example: ChannelNormalization, *, bins: int = 40, height: int = 320) -> go.Figure:
    """The channel's values before batch norm (left) and after it (right), each on its own scale.

    Parameters
    ----------
    example : ChannelNormalization
    bins : int, optional
        Bars per histogram.
    height : int, optional

    Returns
    -------
    go.Figure
        Two histograms with the mean and standard deviation in their titles: the shape stays,
        only the position and the scale change.
    """
    _check_whole("bins", bins, 1)
    moments = example.moments()
    traces, annotations, layout = [], [], {}
    panels = (
        ("x", "before: x", example.values, COLOURS["with_before"], [0.0, 0.46]),
        ("y", "after: y = γ·x̂ + β", example.output, COLOURS["with"], [0.54, 1.0]),
    )
    for index, (key, name, values, colour, domain) in enumerate(panels, start=1):
        counts, edges = np.histogram(values.ravel(), bins=bins)  # (bins,), (bins + 1,)
        suffix = "" if index == 1 else str(index)
        traces.append(
            {
                "type": "bar",
                "x": ((edges[:-1] + edges[1:]) / 2).tolist(),
                "y": counts.tolist(),
                "width": float(edges[1] - edges[0]) if edges[1] > edges[0] else 1.0,
                "name": name,
                "showlegend": False,
                "marker": {"color": colour},
                "xaxis": f"x{suffix}",
                "yaxis": f"y{suffix}",
            }
        )
        layout[f"xaxis{suffix}"] = {"domain": domain, "anchor": f"y{suffix}", "title": {"text": "value"}}
        layout[f"yaxis{suffix}"] = {
            "anchor": f"x{suffix}",
            "title": {"text": "how many" if index == 1 else ""},
        }
        mean, std = moments[key]
        annotations.append(
            {
                "text": f"{name}<br>mean {mean:.3f}, spread {std:.3f}",
                "x": sum(domain) / 2,
                "y": 1.0,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 14},
            }
        )
    layout.update(
        {
            "height": height,
            "bargap": 0.05,
            "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
            "annotations": annotations,
        }
    )
    return go.Figure({"data": traces, "layout": layout}, skip_invalid=False, _validate=False)
