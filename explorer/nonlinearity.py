"""Why activation functions matter: their curves, their effect on a feature map, and a tiny experiment.

The experiment trains two models on a small 2-D data set that no straight line
separates: a linear model (logistic regression), which can only draw a straight
boundary, and a model with one hidden layer and an activation, which can bend it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn.functional as F

from explorer.activations import ACTIVATIONS
from explorer.images import to_grayscale
from explorer.kernels import SOBEL_HORIZONTAL
from explorer.ops import filter2d
from explorer.pixels import Window, clamp_window

# Each activation and its derivative in LaTeX.
FORMULAS: dict[str, str] = {
    "sigmoid": r"\sigma(x) = \frac{1}{1 + e^{-x}} \qquad \sigma'(x) = \sigma(x)\,(1 - \sigma(x))",
    "relu": r"\mathrm{ReLU}(x) = \max(0, x) \qquad "
    r"\mathrm{ReLU}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}",
    "tanh": r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}} \qquad \tanh'(x) = 1 - \tanh^2(x)",
    "leaky-relu": r"\mathrm{LeakyReLU}(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}"
    r" \qquad \mathrm{LeakyReLU}'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}",
}

# What each activation does to a negative input: a short label and a sentence.
NEGATIVE_FATES: dict[str, tuple[str, str]] = {
    "relu": ("all 0", "became 0"),
    "leaky-relu": ("× α = {alpha:g}", "were multiplied by α = {alpha:g} (kept small, not 0)"),
    "sigmoid": ("between 0 and 0.5", "were squashed to between 0 and 0.5"),
    "tanh": ("between −1 and 0", "stay negative, squashed to between −1 and 0"),
}

# Okabe–Ito colours: distinguishable with every common form of colour blindness.
FUNCTION_COLOR = "#0072B2"
DERIVATIVE_COLOR = "#D55E00"
CLASS_COLORS = ("#E69F00", "#0072B2")
CLASS_SYMBOLS = ("circle", "x")


def activate(x: np.ndarray, name: str, alpha: float = 0.01) -> np.ndarray:
    """Apply an activation from ``explorer.activations.ACTIVATIONS`` element-wise.

    Parameters
    ----------
    x : ndarray
    name : {'sigmoid', 'relu', 'tanh', 'leaky-relu'}
    alpha : float, optional
        Leaky ReLU's slope for negative inputs (ignored by the others).

    Returns
    -------
    float64 ndarray, same shape as ``x``
    """
    activation = _activation(name)
    return activation.function(x, alpha) if name == "leaky-relu" else activation.function(x)


def derivative(x: np.ndarray, name: str, alpha: float = 0.01) -> np.ndarray:
    """The derivative of an activation at ``x``, element-wise (see :func:`activate`)."""
    activation = _activation(name)
    return activation.derivative(x, alpha) if name == "leaky-relu" else activation.derivative(x)


def _activation(name: str):
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name]


# Curves -----------------------------------------------------------------------------------


def curve_figure(name: str, alpha: float = 0.01, x_range: float = 6.0) -> go.Figure:
    """One activation and its derivative on ``−x_range..x_range``, as two lines."""
    x = np.linspace(-x_range, x_range, 601)  # (601,) with 0 exactly on the grid
    label = ACTIVATIONS[name].name
    title = label if name != "leaky-relu" else f"{label} (α = {alpha:g})"
    figure = go.Figure()
    figure.add_scatter(
        x=x, y=activate(x, name, alpha), name=f"{label}(x)", line={"color": FUNCTION_COLOR, "width": 4}
    )
    figure.add_scatter(
        x=x,
        y=derivative(x, name, alpha),
        name="derivative (slope)",
        line={"color": DERIVATIVE_COLOR, "width": 3, "dash": "dash"},
    )
    _style_axes(figure, title)
    return figure


def all_curves_figure(focus: str, alpha: float = 0.01, x_range: float = 6.0) -> go.Figure:
    """All four activations on one chart; ``focus`` drawn thick, the rest thin."""
    x = np.linspace(-x_range, x_range, 601)  # (601,)
    figure = go.Figure()
    colors = {"sigmoid": "#CC79A7", "relu": "#0072B2", "tanh": "#009E73", "leaky-relu": "#E69F00"}
    for name, activation in ACTIVATIONS.items():
        focused = name == focus
        figure.add_scatter(
            x=x,
            y=activate(x, name, alpha),
            name=activation.name,
            line={"color": colors[name], "width": 5 if focused else 2, "dash": None if focused else "dot"},
            opacity=1.0 if focused else 0.7,
        )
    _style_axes(figure, "All four, side by side")
    figure.update_yaxes(range=[-1.5, 3.0])
    return figure


def _style_axes(figure: go.Figure, title: str) -> None:
    figure.update_layout(
        title={"text": title, "font": {"size": 20}},
        height=420,
        margin={"l": 50, "r": 10, "t": 50, "b": 90},
        # Below the x-axis title, not on top of it.
        legend={"orientation": "h", "y": -0.3, "yanchor": "top", "font": {"size": 15}},
        font={"size": 15},
        plot_bgcolor="white",
    )
    grid = {"showgrid": True, "gridcolor": "#e0e0e0", "zeroline": True, "zerolinecolor": "#888"}
    figure.update_xaxes(title="x (the value going in)", **grid)
    figure.update_yaxes(**grid)


# A feature map before and after -----------------------------------------------------------


@dataclass(frozen=True)
class ActivationEffect:
    """What an activation did to a map.

    Attributes
    ----------
    after : ndarray, same shape as the input
    negatives : int
        Values below 0 before.
    total : int
        Number of values.
    """

    after: np.ndarray
    negatives: int
    total: int

    @property
    def negative_percent(self) -> float:
        """``negatives`` as a percentage of ``total``."""
        return 100.0 * self.negatives / self.total if self.total else 0.0


def apply_activation(values: np.ndarray, name: str, alpha: float = 0.01) -> ActivationEffect:
    """Apply an activation to a whole map and count the negatives it received.

    Examples
    --------
    >>> effect = apply_activation(np.array([[0, -1020], [5, -3]]), "relu")
    >>> effect.after.tolist(), effect.negatives, effect.negative_percent
    ([[0.0, 0.0], [5.0, 0.0]], 2, 50.0)
    """
    values = np.asarray(values)
    return ActivationEffect(activate(values, name, alpha), int((values < 0).sum()), int(values.size))


def negative_fate(name: str, alpha: float = 0.01, *, short: bool = False) -> str:
    """What the activation did to the negative values: ``'became 0'`` (or ``'all 0'``) for ReLU."""
    _activation(name)
    return NEGATIVE_FATES[name][0 if short else 1].format(alpha=alpha)


def sobel_feature_map(pixels: np.ndarray, *, upside_down: bool = False) -> np.ndarray:
    """The horizontal Sobel kernel over the grayscale picture: a feature map with both signs.

    Parameters
    ----------
    pixels : (H, W, 3) or (H, W) uint8 ndarray
    upside_down : bool, optional
        Use the kernel flipped top to bottom, so dark-above-bright edges come out
        positive instead of negative.

    Returns
    -------
    (H − 2, W − 2) float32 ndarray

    Examples
    --------
    >>> notes = np.repeat([0, 255], 18).reshape(6, 6).astype(np.uint8)
    >>> sobel_feature_map(notes)[:, 0].tolist()
    [0.0, -1020.0, -1020.0, 0.0]
    """
    kernel = SOBEL_HORIZONTAL.weights[::-1] if upside_down else SOBEL_HORIZONTAL.weights
    return filter2d(to_grayscale(np.asarray(pixels)), kernel)


def negative_window(values: np.ndarray, size: int) -> Window:
    """A ``size × size`` window around the most negative value, moved to fit inside the map.

    That is where an activation changes the most; a map with no negatives gets the
    window around its largest value instead.

    Examples
    --------
    >>> negative_window(np.array([[0, 5, 0], [0, 0, -1]]), 2)
    Window(top=0, left=1, height=2, width=2)
    """
    values = np.asarray(values)
    flat = int(np.argmin(values)) if values.min() < 0 else int(np.argmax(values))
    row, col = np.unravel_index(flat, values.shape)
    return clamp_window(values.shape, int(row) - size // 2, int(col) - size // 2, size)


# Two models on a data set no straight line separates ---------------------------------------

DATASETS: dict[str, str] = {
    "moons": "Two interleaved moons",
    "circles": "A circle inside a ring",
    "xor": "XOR: opposite corners alike",
}


# The hidden layer's choices; "none" shows that without an activation the boundary stays straight.
HIDDEN_ACTIVATIONS: dict[str, str] = {
    "relu": "ReLU",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "leaky-relu": "leaky ReLU",
    "none": "no-activation",
}


def make_dataset(name: str, n_points: int = 200, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small 2-D data set of two balanced classes that no straight line separates.

    Parameters
    ----------
    name : {'moons', 'circles', 'xor'}
    n_points : int, optional
        Even, at least 4; half of each class.
    seed : int, optional
        The same seed gives the same points.

    Returns
    -------
    points : (n_points, 2) float32 ndarray
        Roughly within −2..2 on both axes.
    labels : (n_points,) int64 ndarray
        0 for the first half, 1 for the second.

    Examples
    --------
    >>> points, labels = make_dataset("xor", 8)
    >>> points.shape, labels.tolist()
    ((8, 2), [0, 0, 0, 0, 1, 1, 1, 1])
    """
    if name not in DATASETS:
        raise ValueError(f"data set must be one of {sorted(DATASETS)}, got {name!r}")
    if isinstance(n_points, bool) or not isinstance(n_points, int) or n_points < 4 or n_points % 2:
        raise ValueError(f"n_points must be an even whole number >= 4, got {n_points!r}")
    rng = np.random.default_rng(seed)
    half = n_points // 2
    if name == "moons":
        angles = rng.uniform(0, np.pi, (2, half))  # (2, half)
        upper = np.stack([np.cos(angles[0]), np.sin(angles[0])], axis=1)  # (half, 2)
        lower = np.stack([1 - np.cos(angles[1]), 0.5 - np.sin(angles[1])], axis=1)  # (half, 2)
        points = np.concatenate([upper, lower]) - [0.5, 0.25]
        points = points * 1.3 + rng.normal(0, 0.12, (n_points, 2))
    elif name == "circles":
        radius = np.concatenate([rng.uniform(0, 0.7, half), rng.uniform(1.2, 1.7, half)])  # (n,)
        angle = rng.uniform(0, 2 * np.pi, n_points)  # (n,)
        points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    else:
        signs = rng.choice([-1.0, 1.0], (2, half))  # (2, half)
        corners0 = np.stack([signs[0], signs[0]], axis=1)  # (half, 2): bottom-left and top-right
        corners1 = np.stack([signs[1], -signs[1]], axis=1)  # (half, 2): top-left and bottom-right
        points = np.concatenate([corners0, corners1]) * rng.uniform(0.25, 1.6, (n_points, 2))
    labels = np.repeat([0, 1], half).astype(np.int64)
    return points.astype(np.float32), labels


