"""A resumable trainer for the live-training page: bounded steps, Keras-style callbacks, saving.

A ``Trainer`` holds everything a run needs — model, optimizer, shuffling generator, the
position inside the epoch, the curves — so a page can keep it in session state and call
``run_steps`` a few batches at a time; pausing is simply not calling it. The same seed gives
the same run, batch for batch, however the steps are chunked.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import safetensors.torch
import torch
from safetensors import SafetensorError
from torch import nn
from torch.nn import functional

from explorer.augment import AugmentConfig, augment_batch
from explorer.datasets import ImageDataset
from explorer.models import (
    CNNConfig,
    ConvNet,
    MLPConfig,
    MultiLayerPerceptron,
    build_model,
    config_from_json,
    first_layer_filters,
    summary,
    summary_totals,
    to_tensor,
)

__all__ = [
    "OPTIMIZERS",
    "Diagnosis",
    "Mistakes",
    "StepReport",
    "TrainConfig",
    "Trainer",
    "TrainingHistory",
    "class_probabilities",
    "diagnose",
    "load",
]

OPTIMIZERS: dict[str, str] = {"adam": "Adam", "sgd": "SGD with momentum 0.9"}
SGD_MOMENTUM = 0.9
# Validation and prediction run in chunks of this many images so memory stays bounded.
EVAL_CHUNK = 512
# diagnose's defaults: the accuracy gap that counts as overfitting, and the level below which both are low.
OVERFIT_GAP = 0.1
LOW_ACCURACY = 0.6

Model = ConvNet | MultiLayerPerceptron
StopReason = Literal["finished", "early_stopping", "stopped"]


def _check_whole(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")


def _check_number(name: str, value: object, minimum: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be a finite number >= {minimum}, got {value!r}")


def _check_flag(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")


@dataclass(frozen=True)
class TrainConfig:
    """How to train, checked as it is made.

    Raises
    ------
    ValueError
        For any value out of range, naming the setting and the value.

    Notes
    -----
    Early stopping, the best-weights checkpoint and ``restore_best_weights`` all watch the
    validation loss, as Keras' ``EarlyStopping`` and ``ModelCheckpoint`` do by default.
    """

    batch_size: int = 64  # images per gradient step; the last batch of an epoch may be smaller
    epochs: int = 5
    learning_rate: float = 1e-3  # 0 is allowed (nothing changes), useful to demonstrate early stopping
    optimizer: Literal["adam", "sgd"] = "adam"  # 'sgd' uses momentum 0.9
    seed: int = 0  # initial weights, shuffling and dropout
    early_stopping: bool = False  # stop when val_loss has not improved for `patience` epochs
    patience: int = 3  # epochs without improvement before stopping
    min_delta: float = 0.0  # an improvement must lower val_loss by more than this
    restore_best_weights: bool = True  # at the end of training, go back to the best epoch's weights
    checkpoint_best: bool = True  # keep the best weights and log "val_loss improved ..." events
    augment: AugmentConfig = field(default_factory=AugmentConfig)  # training batches only, on the fly

    def __post_init__(self) -> None:
        _check_whole("batch_size", self.batch_size, 1)
        _check_whole("epochs", self.epochs, 1)
        _check_number("learning_rate", self.learning_rate, 0.0)
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {self.optimizer!r}")
        _check_whole("seed", self.seed, 0)
        _check_flag("early_stopping", self.early_stopping)
        _check_whole("patience", self.patience, 0)
        _check_number("min_delta", self.min_delta, 0.0)
        _check_flag("restore_best_weights", self.restore_best_weights)
        _check_flag("checkpoint_best", self.checkpoint_best)
        if not isinstance(self.augment, AugmentConfig):
            raise ValueError(f"augment must be an AugmentConfig, got {type(self.augment).__name__}")


@dataclass
class TrainingHistory:
    """The curves, one entry per finished epoch.

    Attributes
    ----------
    train_loss, train_accuracy : list of float
        Averaged over the epoch's batches as they were trained (the model changes during the
        epoch), weighted by batch size, as Keras reports them.
    val_loss, val_accuracy : list of float
        On the whole validation set at the end of the epoch, in evaluation mode.
    """

    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """Number of finished epochs."""
        return len(self.val_loss)


@dataclass(frozen=True)
class StepReport:
    """What one ``Trainer.run_steps`` call did.

    Attributes
    ----------
    batches : int
        Batches trained in this call.
    samples : int
        Images trained on in this call.
    seconds : float
        Wall time of the call, validation included.
    samples_per_second : float
        Training speed, validation excluded (0 when nothing was trained).
    epochs_finished : tuple of int
        1-based numbers of the epochs that ended (and were validated) in this call.
    done : bool
        Whether training is over (all epochs, early stopping, or ``stop()``).
    """

    batches: int
    samples: int
    seconds: float
    samples_per_second: float
    epochs_finished: tuple[int, ...]
    done: bool

    @property
    def epoch_finished(self) -> bool:
        """True when at least one epoch ended in this call."""
        return bool(self.epochs_finished)


@dataclass(frozen=True)
class Diagnosis:
    """A verdict on the curves and a sentence explaining it with the numbers.

    Attributes
    ----------
    verdict : {'overfitting', 'underfitting', 'fine', 'unknown'}
        ``'unknown'`` before the first epoch has finished.
    message : str
    """

    verdict: Literal["overfitting", "underfitting", "fine", "unknown"]
    message: str


@dataclass(frozen=True, eq=False)
class Mistakes:
    """Validation images the model got wrong, most confident first.

    Attributes
    ----------
    indices : (k,) int64 ndarray
        Positions in the validation set.
    true, predicted : (k,) int64 ndarray
        Labels.
    confidence : (k,) float32 ndarray
        Probability the model gave its (wrong) prediction.
    """

    indices: np.ndarray
    true: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray

    def __len__(self) -> int:
        return int(self.indices.shape[0])


def diagnose(history: TrainingHistory, *, gap: float = OVERFIT_GAP, low: float = LOW_ACCURACY) -> Diagnosis:
    """Read the last epoch's accuracies the way the notes do.

    Parameters
    ----------
    history : TrainingHistory
    gap : float, optional
        Training accuracy more than this above validation accuracy means overfitting.
    low : float, optional
        Both accuracies below this means underfitting.

    Returns
    -------
    Diagnosis

    Notes
    -----
    Underfitting is checked first: when even the training accuracy is low, the model has not
    learned the training set, and a gap to validation says little.
    """
    if history.epochs == 0:
        return Diagnosis("unknown", "No epoch has finished yet, so there is nothing to judge.")
    train, validation = history.train_accuracy[-1], history.val_accuracy[-1]
    numbers = f"training accuracy {train:.1%}, validation accuracy {validation:.1%}"
    if train < low and validation < low:
        return Diagnosis(
            "underfitting",
            f"Underfitting: both accuracies are below {low:.0%} ({numbers}). Train longer, raise the "
            "learning rate or use a bigger model.",
        )
    if train - validation > gap:
        return Diagnosis(
            "overfitting",
            f"Overfitting: training accuracy is {train - validation:.1%} above validation ({numbers}). "
            "Try dropout, more data, augmentation or early stopping.",
        )
    return Diagnosis("fine", f"Looks fine: {numbers}.")


def _state_copy(model: nn.Module) -> dict[str, torch.Tensor]:
    """A detached copy of every parameter and buffer, safe from later training steps."""
    return {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}


def _check_dataset(name: str, dataset: ImageDataset, config: CNNConfig | MLPConfig) -> None:
    if not isinstance(dataset, ImageDataset):
        raise ValueError(f"{name} must be an ImageDataset, got {type(dataset).__name__}")
    if len(dataset) == 0:
        raise ValueError(f"{name} holds no images")
    expected = (*config.input_size, config.in_channels)
    if dataset.images.shape[1:] != expected:
        raise ValueError(
            f"{name} images are {dataset.images.shape[1:]} (H, W, C) but the model takes {expected}"
        )
    if len(dataset.class_names) != config.num_classes:
        raise ValueError(
            f"{name} has {len(dataset.class_names)} classes but the model has "
            f"num_classes={config.num_classes}"
        )


class Trainer:
    """A training run that advances in bounded steps and can be paused between them.

    Parameters
    ----------
    model_config : CNNConfig or MLPConfig
    train_config : TrainConfig
    train, validation : ImageDataset
        Images ``(N, H, W, C)`` sized as ``model_config`` says, with ``num_classes`` classes.
    initial_state : mapping of str to torch.Tensor, optional
        Weights to start from instead of the random ones, e.g. a pretrained model's
        convolution blocks (``"blocks.0.convolution.weight"``, …). It may cover only part of
        the model: the rest keeps its seeded random start (a new head, for transfer learning).
    frozen : sequence of str, optional
        Name prefixes (such as ``"blocks."``) of parameters that are not trained: they are
        left out of the optimiser and get no gradient. Batch-norm layers whose parameters
        are all frozen also keep their running statistics, as Keras does for frozen layers.
    learning_rates : mapping of str to float, optional
        A learning rate for the parameters whose name starts with each prefix (the first
        matching prefix wins), e.g. ``{"blocks.": 3e-4}`` to fine-tune a pretrained base
        gently; the other parameters use ``train_config.learning_rate``.

    Raises
    ------
    ValueError
        When a dataset is empty or does not fit the model, a tensor of ``initial_state`` is not
        in the model or has another shape or dtype, a prefix matches no trainable parameter,
        or a learning rate is negative or not finite (each message names the value).

    Notes
    -----
    The initial weights are ``build_model(model_config, seed)`` with ``initial_state`` copied
    over them; each epoch's order is a permutation drawn from a ``torch.Generator`` seeded
    with ``seed``, dropout draws from its own saved RNG state and augmentation from a NumPy
    generator seeded with ``seed``, so the global RNG is never touched and the run is the same
    whichever way ``run_steps`` is chunked. Augmentation changes training batches only;
    validation always sees the plain images.
    """

    def __init__(
        self,
        model_config: CNNConfig | MLPConfig,
        train_config: TrainConfig,
        train: ImageDataset,
        validation: ImageDataset,
        *,
        initial_state: Mapping[str, torch.Tensor] | None = None,
        frozen: Sequence[str] = (),
        learning_rates: Mapping[str, float] | None = None,
    ) -> None:
        if not isinstance(train_config, TrainConfig):
            raise ValueError(f"train_config must be a TrainConfig, got {type(train_config).__name__}")
        _check_dataset("train", train, model_config)
        _check_dataset("validation", validation, model_config)
        self.model_config = model_config
        self.config = train_config
        self.train_set = train
        self.validation_set = validation
        self.model: Model = build_model(model_config, seed=train_config.seed)
        if initial_state is not None:
            _load_partial_state(self.model, initial_state)
        self.frozen = _freeze(self.model, frozen)
        self._frozen_norms = _fully_frozen_norms(self.model)
        self.learning_rates = dict(learning_rates or {})
        self.optimizer = self._make_optimizer()
        self._train_images = to_tensor(train.images, model_config)  # (N, H, W, C)
        self._train_labels = torch.from_numpy(train.labels)  # (N,)
        self._validation_images = to_tensor(validation.images, model_config)  # (M, H, W, C)
        self._validation_labels = torch.from_numpy(validation.labels)  # (M,)
        self._shuffle = torch.Generator().manual_seed(train_config.seed)
        self._dropout_rng_state = torch.Generator().manual_seed(train_config.seed).get_state()
        self._augment_rng = np.random.default_rng(train_config.seed)
        self._order: torch.Tensor | None = None  # this epoch's permutation, drawn when it starts
        self._position = 0  # batches done in the current epoch
        self._epoch_loss_sum = 0.0
        self._epoch_correct = 0
        self._epoch_seen = 0
        self.history = TrainingHistory()
        self.filter_history: list[np.ndarray] = self._filters_now()
        self.events: list[str] = []
        self.best_val_loss = math.inf
        self.best_epoch: int | None = None
        self.best_state: dict[str, torch.Tensor] | None = None
        self._wait = 0  # epochs since the last improvement, for early stopping
        self.stop_reason: StopReason | None = None

    def _make_optimizer(self) -> torch.optim.Optimizer:
        rate = float(self.config.learning_rate)
        if self.frozen or self.learning_rates:
            parameters = _parameter_groups(self.model, rate, self.learning_rates)
        else:
            parameters = self.model.parameters()  # the plain case, exactly as before
        if self.config.optimizer == "sgd":
            return torch.optim.SGD(parameters, lr=rate, momentum=SGD_MOMENTUM)
        return torch.optim.Adam(parameters, lr=rate)

    @property
    def trainable_parameters(self) -> int:
        """Numbers gradient descent changes: every parameter except the frozen ones."""
        return sum(p.numel() for p in self.model.parameters() if p.requires_grad)

    def _filters_now(self) -> list[np.ndarray]:
        """``[first_layer_filters]`` for a CNN (``(kh, kw, C_in, C_out)``), ``[]`` for an MLP."""
        filters = self.current_filters()
        return [] if filters is None else [filters]

    def current_filters(self) -> np.ndarray | None:
        """The first convolution's kernels now, ``(kh, kw, C_in, C_out)``; None for an MLP."""
        return first_layer_filters(self.model) if isinstance(self.model, ConvNet) else None

    @property
    def epoch(self) -> int:
        """Epochs finished so far."""
        return self.history.epochs

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(len(self.train_set) / self.config.batch_size)

    @property
    def batches_done(self) -> int:
        """Batches trained so far, over all epochs."""
        return self.epoch * self.batches_per_epoch + self._position

    @property
    def progress(self) -> float:
        """Share of the planned batches trained, 0..1 (1 once done)."""
        if self.done:
            return 1.0
        return self.batches_done / (self.config.epochs * self.batches_per_epoch)

    @property
    def done(self) -> bool:
        return self.stop_reason is not None

    def run_steps(self, max_batches: int, max_seconds: float | None = None) -> StepReport:
        """Train up to ``max_batches`` batches, validating at every epoch's end.

        Parameters
        ----------
        max_batches : int
            At least 1.
        max_seconds : float or None, optional
            Stop after the first batch that ends past this many seconds; at least one batch
            always runs, so every call makes progress. None for no limit.

        Returns
        -------
        StepReport
        """
        _check_whole("max_batches", max_batches, 1)
        if max_seconds is not None:
            _check_number("max_seconds", max_seconds, 0.0)
        start = time.perf_counter()
        batches = samples = 0
        train_seconds = 0.0
        finished: list[int] = []
        while not self.done and batches < max_batches:
            batch_start = time.perf_counter()
            samples += self._train_one_batch()
            train_seconds += time.perf_counter() - batch_start
            batches += 1
            if self._position == self.batches_per_epoch:
                self._end_epoch()
                finished.append(self.epoch)
            if max_seconds is not None and time.perf_counter() - start >= max_seconds:
                break
        return StepReport(
            batches=batches,
            samples=samples,
            seconds=time.perf_counter() - start,
            samples_per_second=samples / train_seconds if train_seconds > 0 else 0.0,
            epochs_finished=tuple(finished),
            done=self.done,
        )

    def _train_one_batch(self) -> int:
        """One gradient step on the next batch of this epoch; returns the batch size."""
        if self._position == 0 or self._order is None:
            self._order = torch.randperm(len(self.train_set), generator=self._shuffle)  # (N,)
        size = self.config.batch_size
        indices = self._order[self._position * size : (self._position + 1) * size]  # (B,)
        images, labels = self._train_images[indices], self._train_labels[indices]  # (B, H, W, C), (B,)
        if not self.config.augment.is_identity:
            images = torch.from_numpy(augment_batch(images.numpy(), self.config.augment, self._augment_rng))
        self.model.train()
        for norm in self._frozen_norms:
            norm.eval()  # a frozen batch norm keeps normalising with its stored statistics
        # Dropout draws from the trainer's own RNG state, restored and saved around each step.
        with torch.random.fork_rng(devices=[]):
            torch.random.set_rng_state(self._dropout_rng_state)
            logits = self.model(images)  # (B, K)
            loss = functional.cross_entropy(logits, labels)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self._dropout_rng_state = torch.random.get_rng_state()
        batch = int(labels.shape[0])
        self._epoch_loss_sum += float(loss.detach()) * batch
        self._epoch_correct += int((logits.detach().argmax(dim=1) == labels).sum())
        self._epoch_seen += batch
        self._position += 1
        return batch

    def _end_epoch(self) -> None:
        """Validate, record the curves and filters, then run the callbacks."""
        val_loss, val_accuracy = self._evaluate()
        self.history.train_loss.append(self._epoch_loss_sum / self._epoch_seen)
        self.history.train_accuracy.append(self._epoch_correct / self._epoch_seen)
        self.history.val_loss.append(val_loss)
        self.history.val_accuracy.append(val_accuracy)
        self.filter_history += self._filters_now()
        self._position = self._epoch_seen = self._epoch_correct = 0
        self._epoch_loss_sum = 0.0
        self._order = None
        self._checkpoint(val_loss)
        # As in Keras, patience 0 behaves like 1: stop at the first epoch without improvement.
        if self.config.early_stopping and self._wait >= max(self.config.patience, 1):
            self.events.append(f"Epoch {self.epoch}: early stopping")
            self._finish("early_stopping")
        elif self.epoch >= self.config.epochs:
            self._finish("finished")

    def _checkpoint(self, val_loss: float) -> None:
        """Keep the best weights (Keras' ModelCheckpoint) and count epochs without improvement."""
        epoch = self.epoch
        if val_loss < self.best_val_loss - self.config.min_delta:
            if self.config.checkpoint_best:
                self.events.append(
                    f"Epoch {epoch}: val_loss improved from {self.best_val_loss:.4f} to {val_loss:.4f}, "
                    "saving model"
                )
            self.best_val_loss, self.best_epoch = val_loss, epoch
            self._wait = 0
            if self.config.checkpoint_best or self.config.restore_best_weights:
                self.best_state = _state_copy(self.model)
        else:
            self._wait += 1
            if self.config.checkpoint_best:
                self.events.append(f"Epoch {epoch}: val_loss did not improve from {self.best_val_loss:.4f}")

    def _finish(self, reason: StopReason) -> None:
        self.stop_reason = reason
        if self.config.restore_best_weights and self.best_state is not None:
            if self.best_epoch != self.epoch or self._position > 0:
                self.events.append(
                    f"Restoring model weights from the end of the best epoch: {self.best_epoch}."
                )
            self.model.load_state_dict(self.best_state)

    def stop(self) -> None:
        """End training now (restoring the best weights if so configured); later steps do nothing."""
        if self.done:
            return
        self.events.append(
            f"Stopped by the user during epoch {self.epoch + 1}, after batch {self._position}."
        )
        self._finish("stopped")

    def _evaluate(self) -> tuple[float, float]:
        """Mean cross-entropy and accuracy on the validation set."""
        logits = self._logits(self._validation_images)  # (M, K)
        labels = self._validation_labels
        loss = float(functional.cross_entropy(logits, labels, reduction="sum")) / len(labels)
        accuracy = float((logits.argmax(dim=1) == labels).float().mean())
        return loss, accuracy

    def _logits(self, images: torch.Tensor) -> torch.Tensor:
        """Class scores ``(N, K)`` in evaluation mode without gradients, in bounded chunks."""
        return _logits(self.model, images)

    def predict(self, images: np.ndarray) -> np.ndarray:
        """``class_probabilities(self.model, images)``: softmax rows ``(N, num_classes)``."""
        return class_probabilities(self.model, images)

    def diagnosis(self) -> Diagnosis:
        """``diagnose(self.history)``: overfitting, underfitting or fine, with the numbers."""
        return diagnose(self.history)

    def _validation_predictions(self) -> tuple[np.ndarray, np.ndarray]:
        """Predicted labels ``(M,)`` and their probabilities ``(M,)`` on the validation set."""
        probabilities = torch.softmax(self._logits(self._validation_images), dim=1)  # (M, K)
        confidence, predicted = probabilities.max(dim=1)
        return predicted.numpy().astype(np.int64), confidence.numpy()

    def confusion_matrix(self) -> np.ndarray:
        """Counts on the validation set, ``(K, K)`` int64: row = true class, column = predicted."""
        predicted, _ = self._validation_predictions()
        classes = self.model_config.num_classes
        pairs = self.validation_set.labels * classes + predicted  # (M,)
        return np.bincount(pairs, minlength=classes * classes).reshape(classes, classes)

    def per_class_accuracy(self) -> np.ndarray:
        """Share of each class's validation images predicted right, ``(K,)`` float64 (NaN if absent)."""
        matrix = self.confusion_matrix()  # (K, K)
        totals = matrix.sum(axis=1)  # (K,)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(totals > 0, np.diag(matrix) / totals, np.nan)

    def most_confident_mistakes(self, k: int = 9) -> Mistakes:
        """The ``k`` (at most) wrong validation predictions the model was surest of."""
        _check_whole("k", k, 0)
        predicted, confidence = self._validation_predictions()
        true = self.validation_set.labels
        wrong = np.flatnonzero(predicted != true)  # (W,)
        order = wrong[np.argsort(-confidence[wrong], kind="stable")][:k]  # (k,)
        return Mistakes(order.astype(np.int64), true[order], predicted[order], confidence[order])

    def save(self) -> tuple[bytes, str]:
        """The model's current weights as safetensors bytes and its config as a JSON string."""
        weights = safetensors.torch.save(_state_copy(self.model))
        return weights, json.dumps(self.model_config.to_json())


