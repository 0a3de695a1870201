"""From layers to VGG16: follow a network's shapes, parameters, multiply–adds and receptive fields.

A network is a list of small frozen layer dataclasses, starting with :class:`Input`.
:func:`analyze` walks the list and returns one :class:`LayerReport` per layer; a layer
that cannot work where it stands (a kernel that no longer fits, a dense layer on
unflattened maps, ...) is flagged AT THAT LAYER with the size formula, and the layers
after it are marked as not computed — a user's network never raises.

Shapes are channels-last like the rest of ``explorer``: ``(H, W, C)`` for feature maps,
``(features,)`` once flattened. :func:`build_torch` and :func:`export_pytorch` turn the same
list into a PyTorch module, which takes PyTorch's ``(N, C, H, W)``.

Conventions
-----------
Parameters
    A convolution holds ``kh·kw·C_in·C_out + C_out`` trainable numbers (weights and one bias
    per filter), a dense layer ``in·out + out``, batch norm ``2·C`` trainable (scale γ and
    shift β) and ``2·C`` non-trainable (running mean and variance). Pooling, activations,
    flatten, dropout and softmax hold none.
Multiply–adds
    A convolution does ``H'·W'·C_out·kh·kw·C_in`` (every output value is one kernel-sized
    dot product), a dense layer ``in·out``. Bias additions are not counted (one per output
    value, tiny next to the products), nor are the element-wise layers (activations, batch
    norm, pooling, dropout, softmax), which do a handful of operations per value.
Receptive field
    The side of the input window one output value depends on, and the jump: how many input
    pixels apart two neighbouring output values' windows start. A k×k window with stride s
    gives ``r_out = r_in + (k − 1)·j_in`` and ``j_out = j_in·s``, starting from ``r = j = 1``
    at the input. Padding does not change it, so it can outgrow the input. After a dense
    layer every value sees the whole input.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from torch import nn

from explorer.models import POOL_SIZE, CNNConfig
from explorer.shapes import conv_output_size, size_formula

__all__ = [
    "ACTIVATIONS",
    "FLATTEN_ORDERS",
    "LAYER_WORDS",
    "MAX_SIDE",
    "MAX_WIDTH",
    "PRESETS",
    "Activation",
    "BatchNorm",
    "ComposedNetwork",
    "Conv",
    "CostLeaders",
    "Dense",
    "Dropout",
    "Flatten",
    "Input",
    "Layer",
    "LayerReport",
    "NetworkReport",
    "NetworkTextError",
    "Pool",
    "Preset",
    "Softmax",
    "analyze",
    "build_torch",
    "compose",
    "cost_figure",
    "cost_leaders",
    "describe",
    "export_pytorch",
    "flatten_figure",
    "flatten_position",
    "layers_from_cnn_config",
    "network_from_text",
    "network_to_text",
    "torch_layer",
    "vgg16",
]

# Layer name in the text → PyTorch class; also the allowed activation names.
ACTIVATIONS: dict[str, str] = {
    "relu": "ReLU",
    "leaky_relu": "LeakyReLU",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
}
POOL_MODES: dict[str, str] = {"max": "max", "avg": "average"}
FLATTEN_ORDERS: dict[str, str] = {
    "pytorch": "PyTorch: map by map",
    "keras": "Keras: pixel by pixel",
}


# Upper limits keep every count inside 64-bit integers (and far beyond any real network).
MAX_SIDE = 10_000  # input sides, kernels, strides, padding, pooling windows
MAX_WIDTH = 100_000  # channels, filters, dense units


def _check_whole(name: str, value: object, minimum: int, maximum: int | None = None) -> None:
    too_big = maximum is not None and isinstance(value, int) and value > maximum
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or too_big:
        limits = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum:,}"
        raise ValueError(f"{name} must be a whole number {limits}, got {value!r}")


# The layers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """The input picture: ``height × width × channels`` numbers (1 channel gray, 3 colour)."""

    height: int
    width: int
    channels: int = 1

    def __post_init__(self) -> None:
        _check_whole("input height", self.height, 1, MAX_SIDE)
        _check_whole("input width", self.width, 1, MAX_SIDE)
        _check_whole("input channels", self.channels, 1, MAX_WIDTH)


@dataclass(frozen=True)
class Conv:
    """A convolution with ``filters`` square ``kernel × kernel`` kernels.

    ``padding`` is cells added on each side, ``'valid'`` (none) or ``'same'`` (keep the size;
    stride 1 only, as in PyTorch).
    """

    filters: int
    kernel: int
    padding: int | Literal["same", "valid"] = 0
    stride: int = 1

    def __post_init__(self) -> None:
        _check_whole("filters", self.filters, 1, MAX_WIDTH)
        _check_whole("kernel", self.kernel, 1, MAX_SIDE)
        _check_whole("stride", self.stride, 1, MAX_SIDE)
        if self.padding not in ("same", "valid"):
            _check_whole("padding (or 'same' / 'valid')", self.padding, 0, MAX_SIDE)
        if self.padding == "same" and self.stride != 1:
            raise ValueError(f"padding 'same' keeps the size only with stride 1, got stride {self.stride}")

    @property
    def cells(self) -> int:
        """Padding cells on each side as a number (``'same'`` → ``(kernel − 1) / 2``, rounded down)."""
        if self.padding == "same":
            return (self.kernel - 1) // 2
        return 0 if self.padding == "valid" else self.padding


@dataclass(frozen=True)
class Pool:
    """Max or average pooling over ``size × size`` windows, ``stride`` apart (``None``: the size)."""

    size: int
    stride: int | None = None
    mode: Literal["max", "avg"] = "max"

    def __post_init__(self) -> None:
        _check_whole("pooling size", self.size, 1, MAX_SIDE)
        if self.stride is None:
            object.__setattr__(self, "stride", self.size)
        _check_whole("pooling stride", self.stride, 1, MAX_SIDE)
        if self.mode not in POOL_MODES:
            raise ValueError(f"pooling mode must be one of {sorted(POOL_MODES)}, got {self.mode!r}")


@dataclass(frozen=True)
class Activation:
    """An element-wise non-linearity: one of ``ACTIVATIONS``."""

    name: str = "relu"

    def __post_init__(self) -> None:
        if self.name not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {self.name!r}")


@dataclass(frozen=True)
class BatchNorm:
    """Batch normalization over the channels (or the features, once flat)."""


@dataclass(frozen=True)
class Flatten:
    """Lay the feature maps end to end as one vector: the image embedding."""


@dataclass(frozen=True)
class Dense:
    """A fully connected layer with ``units`` outputs."""

    units: int

    def __post_init__(self) -> None:
        _check_whole("dense units", self.units, 1, MAX_WIDTH)


@dataclass(frozen=True)
class Dropout:
    """Zero each value with probability ``rate`` while training (0 ≤ rate < 1)."""

    rate: float

    def __post_init__(self) -> None:
        if isinstance(self.rate, bool) or not isinstance(self.rate, int | float) or not 0 <= self.rate < 1:
            raise ValueError(
                f"dropout rate must be a number from 0 up to (not including) 1, got {self.rate!r}"
            )
        object.__setattr__(self, "rate", float(self.rate))


@dataclass(frozen=True)
class Softmax:
    """Turn a vector of class scores into probabilities that add up to 1."""


Layer = Input | Conv | Pool | Activation | BatchNorm | Flatten | Dense | Dropout | Softmax


def describe(layer: Layer) -> str:
    """A short plain name for a layer, as the table shows it.

    Examples
    --------
    >>> describe(Conv(64, 3, "same"))
    'conv 3×3, 64 filters, same padding'
    >>> describe(Pool(2))
    'max pool 2×2, stride 2'
    """
    if isinstance(layer, Input):
        return f"input {layer.height}×{layer.width}×{layer.channels}"
    if isinstance(layer, Conv):
        padding = "same padding" if layer.padding == "same" else f"padding {layer.cells}"
        if layer.cells == 0 and layer.padding != "same":
            padding = "no padding"
        stride = f", stride {layer.stride}" if layer.stride != 1 else ""
        return f"conv {layer.kernel}×{layer.kernel}, {layer.filters} filters, {padding}{stride}"
    if isinstance(layer, Pool):
        return f"{layer.mode} pool {layer.size}×{layer.size}, stride {layer.stride}"
    if isinstance(layer, Activation):
        return layer.name
    if isinstance(layer, Dense):
        return f"dense, {layer.units:,} units"
    if isinstance(layer, Dropout):
        return f"dropout {layer.rate:g}"
    return {BatchNorm: "batch norm", Flatten: "flatten", Softmax: "softmax"}[type(layer)]


# The walk ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerReport:
    """One row of the table: what a layer makes of its input.

    Attributes
    ----------
    index : int
        Position in the network (0 is the input).
    layer : Layer
    name : str
        :func:`describe` of the layer.
    status : {'ok', 'impossible', 'not computed'}
        ``'not computed'`` for every layer after an impossible one.
    output_shape : tuple of int or None
        Channels-last, without the batch axis: ``(H, W, C)`` or ``(features,)``.
    trainable, non_trainable, mult_adds : int
        See the module's conventions; 0 when not computed.
    receptive_field, jump : int or None
        Side of the input window one output value sees, and the step between neighbouring
        windows; ``None`` once every value sees the whole input (after a dense layer) or
        when not computed.
    formula : str
        The output-size formula of a convolution or pooling layer (height, and width when it
        differs); empty for the others.
    problem : str
        Why the layer is impossible; empty otherwise.
    """

    index: int
    layer: Layer
    name: str
    status: Literal["ok", "impossible", "not computed"]
    output_shape: tuple[int, ...] | None = None
    trainable: int = 0
    non_trainable: int = 0
    mult_adds: int = 0
    receptive_field: int | None = None
    jump: int | None = None
    formula: str = ""
    problem: str = ""

    @property
    def shape_text(self) -> str:
        """``'112 × 112 × 64'``, ``'4,096'`` or ``'—'``."""
        if self.output_shape is None:
            return "—"
        if len(self.output_shape) == 1:
            return f"{self.output_shape[0]:,}"
        return " × ".join(str(side) for side in self.output_shape)

    @property
    def receptive_text(self) -> str:
        """``'5×5, jump 2'``, ``'whole input'`` or ``'—'``."""
        if self.status != "ok":
            return "—"
        if self.receptive_field is None:
            return "whole input"
        return f"{self.receptive_field}×{self.receptive_field}, jump {self.jump}"


@dataclass(frozen=True)
class NetworkReport:
    """Every layer's report and the totals over the computed ones."""

    rows: tuple[LayerReport, ...]
    trainable: int
    non_trainable: int
    mult_adds: int

    @property
    def total_params(self) -> int:
        return self.trainable + self.non_trainable

    @property
    def ok(self) -> bool:
        """True when every layer could be computed."""
        return all(row.status == "ok" for row in self.rows)

    @property
    def problem(self) -> LayerReport | None:
        """The first impossible layer, if any."""
        return next((row for row in self.rows if row.status == "impossible"), None)

    @property
    def output_shape(self) -> tuple[int, ...] | None:
        """The last computed layer's output shape."""
        computed = [row for row in self.rows if row.status == "ok"]
        return computed[-1].output_shape if computed else None

    @property
    def flatten_row(self) -> LayerReport | None:
        """The first computed flatten that turns feature maps into a vector (the embedding)."""
        return next(
            (
                row
                for row in self.rows[1:]
                if isinstance(row.layer, Flatten)
                and row.status == "ok"
                and len(self.rows[row.index - 1].output_shape) == 3
            ),
            None,
        )


