"""Transfer learning at classroom scale: a base pretrained on generated digits, reused on a few real ones.

The notes take VGG16 trained on ImageNet, freeze its convolution layers and train only a new
head on a small data set, or fine-tune everything gently. Here the big data set is
``explorer.synthetic_digits`` (30,000 digits drawn in computer fonts), the pretrained model is
the training lab's small CNN shipped in ``explorer/weights/``, and the small data set is a
handful of scikit-learn's real handwritten digits per class. Three runs share the same data,
budget and seed: from scratch, frozen pretrained base with a new head, and full fine-tuning.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from safetensors import safe_open

from explorer.datasets import ImageDataset
from explorer.models import CNNConfig, ConvNet, summary, summary_totals
from explorer.synthetic_digits import synthetic_digits
from explorer.training import OPTIMIZERS, TrainConfig, Trainer, TrainingHistory, class_probabilities, load

__all__ = [
    "BASE_PREFIX",
    "POOL_PER_CLASS",
    "RUNS",
    "SOURCE_CONFIG",
    "SOURCE_LOG",
    "SOURCE_WEIGHTS",
    "ArchitectureRow",
    "SourceModel",
    "SourceRecord",
    "TransferComparison",
    "TransferSettings",
    "accuracy",
    "architecture_rows",
    "load_source",
    "source_validation_set",
    "target_split",
    "trainable_from_rows",
    "verdict",
]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
SOURCE_WEIGHTS = WEIGHTS_DIR / "source_digits.safetensors"
SOURCE_CONFIG = WEIGHTS_DIR / "source_digits.json"
SOURCE_LOG = WEIGHTS_DIR / "source_digits_log.txt"
# Parameter names of the convolution blocks, the part reused from the source model; the rest is the head.
BASE_PREFIX = "blocks."
# The target's training pictures are drawn from the first POOL_PER_CLASS of each class (after a fixed
# shuffle); every other picture is validation, the same for every setting of the slider and seed.
POOL_PER_CLASS = 50
SPLIT_SEED = 0
RUNS: dict[str, str] = {"scratch": "from scratch", "frozen": "frozen base", "finetune": "fine-tuned"}
RunName = Literal["scratch", "frozen", "finetune"]


@dataclass(frozen=True)
class SourceRecord:
    """How the shipped source model was trained and how well it did, as its script recorded it.

    Attributes
    ----------
    train_per_class, validation_per_class : int
        Generated digits of each class in the source training and validation sets.
    train_seed, validation_seed : int
        The ``synthetic_digits`` seeds of the two sets.
    epochs, batch_size : int
    learning_rate : float
    seed : int
        The training seed (initial weights and shuffling).
    accuracy : float
        Final accuracy on the source validation set, 0..1.
    real_digits_accuracy : float
        The source model as it is, with its own head, on all 1,797 real digits, 0..1.
    torch_version : str
    """

    train_per_class: int
    validation_per_class: int
    train_seed: int
    validation_seed: int
    epochs: int
    batch_size: int
    learning_rate: float
    seed: int
    accuracy: float
    real_digits_accuracy: float
    torch_version: str

    @property
    def train_images(self) -> int:
        return 10 * self.train_per_class

    @property
    def validation_images(self) -> int:
        return 10 * self.validation_per_class

    def to_metadata(self) -> dict[str, str]:
        """The record as the string-to-string metadata a safetensors header holds."""
        return {"source_record": json.dumps(asdict(self), sort_keys=True)}

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, str] | None) -> SourceRecord:
        """The record ``to_metadata`` wrote; ValueError when it is missing or incomplete."""
        if not metadata or "source_record" not in metadata:
            raise ValueError(
                "the weights carry no 'source_record' metadata; rerun scripts/pretrain_source.py"
            )
        data = json.loads(metadata["source_record"])
        missing = sorted({f.name for f in fields(cls)} - set(data))
        if missing:
            raise ValueError(f"the source record lacks {missing}")
        return cls(**{f.name: data[f.name] for f in fields(cls)})


@dataclass(frozen=True, eq=False)
class SourceModel:
    """The pretrained source CNN and its record.

    Attributes
    ----------
    model : ConvNet
        In evaluation mode; treat as read-only (it may be shared between sessions).
    record : SourceRecord
    """

    model: ConvNet
    record: SourceRecord

    @property
    def config(self) -> CNNConfig:
        return self.model.config

    def base_state(self) -> dict[str, torch.Tensor]:
        """Copies of the convolution blocks' tensors (names starting ``"blocks."``): what is reused."""
        return {
            name: tensor.detach().clone()
            for name, tensor in self.model.state_dict().items()
            if name.startswith(BASE_PREFIX)
        }