def _load_partial_state(model: Model, state: Mapping[str, torch.Tensor]) -> None:
    """Copy ``state``'s tensors over the model's own, checking that each one fits."""
    own = model.state_dict()
    for name, tensor in state.items():
        if name not in own:
            raise ValueError(f"initial_state holds tensor {name!r}, which this model does not have")
        want = own[name]
        if not isinstance(tensor, torch.Tensor) or tensor.shape != want.shape:
            shape = tuple(tensor.shape) if isinstance(tensor, torch.Tensor) else type(tensor).__name__
            raise ValueError(
                f"initial_state tensor {name!r} has shape {shape} but the model needs {tuple(want.shape)}"
            )
        if tensor.dtype != want.dtype:
            raise ValueError(
                f"initial_state tensor {name!r} has dtype {tensor.dtype} but the model needs {want.dtype}"
            )
    with torch.no_grad():
        for name, tensor in state.items():
            own[name].copy_(tensor)


def _freeze(model: Model, prefixes: Sequence[str]) -> tuple[str, ...]:
    """Stop gradients for the parameters under each prefix; returns the prefixes as a tuple."""
    if isinstance(prefixes, str):
        raise ValueError(f"frozen must be a sequence of name prefixes, got the string {prefixes!r}")
    prefixes = tuple(prefixes)
    names = [name for name, _ in model.named_parameters()]
    for prefix in prefixes:
        if not isinstance(prefix, str) or not any(name.startswith(prefix) for name in names):
            raise ValueError(f"frozen prefix {prefix!r} matches no parameter of this model")
    for name, parameter in model.named_parameters():
        if name.startswith(prefixes):
            parameter.requires_grad_(False)
    return prefixes