@dataclass
class _State:
    """What the walk knows about the values flowing out of the last layer."""

    shape: tuple[int, ...]
    receptive_field: int | None = 1
    jump: int | None = 1


def _window_sizes(
    state: _State, what: str, kernel: int, padding: int, stride: int
) -> tuple[tuple[int, int], str, str]:
    """Output (H', W') of a window sweep, the formula text, and why it fails ('' when it fits)."""
    h, w = state.shape[:2]
    sides = {"height": h} if h == w else {"height": h, "width": w}
    formulas = {
        name: f"{name} {size_formula(n, kernel, padding=padding, stride=stride)}" for name, n in sides.items()
    }
    sizes = {}
    for name, n in sides.items():
        try:
            sizes[name] = conv_output_size(n, kernel, padding=padding, stride=stride)
        except ValueError:
            sizes[name] = None
    formula = "; ".join(formulas.values())
    failing = [formulas[name] for name, size in sizes.items() if size is None]
    if failing:
        problem = (
            f"the {kernel}×{kernel} {what} no longer fits its {h}×{w} input: {'; '.join(failing)}, below 1"
        )
        return (0, 0), formula, problem
    return (sizes["height"], sizes.get("width", sizes["height"])), formula, ""


def _needs_maps(layer: Layer, shape: tuple[int, ...]) -> str:
    """Why a convolution or pooling cannot run on a flat vector ('' when the input is maps)."""
    if len(shape) == 3:
        return ""
    what = "a convolution" if isinstance(layer, Conv) else "pooling"
    return (
        f"{what} slides a window over feature maps (height × width × channels), but its input is "
        f"already a flat vector of {shape[0]:,} numbers: move it before the flatten"
    )