def load_source(weights: Path | None = None, config: Path | None = None) -> SourceModel:
    """The shipped source model, read with safetensors (never pickle) and its JSON config.

    Parameters
    ----------
    weights, config : Path, optional
        The ``.safetensors`` file (with the training record in its metadata) and the config JSON;
        by default the shipped ``SOURCE_WEIGHTS`` and ``SOURCE_CONFIG``.

    Returns
    -------
    SourceModel

    Raises
    ------
    OSError
        When a file cannot be read.
    ValueError
        When the files do not match, the model is not a CNN, or the record is missing.
    """
    weights = Path(SOURCE_WEIGHTS if weights is None else weights)
    config = Path(SOURCE_CONFIG if config is None else config)
    model = load(weights.read_bytes(), config.read_text())
    if not isinstance(model, ConvNet):
        raise ValueError(f"the source model must be a CNN, got {type(model).__name__}")
    with safe_open(str(weights), framework="pt") as handle:
        record = SourceRecord.from_metadata(handle.metadata())
    return SourceModel(model=model, record=record)


def source_validation_set(record: SourceRecord) -> ImageDataset:
    """The generated digits the source accuracy was measured on, made again from the record's seed."""
    return synthetic_digits(record.validation_per_class, seed=record.validation_seed)


def accuracy(model: torch.nn.Module, dataset: ImageDataset) -> float:
    """Share of ``dataset``'s images the model labels right, 0..1."""
    predicted = class_probabilities(model, dataset.images).argmax(axis=1)  # (N,)
    return float(np.mean(predicted == dataset.labels))


def target_split(
    dataset: ImageDataset, per_class: int, *, seed: int = 0
) -> tuple[ImageDataset, ImageDataset]:
    """A few training pictures per class and a fixed validation set.

    Parameters
    ----------
    dataset : ImageDataset
        The target data, e.g. ``explorer.datasets.digits()``.
    per_class : int
        Training pictures of each class, 1 to ``POOL_PER_CLASS``.
    seed : int, optional
        Which pictures of the pool are picked.

    Returns
    -------
    (ImageDataset, ImageDataset)
        ``(train, validation)``: ``train`` holds ``per_class`` pictures of each class, grouped by
        class; ``validation`` every picture outside the pool, in the dataset's order.

    Raises
    ------
    ValueError
        When ``per_class`` is out of range or a class has no picture left for validation.

    Notes
    -----
    Each class is shuffled once with a fixed seed; its first ``POOL_PER_CLASS`` pictures are
    the pool that training pictures come from, and the rest are validation. So the
    validation set is the same for every ``per_class`` and ``seed`` (1,297 of scikit-learn's
    1,797 digits), and accuracies are comparable across settings.
    """
    if isinstance(per_class, bool) or not isinstance(per_class, int) or not 1 <= per_class <= POOL_PER_CLASS:
        raise ValueError(f"per_class must be a whole number from 1 to {POOL_PER_CLASS}, got {per_class!r}")
    fixed = np.random.default_rng(SPLIT_SEED)
    picker = np.random.default_rng(seed)
    train_parts, validation_parts = [], []
    for label, name in enumerate(dataset.class_names):
        members = fixed.permutation(np.flatnonzero(dataset.labels == label))  # (n_k,)
        if members.size <= POOL_PER_CLASS:
            raise ValueError(
                f"class {name!r} has {members.size} pictures; it needs more than {POOL_PER_CLASS}"
            )
        pool = members[:POOL_PER_CLASS]
        train_parts.append(pool[picker.permutation(POOL_PER_CLASS)[:per_class]])
        validation_parts.append(members[POOL_PER_CLASS:])
    train_indices = np.concatenate(train_parts)  # (K · per_class,)
    validation_indices = np.sort(np.concatenate(validation_parts))  # (M,)
    return _subset(dataset, train_indices, "train"), _subset(dataset, validation_indices, "validation")