def _fully_frozen_norms(model: Model) -> list[nn.Module]:
    """Batch-norm layers with parameters, all of them frozen."""
    return [
        module
        for module in model.modules()
        if isinstance(module, nn.modules.batchnorm._BatchNorm)
        and list(module.parameters())
        and not any(p.requires_grad for p in module.parameters())
    ]


def _parameter_groups(
    model: Model, default_rate: float, rates: Mapping[str, float]
) -> list[dict[str, object]]:
    """Optimiser groups of the trainable parameters, one per learning rate, in model order."""
    trainable = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    if not trainable:
        raise ValueError("every parameter is frozen: there is nothing to train")
    for prefix, rate in rates.items():
        _check_number(f"the learning rate for {prefix!r}", rate, 0.0)
        if not isinstance(prefix, str) or not any(name.startswith(prefix) for name, _ in trainable):
            raise ValueError(f"learning-rate prefix {prefix!r} matches no trainable parameter of this model")
    groups: dict[float, list[torch.nn.Parameter]] = {}
    for name, parameter in trainable:
        rate = next((float(r) for prefix, r in rates.items() if name.startswith(prefix)), default_rate)
        groups.setdefault(rate, []).append(parameter)
    return [{"params": params, "lr": rate} for rate, params in groups.items()]