def _step(index: int, layer: Layer, state: _State) -> LayerReport:
    """One layer's report; updates ``state`` when the layer works."""
    name = describe(layer)
    shape = state.shape

    def impossible(problem: str, formula: str = "") -> LayerReport:
        return LayerReport(index, layer, name, "impossible", formula=formula, problem=problem)

    trainable = non_trainable = mult_adds = 0
    formula = ""
    if isinstance(layer, Input):
        return impossible("the input can only be the first layer")
    if isinstance(layer, Conv | Pool):
        problem = _needs_maps(layer, shape)
        if problem:
            return impossible(problem)
        if isinstance(layer, Conv):
            kernel, stride, what, padding = layer.kernel, layer.stride, "convolution", layer.cells
        else:
            kernel, stride, what, padding = layer.size, layer.stride, "pooling window", 0
        if isinstance(layer, Conv) and layer.padding == "same" and kernel % 2 == 0:
            # An even kernel pads one more cell at the bottom/right; 'same' keeps the size by definition.
            (h, w), formula = shape[:2], f"same padding keeps {shape[0]} × {shape[1]}"
        else:
            (h, w), formula, problem = _window_sizes(state, what, kernel, padding, stride)
            if problem:
                return impossible(problem, formula)
        c_in = shape[2]
        channels = layer.filters if isinstance(layer, Conv) else c_in
        if isinstance(layer, Conv):
            trainable = kernel * kernel * c_in * channels + channels
            mult_adds = h * w * channels * kernel * kernel * c_in
        state.shape = (h, w, channels)
        if state.receptive_field is not None:
            state.receptive_field += (kernel - 1) * state.jump
            state.jump *= stride
    elif isinstance(layer, Dense):
        if len(shape) == 3:
            return impossible(
                f"a dense layer takes a flat vector, but its input is a {' × '.join(map(str, shape))} block "
                "of feature maps: put a flatten line before it"
            )
        trainable = shape[0] * layer.units + layer.units
        mult_adds = shape[0] * layer.units
        state.shape = (layer.units,)
        state.receptive_field = state.jump = None
    elif isinstance(layer, Softmax):
        if len(shape) == 3:
            return impossible(
                "softmax turns a vector of class scores into probabilities, but its input is a "
                f"{' × '.join(map(str, shape))} block of feature maps: flatten and add a dense layer first"
            )
    elif isinstance(layer, BatchNorm):
        channels = shape[-1]
        trainable, non_trainable = 2 * channels, 2 * channels
    elif isinstance(layer, Flatten):
        state.shape = (math.prod(shape),)
    return LayerReport(
        index,
        layer,
        name,
        "ok",
        output_shape=state.shape,
        trainable=trainable,
        non_trainable=non_trainable,
        mult_adds=mult_adds,
        receptive_field=state.receptive_field,
        jump=state.jump,
        formula=formula,
    )


def analyze(layers: Sequence[Layer]) -> NetworkReport:
    """Walk a network and report every layer's output shape, parameters, work and receptive field.

    Parameters
    ----------
    layers : sequence of Layer
        Starting with one :class:`Input`.

    Returns
    -------
    NetworkReport
        One :class:`LayerReport` per layer, in order. The first layer that cannot work where it
        stands is ``'impossible'`` with the reason (and the size formula for a window that no
        longer fits); every later layer is ``'not computed'``. Totals cover the computed layers.

    Raises
    ------
    ValueError
        Only when ``layers`` is empty or does not start with an :class:`Input` (the text
        parser never lets that through).

    Examples
    --------
    >>> report = analyze([Input(6, 6, 3), Conv(4, 3), Flatten(), Dense(2)])
    >>> [row.output_shape for row in report.rows]
    [(6, 6, 3), (4, 4, 4), (64,), (2,)]
    >>> report.trainable, report.mult_adds
    (242, 1856)
    """
    if not layers or not isinstance(layers[0], Input):
        first = type(layers[0]).__name__ if layers else "nothing"
        raise ValueError(f"a network starts with an Input layer, got {first}")
    first = layers[0]
    state = _State((first.height, first.width, first.channels))
    rows = [LayerReport(0, first, describe(first), "ok", state.shape, receptive_field=1, jump=1)]
    for index, layer in enumerate(layers[1:], start=1):
        if rows[-1].status != "ok":
            rows.append(LayerReport(index, layer, describe(layer), "not computed"))
            continue
        rows.append(_step(index, layer, state))
    ok_rows = [row for row in rows if row.status == "ok"]
    return NetworkReport(
        tuple(rows),
        sum(row.trainable for row in ok_rows),
        sum(row.non_trainable for row in ok_rows),
        sum(row.mult_adds for row in ok_rows),
    )