def _subset(dataset: ImageDataset, indices: np.ndarray, part: str) -> ImageDataset:
    return ImageDataset(
        images=dataset.images[indices],  # (n, H, W, C)
        labels=dataset.labels[indices],  # (n,)
        class_names=dataset.class_names,
        name=f"{dataset.name} ({part})",
    )


@dataclass(frozen=True)
class TransferSettings:
    """The budget all three runs share, and how gently the fine-tuned run changes its base.

    Raises
    ------
    ValueError
        For any value out of range, naming the setting and the value.
    """

    per_class: int = 10  # target training pictures of each class
    epochs: int = 20
    batch_size: int = 16
    learning_rate: float = 0.003
    optimizer: Literal["adam", "sgd"] = "adam"
    seed: int = 0  # initial head weights, shuffling, and which pictures are picked
    base_rate_factor: float = 0.1  # the fine-tuned run's base learns at this share of the learning rate

    def __post_init__(self) -> None:
        if isinstance(self.per_class, bool) or not isinstance(self.per_class, int):
            raise ValueError(f"per_class must be a whole number, got {self.per_class!r}")
        if not 1 <= self.per_class <= POOL_PER_CLASS:
            raise ValueError(f"per_class must be from 1 to {POOL_PER_CLASS}, got {self.per_class!r}")
        factor = self.base_rate_factor
        if isinstance(factor, bool) or not isinstance(factor, int | float) or not 0 < factor <= 1:
            raise ValueError(f"base_rate_factor must be a number above 0 and at most 1, got {factor!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {self.optimizer!r}")
        self.train_config()  # checks the rest

    def train_config(self) -> TrainConfig:
        """The plain budget: no checkpoint restoring, so each run ends with its last epoch's weights."""
        return TrainConfig(
            batch_size=self.batch_size,
            epochs=self.epochs,
            learning_rate=self.learning_rate,
            optimizer=self.optimizer,
            seed=self.seed,
            checkpoint_best=False,
            restore_best_weights=False,
        )


class TransferComparison:
    """The three runs, trained in lockstep a batch at a time so their curves grow together.

    Parameters
    ----------
    source : SourceModel
    settings : TransferSettings
    train, validation : ImageDataset
        The target data, sized as the source model takes it (28 × 28 × 1, ten classes).

    Notes
    -----
    All three runs use the same seed, so they see the same batches in the same order and
    the new heads start from the same random numbers as the from-scratch run's head; only
    the convolution blocks differ: random in ``scratch``, pretrained and frozen in ``frozen``,
    pretrained and trained (at ``base_rate_factor`` times the learning rate) in ``finetune``.
    """

    def __init__(
        self, source: SourceModel, settings: TransferSettings, train: ImageDataset, validation: ImageDataset
    ) -> None:
        self.settings = settings
        config = source.config
        budget = settings.train_config()
        base = source.base_state()
        gentle = {BASE_PREFIX: settings.learning_rate * settings.base_rate_factor}
        self.runs: dict[str, Trainer] = {
            "scratch": Trainer(config, budget, train, validation),
            "frozen": Trainer(config, budget, train, validation, initial_state=base, frozen=(BASE_PREFIX,)),
            "finetune": Trainer(
                config,
                budget,
                train,
                validation,
                initial_state=base,
                learning_rates=gentle if settings.base_rate_factor != 1 else None,
            ),
        }

    @property
    def done(self) -> bool:
        return all(trainer.done for trainer in self.runs.values())

    @property
    def progress(self) -> float:
        """Share of all three runs' planned batches trained, 0..1."""
        return sum(trainer.progress for trainer in self.runs.values()) / len(self.runs)

    @property
    def epoch(self) -> int:
        """Epochs all three runs have finished."""
        return min(trainer.epoch for trainer in self.runs.values())

    def step(self, max_seconds: float | None = None) -> int:
        """Train one batch at a time, always the run furthest behind, for up to ``max_seconds``.

        At least one batch runs (unless all are done); None trains to the end. Returns the
        number of batches trained.
        """
        start, batches = time.perf_counter(), 0
        while not self.done:
            behind = min(
                (trainer for trainer in self.runs.values() if not trainer.done),
                key=lambda trainer: trainer.batches_done,
            )
            behind.run_steps(max_batches=1)
            batches += 1
            if max_seconds is not None and time.perf_counter() - start >= max_seconds:
                break
        return batches

    def stop(self) -> None:
        """End every run now; later steps do nothing."""
        for trainer in self.runs.values():
            trainer.stop()

    def histories(self) -> dict[str, TrainingHistory]:
        """Each run's curves under its display name, for ``training_views.curves_figure``."""
        return {RUNS[name]: trainer.history for name, trainer in self.runs.items()}

    def final_accuracies(self) -> dict[str, float | None]:
        """Each run's validation accuracy after its last finished epoch (None before the first)."""
        return {
            name: (trainer.history.val_accuracy[-1] if trainer.history.epochs else None)
            for name, trainer in self.runs.items()
        }

    def trainable_parameters(self) -> dict[str, int]:
        """Numbers each run's gradient descent changes."""
        return {name: trainer.trainable_parameters for name, trainer in self.runs.items()}