def _logits(model: Model, images: torch.Tensor) -> torch.Tensor:
    """Class scores ``(N, K)`` in evaluation mode without gradients, in bounded chunks."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            parts = [model(images[i : i + EVAL_CHUNK]) for i in range(0, len(images), EVAL_CHUNK)]
    finally:
        model.train(was_training)
    return torch.cat(parts) if parts else torch.zeros(0, model.config.num_classes)


def class_probabilities(model: Model, images: np.ndarray) -> np.ndarray:
    """Class probabilities of a trained or loaded model for channels-last images.

    Parameters
    ----------
    model : ConvNet or MultiLayerPerceptron
    images : (N, H, W, C) or (N, H, W) array_like
        Sized as ``model.config`` says, values in 0..1.

    Returns
    -------
    (N, num_classes) float32 ndarray
        Softmax probabilities; each row sums to 1.
    """
    logits = _logits(model, to_tensor(images, model.config))  # (N, K)
    return torch.softmax(logits, dim=1).numpy()


MAX_LOADED_NUMBERS = 50_000_000  # weights and buffers of an uploaded model, 200 MB as float32


def load(weights: bytes, config_json: str) -> Model:
    """The model ``Trainer.save`` wrote, rebuilt from its config and weights (never pickle).

    Parameters
    ----------
    weights : bytes
        A safetensors file.
    config_json : str
        The JSON of a ``CNNConfig`` or ``MLPConfig`` (``to_json``).

    Returns
    -------
    ConvNet or MultiLayerPerceptron
        In evaluation mode.

    Raises
    ------
    ValueError
        When the JSON or the file cannot be read, or a tensor is missing, unexpected, or has
        the wrong shape or dtype for the config (the message names the tensor).
    """
    try:
        data = json.loads(config_json)
    except (json.JSONDecodeError, TypeError) as error:
        raise ValueError(f"the model config is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"the model config must be a JSON object, got {type(data).__name__}")
    config = config_from_json(data)
    try:
        tensors = safetensors.torch.load(bytes(weights))
    except (SafetensorError, ValueError, TypeError) as error:
        raise ValueError(f"the weights are not a readable safetensors file: {error}") from None
    # A config can describe a network of any size; refuse a huge one before building it,
    # so a few bytes of JSON cannot make the server allocate gigabytes.
    parameters = summary_totals(summary(config)).total
    if parameters > MAX_LOADED_NUMBERS:
        raise ValueError(
            f"the model config describes {parameters:,} numbers; the limit is {MAX_LOADED_NUMBERS:,}"
        )
    model = build_model(config)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing:
        raise ValueError(f"the weights lack tensor(s) {missing} that this model config needs")
    if unexpected:
        raise ValueError(f"the weights hold tensor(s) {unexpected} that this model config does not have")
    for name, tensor in tensors.items():
        want = expected[name]
        if tensor.shape != want.shape:
            raise ValueError(
                f"tensor {name!r} has shape {tuple(tensor.shape)} but the config needs {tuple(want.shape)}"
            )
        if tensor.dtype != want.dtype:
            raise ValueError(f"tensor {name!r} has dtype {tensor.dtype} but the config needs {want.dtype}")
    model.load_state_dict(tensors)
    return model.eval()