@dataclass(frozen=True)
class CostLeaders:
    """The layer that holds the most parameters and the one that does the most multiply–adds.

    Attributes
    ----------
    biggest, busiest : LayerReport
    parameter_share, work_share : float
        Their share of the network's parameters and multiply–adds, 0 to 1.
    """

    biggest: LayerReport
    parameter_share: float
    busiest: LayerReport
    work_share: float


def cost_leaders(report: NetworkReport) -> CostLeaders | None:
    """Where most parameters and most work sit, or ``None`` for a network with nothing to learn.

    Examples
    --------
    >>> leaders = cost_leaders(analyze(vgg16()))
    >>> leaders.biggest.name, round(leaders.parameter_share, 3)
    ('dense, 4,096 units', 0.743)
    """
    rows = [row for row in report.rows if row.status == "ok" and row.trainable]
    if not rows:
        return None
    biggest = max(rows, key=lambda row: row.trainable + row.non_trainable)
    busiest = max(rows, key=lambda row: row.mult_adds)
    return CostLeaders(
        biggest,
        (biggest.trainable + biggest.non_trainable) / report.total_params,
        busiest,
        busiest.mult_adds / report.mult_adds if report.mult_adds else 0.0,
    )


# Text: one layer per line --------------------------------------------------------------------


class NetworkTextError(ValueError):
    """A line of a network's text that cannot be read; the message names the line."""

    def __init__(self, line_number: int, line: str, reason: str) -> None:
        self.line_number = line_number
        self.line = line
        self.reason = reason
        where = f"line {line_number} (“{line.strip()}”)" if line.strip() else f"line {line_number}"
        super().__init__(f"{where}: {reason}")


_USAGE: dict[str, str] = {
    "input": "input HEIGHT WIDTH CHANNELS, e.g. input 28 28 1",
    "conv": "conv FILTERS KERNEL [PADDING] [STRIDE], e.g. conv 8 3 same 1 (padding: a number, same or valid)",
    "maxpool": "maxpool SIZE [STRIDE], e.g. maxpool 2",
    "avgpool": "avgpool SIZE [STRIDE], e.g. avgpool 2",
    "dense": "dense UNITS, e.g. dense 32",
    "dropout": "dropout RATE, e.g. dropout 0.2",
}
_ALIASES: dict[str, str] = {
    "conv2d": "conv",
    "convolution": "conv",
    "max_pool": "maxpool",
    "maxpool2d": "maxpool",
    "avg_pool": "avgpool",
    "avgpool2d": "avgpool",
    "leakyrelu": "leaky_relu",
    "leaky-relu": "leaky_relu",
    "bn": "batchnorm",
    "batch_norm": "batchnorm",
    "fc": "dense",
    "linear": "dense",
}
_BARE = {"batchnorm": BatchNorm, "flatten": Flatten, "softmax": Softmax}
LAYER_WORDS = (
    "input",
    "conv",
    "maxpool",
    "avgpool",
    *ACTIVATIONS,
    "batchnorm",
    "flatten",
    "dense",
    "dropout",
    "softmax",
)


def _whole(word: str, what: str) -> int:
    if not re.fullmatch(r"\d+", word):
        raise ValueError(f"the {what} must be a whole number, got “{word}”")
    return int(word)


def _layer_from_words(kind: str, args: list[str]) -> Layer:
    """One layer from its name and arguments; ValueError says what is wrong."""
    if kind in ACTIVATIONS or kind in _BARE:
        if args:
            raise ValueError(f"{kind} takes no numbers, got “{' '.join(args)}”")
        return Activation(kind) if kind in ACTIVATIONS else _BARE[kind]()
    counts = {
        "input": (3, 3),
        "conv": (2, 4),
        "maxpool": (1, 2),
        "avgpool": (1, 2),
        "dense": (1, 1),
        "dropout": (1, 1),
    }
    low, high = counts[kind]
    if not low <= len(args) <= high:
        raise ValueError(f"write it as {_USAGE[kind]}")
    if kind == "input":
        height, width, channels = (
            _whole(word, what) for word, what in zip(args, ("height", "width", "channels"), strict=True)
        )
        return Input(height, width, channels)
    if kind == "conv":
        filters, kernel = _whole(args[0], "number of filters"), _whole(args[1], "kernel size")
        padding: int | str = 0
        if len(args) > 2:
            padding = (
                args[2].lower()
                if args[2].lower() in ("same", "valid")
                else _whole(args[2], "padding (a number, same or valid)")
            )
        stride = _whole(args[3], "stride") if len(args) > 3 else 1
        return Conv(filters, kernel, padding, stride)
    if kind in ("maxpool", "avgpool"):
        size = _whole(args[0], "pooling size")
        stride = _whole(args[1], "pooling stride") if len(args) > 1 else None
        return Pool(size, stride, "max" if kind == "maxpool" else "avg")
    if kind == "dense":
        return Dense(_whole(args[0], "number of units"))
    try:
        rate = float(args[0])
    except ValueError:
        raise ValueError(f"the dropout rate must be a number from 0 up to 1, got “{args[0]}”") from None
    if not 0 <= rate < 1:
        raise ValueError(f"the dropout rate must be from 0 up to (not including) 1, got {args[0]}")
    return Dropout(rate)