@dataclass(frozen=True)
class TrainedModel:
    """A model trained on the data set, with its decisions over a grid.

    Attributes
    ----------
    name : str
    accuracy : float
        Share of the training points it classifies correctly, 0..1.
    grid_x, grid_y : (G,) float32 ndarray
        The grid's coordinates.
    probability : (G, G) float32 ndarray
        Its probability of class 1 at each grid point, row = y.
    """

    name: str
    accuracy: float
    grid_x: np.ndarray
    grid_y: np.ndarray
    probability: np.ndarray


@dataclass(frozen=True)
class ModelComparison:
    """The data and both models.

    Attributes
    ----------
    points : (n, 2) float32 ndarray
    labels : (n,) int64 ndarray
    linear, hidden : TrainedModel
    """

    points: np.ndarray
    labels: np.ndarray
    linear: TrainedModel
    hidden: TrainedModel


def compare_models(
    dataset: str,
    activation: str = "relu",
    hidden_units: int = 16,
    *,
    alpha: float = 0.01,
    seed: int = 0,
    steps: int = 300,
    grid_size: int = 90,
) -> ModelComparison:
    """Train a linear model and a one-hidden-layer model side by side on the same points.

    Parameters
    ----------
    dataset : {'moons', 'circles', 'xor'}
    activation : {'relu', 'tanh', 'sigmoid', 'leaky-relu', 'none'}, optional
        The hidden layer's activation; ``'none'`` leaves the layer linear.
    hidden_units : int, optional
        Width of the hidden layer, at least 1.
    alpha : float, optional
        Leaky ReLU's negative slope.
    seed : int, optional
        Fixes the data and the starting weights: the same call gives the same result.
    steps : int, optional
        Full-batch Adam steps for each model.
    grid_size : int, optional
        Points per side of the grid the decision regions are drawn on.

    Returns
    -------
    ModelComparison

    Notes
    -----
    Both models end in a sigmoid and are trained with binary cross-entropy. The
    linear one computes ``w·x + b``, so its boundary (probability 0.5) is always a
    straight line; the hidden layer's activation is what lets the other one bend.
    """
    hidden_function = _torch_activation(activation, alpha)
    if isinstance(hidden_units, bool) or not isinstance(hidden_units, int) or hidden_units < 1:
        raise ValueError(f"hidden_units must be a whole number >= 1, got {hidden_units!r}")
    points, labels = make_dataset(dataset, seed=seed)
    generator = torch.Generator().manual_seed(seed)
    x = torch.from_numpy(points)  # (n, 2)
    y = torch.from_numpy(labels).to(torch.float32)  # (n,)

    linear = [_weight((2, 1), 2, generator), torch.zeros(1)]
    hidden = [
        _weight((2, hidden_units), 2, generator),
        torch.empty(hidden_units).uniform_(-1, 1, generator=generator),
        _weight((hidden_units, 1), hidden_units, generator),
        torch.zeros(1),
    ]

    def linear_logits(inputs: torch.Tensor) -> torch.Tensor:
        return (inputs @ linear[0] + linear[1])[:, 0]  # (n,)

    def hidden_logits(inputs: torch.Tensor) -> torch.Tensor:
        features = hidden_function(inputs @ hidden[0] + hidden[1])  # (n, hidden_units)
        return (features @ hidden[2] + hidden[3])[:, 0]  # (n,)

    grid_x, grid_y, grid_points = _grid(points, grid_size)
    models = []
    for name, parameters, logits in (
        ("Linear model (no hidden layer)", linear, linear_logits),
        (f"Hidden layer: {hidden_units} {HIDDEN_ACTIVATIONS[activation]} units", hidden, hidden_logits),
    ):
        _train(parameters, logits, x, y, steps)
        with torch.no_grad():
            accuracy = float(((logits(x) > 0).to(torch.float32) == y).to(torch.float32).mean())
            probability = torch.sigmoid(logits(grid_points)).reshape(grid_size, grid_size).numpy()
        models.append(TrainedModel(name, accuracy, grid_x, grid_y, probability))
    return ModelComparison(points, labels, models[0], models[1])


