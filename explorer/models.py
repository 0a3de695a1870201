"""Small trainable networks for the live-training page: a CNN, the notes' MLP baseline, and what they hold.

Configurations are frozen dataclasses of plain values, so they can be cached, compared and
saved as JSON beside the weights (safetensors; never pickle). Models take channels-last
images ``(N, H, W, C)`` like the rest of ``explorer``; the CNN turns them into PyTorch's
``(N, C, H, W)`` in one place, its ``forward``.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from explorer.shapes import conv_output_size

__all__ = [
    "ACTIVATIONS",
    "POOLINGS",
    "CNNConfig",
    "ConvNet",
    "FeatureStage",
    "LayerRow",
    "MLPConfig",
    "MultiLayerPerceptron",
    "ParamTotals",
    "build_model",
    "config_from_json",
    "feature_maps",
    "first_layer_filters",
    "summary",
    "summary_totals",
    "to_tensor",
]

Activation = Literal["relu", "leaky_relu", "tanh", "sigmoid"]
Pooling = Literal["max", "avg", "none"]
ConvPadding = int | Literal["same", "valid"]

# Display names, also the allowed values.
ACTIVATIONS: dict[str, str] = {
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
}
POOLINGS: dict[str, str] = {"max": "max pooling 2×2", "avg": "average pooling 2×2", "none": "no pooling"}
MAX_DROPOUT = 0.9
# Larger inputs than this are never trained here; a loaded config asking for more is refused.
MAX_INPUT_SIDE = 512
# Pooling is always the notes' 2×2 window with stride 2, which halves each side (rounding down).
POOL_SIZE = 2
# The part of a convolution block each stage of ``feature_maps`` is read after.
_STAGE_NAMES = {
    "convolution": "after convolution",
    "batch_norm": "after batch norm",
    "activation": "after activation",
    "pooling": "after pooling",
}


def _check_whole(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")


def _check_choice(name: str, value: object, choices: Mapping[str, str]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")


def _whole_tuple(name: str, value: object, minimum: int, length: int | None = None) -> tuple[int, ...]:
    """``value`` as a tuple of whole numbers (JSON gives lists), each at least ``minimum``."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValueError(f"{name} must be a sequence of whole numbers, got {value!r}")
    if length is not None and len(value) != length:
        raise ValueError(f"{name} must hold {length} numbers, got {value!r}")
    for item in value:
        _check_whole(f"every entry of {name}", item, minimum)
    return tuple(value)