def network_from_text(text: str) -> list[Layer]:
    """Read a network written one layer per line.

    Parameters
    ----------
    text : str
        Lines such as ``input 28 28 1``, ``conv 8 3 same 1`` (filters, kernel, padding,
        stride), ``relu``, ``maxpool 2``, ``batchnorm``, ``flatten``, ``dense 32``,
        ``dropout 0.2``, ``softmax``; ``;`` separates layers on one line (as in the page's
        links). Blank lines and anything after ``#`` are ignored; numbers may be separated
        by spaces or commas. The first layer must be the input.

    Returns
    -------
    list of Layer

    Raises
    ------
    NetworkTextError
        For the first line that cannot be read, naming it and saying how to write it.

    Examples
    --------
    >>> network_from_text("input 28 28 1\\nconv 8 3 same\\nrelu")[1:]
    [Conv(filters=8, kernel=3, padding='same', stride=1), Activation(name='relu')]
    """
    layers: list[Layer] = []
    statements = [
        (number, part)
        for number, line in enumerate(text.splitlines(), start=1)
        for part in line.split("#", 1)[0].split(";")
    ]
    for number, statement in statements:
        words = statement.replace(",", " ").split()
        if not words:
            continue
        kind = _ALIASES.get(words[0].lower(), words[0].lower())
        if kind not in LAYER_WORDS:
            raise NetworkTextError(
                number, statement, f"unknown layer “{words[0]}”; use one of {', '.join(LAYER_WORDS)}"
            )
        if kind == "input" and layers:
            raise NetworkTextError(number, statement, "the input can only be the first line")
        if kind != "input" and not layers:
            raise NetworkTextError(number, statement, f"the first line must be the input: {_USAGE['input']}")
        try:
            layers.append(_layer_from_words(kind, words[1:]))
        except ValueError as error:
            raise NetworkTextError(number, statement, str(error)) from None
    if not layers:
        raise NetworkTextError(1, "", f"the network is empty: start with {_USAGE['input']}")
    return layers


def network_to_text(layers: Sequence[Layer]) -> str:
    """The text :func:`network_from_text` reads back as ``layers``.

    Examples
    --------
    >>> print(network_to_text([Input(28, 28, 1), Conv(8, 3, 1), Pool(2), Flatten(), Dense(10)]))
    input 28 28 1
    conv 8 3 1 1
    maxpool 2
    flatten
    dense 10
    """
    lines = []
    for layer in layers:
        if isinstance(layer, Input):
            lines.append(f"input {layer.height} {layer.width} {layer.channels}")
        elif isinstance(layer, Conv):
            lines.append(f"conv {layer.filters} {layer.kernel} {layer.padding} {layer.stride}")
        elif isinstance(layer, Pool):
            stride = f" {layer.stride}" if layer.stride != layer.size else ""
            lines.append(f"{layer.mode}pool {layer.size}{stride}")
        elif isinstance(layer, Activation):
            lines.append(layer.name)
        elif isinstance(layer, Dense):
            lines.append(f"dense {layer.units}")
        elif isinstance(layer, Dropout):
            lines.append(f"dropout {layer.rate:g}")
        else:
            lines.append({BatchNorm: "batchnorm", Flatten: "flatten", Softmax: "softmax"}[type(layer)])
    return "\n".join(lines)


# Presets -----------------------------------------------------------------------------------


def layers_from_cnn_config(config: CNNConfig) -> list[Layer]:
    """The layers of the training lab's CNN for a ``explorer.models.CNNConfig``, in the order it runs.

    Blocks of convolution → (batch norm) → activation → (2×2 pooling, stride 2), then
    flatten → (dropout) → (dense ``dense_width`` → activation) → dense to the classes (logits,
    no softmax: the lab's loss applies it).
    """
    layers: list[Layer] = [Input(*config.input_size, config.in_channels)]
    for filters in config.filters:
        layers.append(Conv(filters, config.kernel_size, config.padding, config.stride))
        if config.batch_norm:
            layers.append(BatchNorm())
        layers.append(Activation(config.activation))
        if config.pooling != "none":
            layers.append(Pool(POOL_SIZE, POOL_SIZE, config.pooling))
    layers.append(Flatten())
    if config.dropout > 0:
        layers.append(Dropout(config.dropout))
    if config.dense_width > 0:
        layers += [Dense(config.dense_width), Activation(config.activation)]
    layers.append(Dense(config.num_classes))
    return layers


def vgg16() -> list[Layer]:
    """VGG16 as the notes describe it: 138,357,544 parameters for a 224×224×3 input.

    Five blocks of 3×3 convolutions (stride 1, same padding, ReLU) with 64, 128, 256, 512 and
    512 filters — two convolutions in each of the first two blocks, three in the others — each
    block ending in a 2×2 max pool with stride 2; then flatten, dense 4096, 4096 and 1000, and
    softmax.
    """
    layers: list[Layer] = [Input(224, 224, 3)]
    for filters, convs in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
        for _ in range(convs):
            layers += [Conv(filters, 3, "same", 1), Activation("relu")]
        layers.append(Pool(2, 2))
    layers.append(Flatten())
    layers += [Dense(4096), Activation("relu"), Dense(4096), Activation("relu"), Dense(1000), Softmax()]
    return layers


def _flatten_example() -> list[Layer]:
    """Two convolution blocks that end in the notes' 4×9×5 maps, flattened into 180 numbers."""
    return [
        Input(16, 36, 3),
        Conv(8, 3, "same", 1),
        Activation("relu"),
        Pool(2),
        Conv(5, 3, "same", 1),
        Activation("relu"),
        Pool(2),
        Flatten(),
        Dense(10),
        Softmax(),
    ]


