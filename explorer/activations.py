"""Activation functions and their derivatives, element-wise on any array."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def relu(x: np.ndarray) -> np.ndarray:
    """``max(0, x)``: negative values become 0, positive ones pass unchanged."""
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def relu_derivative(x: np.ndarray) -> np.ndarray:
    """1 where ``x > 0``, else 0 (the value at exactly 0 is taken as 0, as PyTorch does)."""
    return (np.asarray(x) > 0).astype(np.float64)


def leaky_relu(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """``x`` where positive, ``alpha * x`` where negative: negatives leak through, scaled down."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, alpha * x)


def leaky_relu_derivative(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """1 where ``x > 0``, else ``alpha``."""
    return np.where(np.asarray(x) > 0, 1.0, alpha)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + e^-x)``: squashes any number into 0..1."""
    x = np.asarray(x, dtype=np.float64)
    # Written in two halves so that neither branch overflows for large |x|.
    exp_neg_abs = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + exp_neg_abs), exp_neg_abs / (1.0 + exp_neg_abs))


def sigmoid_derivative(x: np.ndarray) -> np.ndarray:
    """``sigmoid(x) * (1 - sigmoid(x))``: at most 0.25, near 0 for large |x|."""
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent: squashes any number into −1..1, centred on 0."""
    return np.tanh(np.asarray(x, dtype=np.float64))


def tanh_derivative(x: np.ndarray) -> np.ndarray:
    """``1 - tanh(x)^2``: 1 at 0, near 0 for large |x|."""
    return 1.0 - np.tanh(np.asarray(x, dtype=np.float64)) ** 2


@dataclass(frozen=True)
class Activation:
    """An activation with its derivative and a one-line description."""

    name: str
    function: Callable[..., np.ndarray]
    derivative: Callable[..., np.ndarray]
    meaning: str


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        "Sigmoid", sigmoid, sigmoid_derivative, "Squashes values into 0..1; gradients vanish far from 0."
    ),
    "relu": Activation(
        "ReLU", relu, relu_derivative, "Negatives become 0, positives pass: cheap, and the CNN default."
    ),
    "tanh": Activation(
        "tanh", tanh, tanh_derivative, "Squashes values into −1..1 around 0; gradients vanish far from 0."
    ),
    "leaky-relu": Activation(
        "Leaky ReLU",
        leaky_relu,
        leaky_relu_derivative,
        "Like ReLU, but negatives keep a small slope so they still learn.",
    ),
}