def _checked_dropout(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_DROPOUT:
        raise ValueError(f"dropout must be a number from 0 to {MAX_DROPOUT}, got {value!r}")
    return float(value)


def _check_common(config: CNNConfig | MLPConfig) -> None:
    """Check the fields both configs share, normalising lists and ints as JSON gives them."""
    object.__setattr__(config, "input_size", _whole_tuple("input_size", config.input_size, 1, length=2))
    if max(config.input_size) > MAX_INPUT_SIDE:
        raise ValueError(f"input_size sides must be at most {MAX_INPUT_SIDE} pixels, got {config.input_size}")
    _check_whole("in_channels", config.in_channels, 1)
    _check_whole("num_classes", config.num_classes, 2)
    _check_choice("activation", config.activation, ACTIVATIONS)
    object.__setattr__(config, "dropout", _checked_dropout(config.dropout))


def _from_json(cls: type, kind: str, data: Mapping[str, Any]) -> Any:
    data = dict(data)
    found_kind = data.pop("kind", kind)
    if found_kind != kind:
        raise ValueError(f"this is a {found_kind!r} config, not {kind!r}")
    unknown = sorted(set(data) - {f.name for f in fields(cls)})
    if unknown:
        raise ValueError(f"unknown {cls.__name__} settings: {unknown}")
    return cls(**data)


def _to_json(config: CNNConfig | MLPConfig, kind: str) -> dict[str, Any]:
    plain = {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(config).items()}
    return {"kind": kind, **plain}


@dataclass(frozen=True)
class CNNConfig:
    """Settings of a small CNN, checked as it is made.

    ``conv_blocks`` blocks of convolution → (batch norm) → activation → (2×2 pooling), then
    flatten → (dropout) → (dense ``dense_width`` → activation) → dense to the classes.

    Raises
    ------
    ValueError
        For any value out of range, ``len(filters) != conv_blocks``, ``padding='same'`` with a
        stride other than 1, or a kernel or pooling window that no longer fits after some
        block (the message names the block and shows the size formula).
    """

    input_size: tuple[int, int] = (28, 28)  # (H, W) of the input images
    in_channels: int = 1  # 1 for grayscale, 3 for colour
    num_classes: int = 10
    conv_blocks: int = 2
    filters: tuple[int, ...] = (8, 16)  # output channels of each block's convolution
    kernel_size: int = 3  # square kernels, kh = kw
    padding: ConvPadding = 1  # cells on each side, or 'same' (keep the size) / 'valid' (0)
    stride: int = 1
    pooling: Pooling = "max"  # 2×2 window, stride 2, after each block; 'none' to skip it
    activation: Activation = "relu"
    batch_norm: bool = False  # BatchNorm2d after each convolution
    dropout: float = 0.0  # 0 to 0.9: chance of zeroing each flattened feature while training
    dense_width: int = 32  # hidden dense layer before the classes; 0 = none

    def __post_init__(self) -> None:
        _check_common(self)
        _check_whole("conv_blocks", self.conv_blocks, 1)
        object.__setattr__(self, "filters", _whole_tuple("filters", self.filters, 1))
        if len(self.filters) != self.conv_blocks:
            raise ValueError(
                f"filters must give one count per block: {self.conv_blocks} blocks, "
                f"but filters={self.filters} has {len(self.filters)}"
            )
        _check_whole("kernel_size", self.kernel_size, 1)
        _check_whole("stride", self.stride, 1)
        if self.padding not in ("same", "valid"):
            _check_whole("padding (or 'same' / 'valid')", self.padding, 0)
        if self.padding == "same" and self.stride != 1:
            raise ValueError(f"padding='same' needs stride 1, got stride={self.stride}")
        _check_choice("pooling", self.pooling, POOLINGS)
        if not isinstance(self.batch_norm, bool):
            raise ValueError(f"batch_norm must be True or False, got {self.batch_norm!r}")
        _check_whole("dense_width", self.dense_width, 0)
        _block_sizes(self)

    def to_json(self) -> dict[str, Any]:
        """The settings as a dict of plain JSON values, with ``"kind": "cnn"``."""
        return _to_json(self, "cnn")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CNNConfig:
        """The config ``to_json`` gave; missing settings take their defaults, unknown ones raise."""
        return _from_json(cls, "cnn", data)


@dataclass(frozen=True)
class MLPConfig:
    """The notes' baseline: flattened pixels → dense ``hidden_width`` → activation → (dropout) → classes.

    Raises
    ------
    ValueError
        For any value out of range.
    """

    input_size: tuple[int, int] = (28, 28)  # (H, W) of the input images
    in_channels: int = 1  # 1 for grayscale, 3 for colour
    num_classes: int = 10
    hidden_width: int = 64
    activation: Activation = "relu"
    dropout: float = 0.0  # 0 to 0.9: chance of zeroing each hidden unit while training

    def __post_init__(self) -> None:
        _check_common(self)
        _check_whole("hidden_width", self.hidden_width, 1)

    def to_json(self) -> dict[str, Any]:
        """The settings as a dict of plain JSON values, with ``"kind": "mlp"``."""
        return _to_json(self, "mlp")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MLPConfig:
        """The config ``to_json`` gave; missing settings take their defaults, unknown ones raise."""
        return _from_json(cls, "mlp", data)


def config_from_json(data: Mapping[str, Any]) -> CNNConfig | MLPConfig:
    """A ``CNNConfig`` or ``MLPConfig`` from ``to_json`` output, chosen by its ``"kind"`` key."""
    kinds = {"cnn": CNNConfig, "mlp": MLPConfig}
    kind = data.get("kind")
    if kind not in kinds:
        raise ValueError(f"config kind must be one of {sorted(kinds)}, got {kind!r}")
    return kinds[kind].from_json(data)


def _conv_side(n: int, config: CNNConfig) -> int:
    if config.padding == "same":
        return n  # by definition; PyTorch pads an even kernel's extra cell at the bottom/right
    padding = 0 if config.padding == "valid" else config.padding
    return conv_output_size(n, config.kernel_size, padding=padding, stride=config.stride)


def _block_sizes(config: CNNConfig) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(H, W) after each block's convolution and after its pooling (the same when there is none)."""
    h, w = config.input_size
    sizes = []
    for block in range(1, config.conv_blocks + 1):
        try:
            h, w = _conv_side(h, config), _conv_side(w, config)
        except ValueError as error:
            raise ValueError(
                f"block {block}: the {config.kernel_size}×{config.kernel_size} convolution no longer fits "
                f"its {h}×{w} input — {error}"
            ) from None
        after_conv = (h, w)
        if config.pooling != "none":
            try:
                h, w = (conv_output_size(n, POOL_SIZE, stride=POOL_SIZE) for n in (h, w))
            except ValueError as error:
                raise ValueError(
                    f"block {block}: the 2×2 pooling no longer fits its {h}×{w} input — {error}"
                ) from None
        sizes.append((after_conv, (h, w)))
    return sizes


def _activation_layer(name: str) -> nn.Module:
    layers = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
    return layers[name]()


class ConvNet(nn.Module):
    """The CNN a ``CNNConfig`` describes; ``forward`` takes channels-last ``(N, H, W, C)`` images.

    ``blocks[i]`` is an ``nn.Sequential`` whose children are named ``convolution``,
    ``batch_norm``, ``activation`` and ``pooling`` (those the config asks for); ``head`` holds
    flatten, dropout and the dense layers.
    """

    def __init__(self, config: CNNConfig) -> None:
        super().__init__()
        self.config = config
        padding = 0 if config.padding == "valid" else config.padding
        pool_layers = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}
        blocks = []
        channels = [config.in_channels, *config.filters]
        for c_in, c_out in itertools.pairwise(channels):
            parts: OrderedDict[str, nn.Module] = OrderedDict()
            parts["convolution"] = nn.Conv2d(
                c_in, c_out, config.kernel_size, stride=config.stride, padding=padding
            )
            if config.batch_norm:
                parts["batch_norm"] = nn.BatchNorm2d(c_out)
            parts["activation"] = _activation_layer(config.activation)
            if config.pooling != "none":
                parts["pooling"] = pool_layers[config.pooling](POOL_SIZE, stride=POOL_SIZE)
            blocks.append(nn.Sequential(parts))
        self.blocks = nn.ModuleList(blocks)
        h, w = _block_sizes(config)[-1][1]
        self.head = _dense_head(h * w * config.filters[-1], config.dense_width, config)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Class scores (logits), ``(N, num_classes)``, for ``(N, H, W, C)`` images."""
        x = images.permute(0, 3, 1, 2)  # (N, C, H, W): the one place channels-last meets PyTorch
        for block in self.blocks:
            x = block(x)  # (N, filters[i], H_i, W_i)
        return self.head(x)  # (N, num_classes)


class MultiLayerPerceptron(nn.Module):
    """The baseline an ``MLPConfig`` describes; ``forward`` takes channels-last ``(N, H, W, C)`` images."""

    def __init__(self, config: MLPConfig) -> None:
        super().__init__()
        self.config = config
        h, w = config.input_size
        self.layers = _dense_head(
            h * w * config.in_channels, config.hidden_width, config, dropout_first=False
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Class scores (logits), ``(N, num_classes)``, for ``(N, H, W, C)`` images."""
        # Every pixel is its own input here, so the channels-last order needs no permute.
        return self.layers(images)  # (N, H*W*C) -> (N, num_classes)