def _too_deep() -> list[Layer]:
    """5×5 valid convolutions on 28×28 digits: the third no longer fits its 4×4 input."""
    return [
        Input(28, 28, 1),
        Conv(8, 5, "valid", 1),
        Activation("relu"),
        Pool(2),
        Conv(16, 5, "valid", 1),
        Activation("relu"),
        Pool(2),
        Conv(32, 5, "valid", 1),
        Activation("relu"),
        Flatten(),
        Dense(10),
        Softmax(),
    ]


@dataclass(frozen=True)
class Preset:
    """A ready-made network: what to call it, one sentence about it, and its text."""

    label: str
    about: str
    text: str


def _presets() -> dict[str, Preset]:
    return {
        "small-cnn": Preset(
            "The training lab's small CNN",
            "The default network of the training lab, for 28×28 handwritten digits: two convolution "
            "blocks, then a small dense head.",
            network_to_text(layers_from_cnn_config(CNNConfig())),
        ),
        "vgg16": Preset(
            "VGG16",
            "VGG16 as the notes describe it: 3×3 convolutions with stride 1 and same padding, 2×2 max "
            "pooling with stride 2, 64 → 128 → 256 → 512 → 512 filters, then dense 4096, 4096 and 1000.",
            network_to_text(vgg16()),
        ),
        "flatten": Preset(
            "The notes' 4 × 9 × 5 → 180 embedding",
            "Two convolution blocks end in 4×9×5 feature maps, which flatten into the notes' "
            "180-number embedding.",
            network_to_text(_flatten_example()),
        ),
        "too-deep": Preset(
            "A kernel that no longer fits",
            "Unpadded 5×5 convolutions and pooling shrink a 28×28 digit so fast that the third "
            "convolution finds only a 4×4 input.",
            network_to_text(_too_deep()),
        ),
    }


PRESETS: dict[str, Preset] = _presets()


# PyTorch -------------------------------------------------------------------------------------


def _torch_expression(layer: Layer, shape: tuple[int, ...]) -> str:
    """The ``nn.…(…)`` source of one layer whose input has channels-last ``shape``."""
    if isinstance(layer, Conv):
        padding = f'"{layer.padding}"' if isinstance(layer.padding, str) else str(layer.padding)
        stride = f", stride={layer.stride}" if layer.stride != 1 else ""
        return (
            f"nn.Conv2d({shape[2]}, {layer.filters}, kernel_size={layer.kernel}{stride}, padding={padding})"
        )
    if isinstance(layer, Pool):
        name = "MaxPool2d" if layer.mode == "max" else "AvgPool2d"
        return f"nn.{name}({layer.size}, stride={layer.stride})"
    if isinstance(layer, Activation):
        return f"nn.{ACTIVATIONS[layer.name]}()"
    if isinstance(layer, BatchNorm):
        return f"nn.BatchNorm{2 if len(shape) == 3 else 1}d({shape[-1]})"
    if isinstance(layer, Dense):
        return f"nn.Linear({shape[0]}, {layer.units})"
    if isinstance(layer, Dropout):
        return f"nn.Dropout(p={layer.rate:g})"
    if isinstance(layer, Softmax):
        return "nn.Softmax(dim=1)"
    return "nn.Flatten()"


def _checked(layers: Sequence[Layer]) -> NetworkReport:
    report = analyze(layers)
    if report.problem is not None:
        raise ValueError(
            f"layer {report.problem.index} ({report.problem.name}) is impossible: {report.problem.problem}"
        )
    return report


def torch_layer(layer: Layer, input_shape: tuple[int, ...]) -> nn.Module:
    """The PyTorch module for one layer whose input has channels-last ``input_shape``.

    ``Input`` gives ``nn.Identity()``. The module is not checked against the shape: an
    impossible layer fails when it runs, as in PyTorch.
    """
    if isinstance(layer, Conv):
        return nn.Conv2d(
            input_shape[2],
            layer.filters,
            layer.kernel,
            stride=layer.stride,
            padding=layer.padding if layer.padding == "same" else layer.cells,
        )
    if isinstance(layer, Pool):
        return (nn.MaxPool2d if layer.mode == "max" else nn.AvgPool2d)(layer.size, stride=layer.stride)
    if isinstance(layer, Activation):
        return getattr(nn, ACTIVATIONS[layer.name])()
    if isinstance(layer, BatchNorm):
        return (nn.BatchNorm2d if len(input_shape) == 3 else nn.BatchNorm1d)(input_shape[-1])
    if isinstance(layer, Dense):
        return nn.Linear(input_shape[0], layer.units)
    if isinstance(layer, Dropout):
        return nn.Dropout(p=layer.rate)
    if isinstance(layer, Softmax):
        return nn.Softmax(dim=1)
    return nn.Flatten() if isinstance(layer, Flatten) else nn.Identity()


def build_torch(layers: Sequence[Layer]) -> nn.Sequential:
    """An ``nn.Sequential`` of the network, taking PyTorch's ``(N, C, H, W)`` images.

    Build it under ``torch.device('meta')`` to count a big network's parameters without
    allocating them.

    Raises
    ------
    ValueError
        When a layer is impossible (see :func:`analyze`).
    """
    report = _checked(layers)
    inputs = [report.rows[index - 1].output_shape for index in range(1, len(layers))]
    return nn.Sequential(
        *(torch_layer(layer, shape) for layer, shape in zip(layers[1:], inputs, strict=True))
    )


def _shape_comment(shape: tuple[int, ...]) -> str:
    """PyTorch's order for a channels-last shape: ``(N, C, H, W)`` or ``(N, F)``."""
    if len(shape) == 3:
        return f"(N, {shape[2]}, {shape[0]}, {shape[1]})"
    return f"(N, {shape[0]})"