def _torch_activation(name: str, alpha: float) -> Callable[[torch.Tensor], torch.Tensor]:
    functions: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
        "relu": torch.relu,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "leaky-relu": lambda t: F.leaky_relu(t, alpha),
        "none": lambda t: t,
    }
    if name not in functions:
        raise ValueError(f"hidden activation must be one of {sorted(functions)}, got {name!r}")
    return functions[name]


def _weight(shape: tuple[int, int], fan_in: int, generator: torch.Generator) -> torch.Tensor:
    """Random starting weights scaled by ``√(2 / fan_in)`` (He scaling), so no layer starts flat."""
    return torch.randn(shape, generator=generator) * (2.0 / fan_in) ** 0.5


def _train(
    parameters: list[torch.Tensor],
    logits: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    steps: int,
    learning_rate: float = 0.05,
) -> None:
    """Full-batch Adam on binary cross-entropy; deterministic on the CPU.

    Adam is written out here because building ``torch.optim.Adam`` the first time
    imports most of PyTorch's compiler stack (close to a second), longer than training.
    """
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    first = [torch.zeros_like(p) for p in parameters]
    second = [torch.zeros_like(p) for p in parameters]
    for parameter in parameters:
        parameter.requires_grad_(True)
    for step in range(1, steps + 1):
        loss = F.binary_cross_entropy_with_logits(logits(x), y)
        gradients = torch.autograd.grad(loss, parameters)
        with torch.no_grad():
            for p, g, m, v in zip(parameters, gradients, first, second, strict=True):
                m.mul_(beta1).add_(g, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                m_hat, v_hat = m / (1 - beta1**step), v / (1 - beta2**step)
                p.sub_(learning_rate * m_hat / (v_hat.sqrt() + eps))
    for parameter in parameters:
        parameter.requires_grad_(False)


def _grid(points: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    """A ``size × size`` grid over the points with a margin: axes and (size², 2) grid points."""
    low = points.min(axis=0) - 0.5  # (2,)
    high = points.max(axis=0) + 0.5  # (2,)
    grid_x = np.linspace(low[0], high[0], size, dtype=np.float32)
    grid_y = np.linspace(low[1], high[1], size, dtype=np.float32)
    xx, yy = np.meshgrid(grid_x, grid_y)  # (size, size) each, row = y
    return grid_x, grid_y, torch.from_numpy(np.stack([xx.ravel(), yy.ravel()], axis=1))


def decision_figure(comparison: ModelComparison, model: TrainedModel) -> go.Figure:
    """A model's decision regions (shaded by probability, boundary drawn) with the points on top."""
    scale = [[0.0, "#fbe3b8"], [0.5, "#ffffff"], [1.0, "#b9d7ee"]]
    figure = go.Figure(
        go.Contour(
            x=model.grid_x,
            y=model.grid_y,
            z=model.probability,
            colorscale=scale,
            zmin=0,
            zmax=1,
            contours={"start": 0.5, "end": 0.5, "size": 1, "coloring": "heatmap"},
            line={"color": "#333", "width": 3},
            showscale=False,
            hovertemplate="x %{x:.2f}, y %{y:.2f}<br>P(class B) %{z:.2f}<extra></extra>",
        )
    )
    for label, (color, symbol) in enumerate(zip(CLASS_COLORS, CLASS_SYMBOLS, strict=True)):
        chosen = comparison.points[comparison.labels == label]
        figure.add_scatter(
            x=chosen[:, 0],
            y=chosen[:, 1],
            mode="markers",
            name=f"class {'AB'[label]}",
            marker={"color": color, "symbol": symbol, "size": 9, "line": {"width": 1, "color": "#333"}},
        )
    figure.update_layout(
        title={"text": f"{model.name}: {model.accuracy:.0%} right", "font": {"size": 19}},
        height=440,
        margin={"l": 30, "r": 10, "t": 50, "b": 30},
        legend={"orientation": "h", "y": -0.14, "font": {"size": 15}},
        font={"size": 14},
    )
    axes = {"showgrid": False, "zeroline": False, "constrain": "domain"}
    figure.update_xaxes(range=[float(model.grid_x[0]), float(model.grid_x[-1])], **axes)
    figure.update_yaxes(range=[float(model.grid_y[0]), float(model.grid_y[-1])], scaleanchor="x", **axes)
    return figure