def _dense_head(
    features: int, width: int, config: CNNConfig | MLPConfig, *, dropout_first: bool = True
) -> nn.Sequential:
    """Flatten → (dropout) → (dense ``width`` → activation) → dense to the classes.

    With ``dropout_first=False`` the dropout comes after the hidden activation instead.
    """
    layers: list[nn.Module] = [nn.Flatten()]
    dropout = [nn.Dropout(config.dropout)] if config.dropout > 0 else []
    if dropout_first:
        layers += dropout
    if width > 0:
        layers += [nn.Linear(features, width), _activation_layer(config.activation)]
        features = width
    if not dropout_first:
        layers += dropout
    layers.append(nn.Linear(features, config.num_classes))
    return nn.Sequential(*layers)


def build_model(config: CNNConfig | MLPConfig, seed: int = 0) -> ConvNet | MultiLayerPerceptron:
    """A freshly initialised model for ``config``, the same weights for the same ``seed``.

    Parameters
    ----------
    config : CNNConfig or MLPConfig
    seed : int, optional
        Seeds PyTorch's default initialisation inside a forked RNG, so the global
        RNG state is left exactly as it was.

    Returns
    -------
    ConvNet or MultiLayerPerceptron
        In training mode, float32, on the CPU.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be a whole number, got {seed!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if isinstance(config, CNNConfig):
            return ConvNet(config)
        if isinstance(config, MLPConfig):
            return MultiLayerPerceptron(config)
    raise TypeError(f"config must be a CNNConfig or MLPConfig, got {type(config).__name__}")


def to_tensor(images: np.ndarray, config: CNNConfig | MLPConfig) -> torch.Tensor:
    """Channels-last images as the float32 tensor the models take, checked against ``config``.

    Parameters
    ----------
    images : (N, H, W, C) or (N, H, W) array_like
        ``(N, H, W)`` counts as one channel.

    Returns
    -------
    (N, H, W, C) float32 torch.Tensor
    """
    array = np.asarray(images, dtype=np.float32)
    if array.ndim == 3:
        array = array[..., None]  # (N, H, W, 1)
    expected = (*config.input_size, config.in_channels)
    if array.ndim != 4 or array.shape[1:] != expected:
        raise ValueError(f"images must have shape (N, {', '.join(map(str, expected))}), got {array.shape}")
    return torch.from_numpy(array)


@dataclass(frozen=True)
class FeatureStage:
    """One stage of a CNN's feature maps.

    Attributes
    ----------
    name : str
        Such as ``'block 1: after convolution'``.
    maps : (N, H, W, C) float32 ndarray
        One map per channel, channels-last.
    """

    name: str
    maps: np.ndarray


def feature_maps(model: ConvNet, images: np.ndarray) -> list[FeatureStage]:
    """The maps after every stage of every convolution block, for a batch of images.

    Parameters
    ----------
    model : ConvNet
    images : (N, H, W, C) or (N, H, W) array_like
        Sized as ``model.config`` says.

    Returns
    -------
    list of FeatureStage
        Per block, in order: after convolution, after batch norm (if any), after activation,
        after pooling (if any).

    Notes
    -----
    Runs in evaluation mode (batch norm uses its running statistics, dropout is off) without
    gradients, then puts the model back in the mode it was in.
    """
    if not isinstance(model, ConvNet):
        raise TypeError(f"feature maps need a ConvNet, got {type(model).__name__}")
    x = to_tensor(images, model.config).permute(0, 3, 1, 2)  # (N, C, H, W)
    was_training = model.training
    model.eval()
    stages = []
    try:
        with torch.no_grad():
            for number, block in enumerate(model.blocks, start=1):
                for part, layer in block.named_children():
                    x = layer(x)  # (N, C', H', W')
                    maps = x.permute(0, 2, 3, 1).numpy().copy()  # (N, H', W', C')
                    stages.append(FeatureStage(f"block {number}: {_STAGE_NAMES[part]}", maps))
    finally:
        model.train(was_training)
    return stages


def first_layer_filters(model: ConvNet) -> np.ndarray:
    """The first convolution's learned kernels, ``(kh, kw, C_in, C_out)`` float32 (Keras layout).

    The same layout as ``explorer.ops.conv2d``'s ``weight``, so ``conv2d(image, filters)`` runs them.
    """
    if not isinstance(model, ConvNet):
        raise TypeError(f"first-layer filters need a ConvNet, got {type(model).__name__}")
    weight = model.blocks[0].convolution.weight.detach()  # (C_out, C_in, kh, kw)
    return weight.permute(2, 3, 1, 0).numpy().copy()  # (kh, kw, C_in, C_out)


@dataclass(frozen=True)
class LayerRow:
    """One line of a model summary.

    Attributes
    ----------
    kind : {'conv', 'batchnorm', 'activation', 'pooling', 'flatten', 'dropout', 'dense'}
    name : str
        Such as ``'block 1: convolution 3×3, 8 filters'``.
    output_shape : tuple of int
        Without the batch axis, channels-last: ``(H, W, C)`` or ``(features,)``.
    trainable : int
        Parameters learned by gradient descent.
    non_trainable : int
        Numbers stored but not learned: batch norm's running mean and variance.
    """

    kind: str
    name: str
    output_shape: tuple[int, ...]
    trainable: int
    non_trainable: int


@dataclass(frozen=True)
class ParamTotals:
    """Parameter counts summed over a summary's rows."""

    trainable: int
    non_trainable: int

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable


def summary(config: CNNConfig | MLPConfig) -> list[LayerRow]:
    """Every layer of the model ``build_model(config)`` makes, with its output shape and parameters.

    Computed from the config alone (sizes by :func:`explorer.shapes.conv_output_size`).

    Parameters
    ----------
    config : CNNConfig or MLPConfig

    Returns
    -------
    list of LayerRow
        In the order the layers run. A convolution holds ``kh·kw·C_in·C_out + C_out``
        trainable numbers (weights and biases), a dense layer ``inputs·outputs + outputs``,
        batch norm ``2·C`` trainable (scale γ and shift β) and ``2·C`` non-trainable (running
        mean and variance); activation, pooling, flatten and dropout hold none.

    Notes
    -----
    PyTorch's batch norm also keeps a ``num_batches_tracked`` counter buffer; it is
    bookkeeping, not part of the model's arithmetic, so it is not counted (Keras has none).

    Examples
    --------
    >>> rows = summary(CNNConfig())
    >>> rows[0].output_shape, rows[0].trainable
    ((28, 28, 8), 80)
    >>> summary_totals(rows).trainable
    26698
    """
    activation = ACTIVATIONS[config.activation]
    if isinstance(config, MLPConfig):
        h, w = config.input_size
        rows = [LayerRow("flatten", "flatten", (h * w * config.in_channels,), 0, 0)]
        return rows + _dense_rows(rows[-1].output_shape[0], config.hidden_width, config, dropout_first=False)
    rows = []
    k = config.kernel_size
    channels = [config.in_channels, *config.filters]
    for block, ((c_in, c_out), (conv_hw, pool_hw)) in enumerate(
        zip(itertools.pairwise(channels), _block_sizes(config), strict=True), start=1
    ):
        rows.append(
            LayerRow(
                "conv",
                f"block {block}: convolution {k}×{k}, {c_out} filters",
                (*conv_hw, c_out),
                k * k * c_in * c_out + c_out,
                0,
            )
        )
        if config.batch_norm:
            rows.append(
                LayerRow("batchnorm", f"block {block}: batch norm", (*conv_hw, c_out), 2 * c_out, 2 * c_out)
            )
        rows.append(LayerRow("activation", f"block {block}: {activation}", (*conv_hw, c_out), 0, 0))
        if config.pooling != "none":
            rows.append(
                LayerRow("pooling", f"block {block}: {POOLINGS[config.pooling]}", (*pool_hw, c_out), 0, 0)
            )
    features = int(np.prod(rows[-1].output_shape))
    rows.append(LayerRow("flatten", "flatten", (features,), 0, 0))
    return rows + _dense_rows(features, config.dense_width, config, dropout_first=True)


def _dense_rows(
    features: int, width: int, config: CNNConfig | MLPConfig, *, dropout_first: bool
) -> list[LayerRow]:
    """Summary rows of ``_dense_head`` after its flatten."""
    dropout = [LayerRow("dropout", f"dropout {config.dropout:g}", (features,), 0, 0)]
    rows = dropout if dropout_first and config.dropout > 0 else []
    if width > 0:
        rows.append(LayerRow("dense", f"dense, {width} units", (width,), features * width + width, 0))
        rows.append(LayerRow("activation", ACTIVATIONS[config.activation], (width,), 0, 0))
        features = width
    if not dropout_first and config.dropout > 0:
        rows.append(LayerRow("dropout", f"dropout {config.dropout:g}", (features,), 0, 0))
    classes = config.num_classes
    rows.append(LayerRow("dense", f"dense, {classes} classes", (classes,), features * classes + classes, 0))
    return rows


def summary_totals(rows: Sequence[LayerRow]) -> ParamTotals:
    """Trainable and non-trainable parameters summed over ``rows``."""
    return ParamTotals(sum(row.trainable for row in rows), sum(row.non_trainable for row in rows))