def export_pytorch(layers: Sequence[Layer], class_name: str = "Network") -> str:
    """Short, runnable PyTorch source for the network: a module class and a tiny check.

    The convolution part (everything before the first flatten) becomes ``self.features``, the
    rest ``self.classifier``, as in torchvision's VGG. The module takes ``(N, C, H, W)``.

    Raises
    ------
    ValueError
        When a layer is impossible, or ``class_name`` is not a Python name.
    """
    if not class_name.isidentifier():
        raise ValueError(f"class_name must be a Python name, got {class_name!r}")
    report = _checked(layers)
    first = layers[0]
    split = next((i for i, layer in enumerate(layers) if isinstance(layer, Flatten)), len(layers))
    parts = [("features", range(1, split)), ("classifier", range(max(split, 1), len(layers)))]
    parts = [(name, indices) for name, indices in parts if len(indices)]
    out_shape = report.output_shape
    in_comment = f"(N, {first.channels}, {first.height}, {first.width})"
    counts = f"{report.trainable:,} trainable parameters"
    if report.non_trainable:
        counts += f" + {report.non_trainable:,} non-trainable (batch-norm running statistics)"
    lines = [
        '"""A network exported from Convolution Explorer."""',
        "",
        "import torch",
        "from torch import nn",
        "",
        "",
        f"class {class_name}(nn.Module):",
        f'    """{in_comment} images → {_shape_comment(out_shape)}; {counts}."""',
        "",
        "    def __init__(self) -> None:",
        "        super().__init__()",
    ]
    for name, indices in parts:
        lines.append(f"        self.{name} = nn.Sequential(")
        for index in indices:
            expression = _torch_expression(layers[index], report.rows[index - 1].output_shape)
            reshapes = isinstance(layers[index], Conv | Pool | Flatten | Dense)
            comment = f"  # → {_shape_comment(report.rows[index].output_shape)}" if reshapes else ""
            lines.append(f"            {expression},{comment}")
        lines.append("        )")
    lines += ["", "    def forward(self, x: torch.Tensor) -> torch.Tensor:"]
    lines.append(f"        # x: {in_comment}, channels first as PyTorch expects")
    if not parts:
        lines.append("        return x")
    for number, (name, indices) in enumerate(parts):
        shape = _shape_comment(report.rows[indices[-1]].output_shape)
        prefix = "return " if number == len(parts) - 1 else "x = "
        lines.append(f"        {prefix}self.{name}(x)  # {shape}")
    lines += [
        "",
        "",
        'if __name__ == "__main__":',
        f"    model = {class_name}()",
        "    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)",
        '    print(f"{trainable:,} trainable parameters")',
        f"    print(model.eval()(torch.rand(1, {first.channels}, {first.height}, {first.width})).shape)",
        "",
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class ComposedNetwork:
    """A network read from its text, with its report and, when possible, its PyTorch code."""

    layers: tuple[Layer, ...]
    report: NetworkReport
    code: str  # export_pytorch's source; empty when a layer is impossible


def compose(text: str) -> ComposedNetwork:
    """Read, analyse and export a network written one layer per line.

    Raises
    ------
    NetworkTextError
        When a line cannot be read (see :func:`network_from_text`).
    """
    layers = network_from_text(text)
    report = analyze(layers)
    return ComposedNetwork(tuple(layers), report, export_pytorch(layers) if report.ok else "")


# Figures --------------------------------------------------------------------------------------

_PARAM_COLOR = "#0072B2"  # Okabe–Ito blue
_WORK_COLOR = "#E69F00"  # Okabe–Ito orange
_MAP_COLORS = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]
_HIDDEN_COLOR = "#d9d9d9"


def cost_figure(report: NetworkReport, *, log_scale: bool = False) -> go.Figure:
    """Two bar charts: where the parameters live, and where the multiply–adds are done.

    Parameters
    ----------
    report : NetworkReport
    log_scale : bool, optional
        A logarithmic y-axis, so small layers show beside huge ones.

    Returns
    -------
    go.Figure
        One bar per computed layer that holds parameters or does multiply–adds (convolution,
        batch norm, dense), labelled with its share of the total.
    """
    rows = [
        row
        for row in report.rows
        if row.status == "ok" and (row.trainable or row.non_trainable or row.mult_adds)
    ]
    labels = [f"{row.index}: {_short_name(row.layer)}" for row in rows]
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=(
            f"Parameters: {report.total_params:,} in all",
            f"Multiply–adds for one picture: {report.mult_adds:,} in all",
        ),
    )
    for number, (values, total, color, what) in enumerate(
        (
            (
                [row.trainable + row.non_trainable for row in rows],
                report.total_params,
                _PARAM_COLOR,
                "parameters",
            ),
            ([row.mult_adds for row in rows], report.mult_adds, _WORK_COLOR, "multiply–adds"),
        ),
        start=1,
    ):
        shares = [value / total if total else 0.0 for value in values]
        figure.add_trace(
            go.Bar(
                x=labels,
                y=values,
                marker_color=color,
                text=[f"{share:.0%}" if share >= 0.005 else "" for share in shares],
                textposition="outside",
                cliponaxis=False,
                customdata=np.array(
                    [[f"{value:,}", f"{share:.1%}"] for value, share in zip(values, shares, strict=True)],
                    dtype=object,
                ).reshape(-1, 2),
                hovertemplate=f"%{{x}}<br>%{{customdata[0]}} {what} (%{{customdata[1]}})<extra></extra>",
                showlegend=False,
            ),
            row=number,
            col=1,
        )
        figure.update_yaxes(title_text=what, type="log" if log_scale else "linear", row=number, col=1)
    figure.update_xaxes(tickangle=-45, row=2, col=1)
    figure.update_layout(height=560, margin={"l": 60, "r": 20, "t": 40, "b": 120}, bargap=0.25)
    return figure