@dataclass(frozen=True)
class ArchitectureRow:
    """One layer of the shared architecture and what each run does with its parameters.

    Attributes
    ----------
    name : str
    output_shape : tuple of int
        Channels-last, without the batch axis.
    parameters : int
    in_base : bool
        True for the convolution blocks (reused from the source model), False for the head.
    scratch, frozen, finetune : str
        What happens to this layer's parameters in each run ("" for a layer with none).
    """

    name: str
    output_shape: tuple[int, ...]
    parameters: int
    in_base: bool
    scratch: str
    frozen: str
    finetune: str


def architecture_rows(config: CNNConfig, base_rate_factor: float = 0.1) -> list[ArchitectureRow]:
    """``models.summary(config)`` with each run's treatment of every layer written in.

    Parameters
    ----------
    config : CNNConfig
    base_rate_factor : float, optional
        The fine-tuned run's learning-rate share for the base; below 1 its column says "slower".

    Returns
    -------
    list of ArchitectureRow
        In the order the layers run; the base is every layer before ``flatten``.

    Examples
    --------
    >>> rows = architecture_rows(CNNConfig())
    >>> rows[0].name, rows[0].frozen
    ('block 1: convolution 3×3, 8 filters', 'pretrained, frozen')
    >>> rows[-1].frozen
    'new → trained'
    """
    rows = []
    in_base = True
    gentle = "pretrained → trained" if base_rate_factor == 1 else "pretrained → trained slower"
    for row in summary(config):
        if row.kind == "flatten":
            in_base = False
        if row.trainable == 0:
            treatments = ("", "", "")
        elif in_base:
            treatments = ("random → trained", "pretrained, frozen", gentle)
        else:
            treatments = ("random → trained", "new → trained", "new → trained")
        rows.append(ArchitectureRow(row.name, row.output_shape, row.trainable, in_base, *treatments))
    return rows


def trainable_from_rows(config: CNNConfig) -> dict[str, int]:
    """Trainable parameters of each run, counted from the summary table alone."""
    rows = summary(config)
    total = summary_totals(rows).trainable
    flatten = next(index for index, row in enumerate(rows) if row.kind == "flatten")
    head = summary_totals(rows[flatten:]).trainable
    return {"scratch": total, "frozen": head, "finetune": total}


def verdict(accuracies: Mapping[str, float | None], per_class: int) -> str:
    """One plain sentence comparing the frozen base and fine-tuning with training from scratch.

    >>> verdict({"scratch": 0.8, "frozen": 0.9, "finetune": 0.88}, 10)
    'With 10 training pictures per class, the frozen pretrained base reached 90.0%, 10.0 points above \
training from scratch (80.0%); fine-tuning everything reached 88.0%.'
    """
    scratch, frozen, finetune = (accuracies.get(name) for name in RUNS)
    if scratch is None or frozen is None or finetune is None:
        return "The comparison appears when every run has finished an epoch."
    gap = (frozen - scratch) * 100
    if math.isclose(gap, 0.0, abs_tol=0.05):
        relation = f"the same as training from scratch ({scratch:.1%})"
    else:
        relation = (
            f"{abs(gap):.1f} points {'above' if gap > 0 else 'below'} training from scratch ({scratch:.1%})"
        )
    pictures = "picture" if per_class == 1 else "pictures"
    return (
        f"With {per_class} training {pictures} per class, the frozen pretrained base reached {frozen:.1%}, "
        f"{relation}; fine-tuning everything reached {finetune:.1%}."
    )