def _short_name(layer: Layer) -> str:
    if isinstance(layer, Conv):
        return f"conv {layer.kernel}×{layer.kernel}×{layer.filters}"
    if isinstance(layer, Dense):
        return f"dense {layer.units}"
    return describe(layer)


def flatten_position(row: int, col: int, channel: int, shape: tuple[int, int, int], order: str) -> int:
    """Where cell ``(row, col)`` of map ``channel`` lands in the flattened vector.

    ``order='pytorch'`` lays the maps end to end (PyTorch flattens ``(C, H, W)``);
    ``order='keras'`` takes all channels of a pixel together (Keras flattens ``(H, W, C)``).

    Examples
    --------
    >>> flatten_position(0, 1, 0, (4, 9, 5), "pytorch"), flatten_position(0, 1, 0, (4, 9, 5), "keras")
    (1, 5)
    """
    if order not in FLATTEN_ORDERS:
        raise ValueError(f"order must be one of {sorted(FLATTEN_ORDERS)}, got {order!r}")
    height, width, channels = shape
    if order == "pytorch":
        return (channel * height + row) * width + col
    return (row * width + col) * channels + channel


def flatten_figure(
    shape: tuple[int, int, int],
    *,
    order: str = "pytorch",
    max_maps: int = 6,
    max_side: int = 12,
    max_values: int = 240,
) -> go.Figure:
    """The last feature maps and the vector they flatten into, cells coloured by map.

    Parameters
    ----------
    shape : (H, W, C) tuple of int
        The feature maps' shape, channels-last.
    order : {'pytorch', 'keras'}, optional
        See :func:`flatten_position`.
    max_maps, max_side, max_values : int, optional
        Show at most this many maps, this many cells a side of each (the top-left corner),
        and this many of the vector's first positions; the titles say when something is left out.

    Returns
    -------
    go.Figure
        Top row: the maps, each cell showing its position in the vector. Bottom: the vector's
        first positions, coloured by the map each came from (grey for maps not drawn above).
    """
    height, width, channels = shape
    for name, value in (("height", height), ("width", width), ("channels", channels)):
        _check_whole(f"feature-map {name}", value, 1)
    shown_maps = min(channels, max_maps)
    rows_shown, cols_shown = min(height, max_side), min(width, max_side)
    cropped = rows_shown < height or cols_shown < width
    total = height * width * channels
    length = min(total, max_values)
    vector_title = f"the vector: {total:,} numbers"
    if length < total:
        vector_title += f" (the first {length:,} shown)"
    if shown_maps < channels:
        vector_title += f" · {shown_maps} of {channels} maps drawn above, grey: the others"
    # Cells about square at a ~1000-pixel-wide figure: the maps' row is as tall as they need.
    maps_px = int(np.clip(1000 / shown_maps * rows_shown / cols_shown, 90, 380))
    vector_px, gap_px, top_px, bottom_px = 60, 80, 40, 50
    figure = make_subplots(
        rows=2,
        cols=shown_maps,
        specs=[[{}] * shown_maps, [{"colspan": shown_maps}] + [None] * (shown_maps - 1)],
        row_heights=[maps_px, vector_px],
        vertical_spacing=gap_px / (maps_px + vector_px + gap_px),
        horizontal_spacing=0.02,
        subplot_titles=[
            f"map {c + 1}" + (f" (top-left {rows_shown}×{cols_shown} of {height}×{width})" if cropped else "")
            for c in range(shown_maps)
        ]
        + [vector_title],
    )
    rr, cc = np.mgrid[0:rows_shown, 0:cols_shown]  # (rows_shown, cols_shown) each
    # Write the positions only where they fit: about 150 digits across the figure.
    digits = len(str(int(flatten_position(rows_shown - 1, cols_shown - 1, shown_maps - 1, shape, order))))
    write = cols_shown * shown_maps * max(digits, 3) <= 150
    for c in range(shown_maps):
        positions = flatten_position(rr, cc, c, shape, order)  # (rows_shown, cols_shown)
        color = _MAP_COLORS[c % len(_MAP_COLORS)]
        figure.add_trace(
            go.Heatmap(
                z=np.full(positions.shape, float(c)),
                text=positions,
                texttemplate="%{text}" if write else None,
                textfont={"size": 10},
                colorscale=[[0, color], [1, color]],
                showscale=False,
                xgap=1,
                ygap=1,
                hovertemplate=f"map {c + 1}, row %{{y}}, column %{{x}}<br>position %{{text}}<extra></extra>",
            ),
            row=1,
            col=c + 1,
        )
        figure.update_yaxes(autorange="reversed", showticklabels=c == 0, row=1, col=c + 1)
        figure.update_xaxes(showticklabels=False, row=1, col=c + 1)
    vector = np.arange(length)
    channel_of = vector // (height * width) if order == "pytorch" else vector % channels
    colors = [_MAP_COLORS[c % len(_MAP_COLORS)] if c < shown_maps else _HIDDEN_COLOR for c in channel_of]
    figure.add_trace(
        go.Bar(
            x=vector,
            y=np.ones(length),
            marker_color=colors,
            marker_line_width=0,
            width=0.9,
            customdata=channel_of + 1,
            hovertemplate="position %{x}<br>from map %{customdata}<extra></extra>",
            showlegend=False,
        ),
        row=2,
        col=1,
    )
    figure.update_yaxes(visible=False, row=2, col=1)
    figure.update_xaxes(title_text="position in the vector", row=2, col=1, range=[-0.5, length - 0.5])
    figure.update_layout(
        height=maps_px + vector_px + gap_px + top_px + bottom_px,
        margin={"l": 30, "r": 10, "t": top_px, "b": bottom_px},
        plot_bgcolor="white",
    )
    return figure
