"""Output sizes of convolution and pooling: the one place the formula lives."""

from __future__ import annotations

import math


def conv_output_size(n: int, kernel: int, *, padding: int = 0, stride: int = 1, dilation: int = 1) -> int:
    """Size of one output side of a convolution or pooling window sweep.

    Parameters
    ----------
    n : int
        Input side length, at least 1.
    kernel : int
        Kernel (or pooling window) side length, at least 1.
    padding : int, optional
        Cells added on *each* side, at least 0.
    stride : int, optional
        Step between window positions, at least 1.
    dilation : int, optional
        Spacing between kernel taps, at least 1 (1 means a dense kernel).

    Returns
    -------
    int
        ``floor((n + 2*padding - dilation*(kernel - 1) - 1) / stride) + 1``.

    Raises
    ------
    ValueError
        When an argument is out of range, or when the kernel does not fit in the
        padded input; the message shows the formula with the numbers plugged in.

    Notes
    -----
    With ``dilation=1`` this is the notes' ``(n - k + 2p) / s + 1``, rounded down:
    the window positions that would run past the edge are dropped.

    Examples
    --------
    >>> conv_output_size(6, 3, padding=1)
    6
    >>> conv_output_size(6, 3, stride=2)
    2
    """
    for name, value, low in (
        ("n", n, 1),
        ("kernel", kernel, 1),
        ("stride", stride, 1),
        ("dilation", dilation, 1),
        ("padding", padding, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}")
    exact = _exact_size(n, kernel, padding, stride, dilation)
    if exact < 1:
        formula = size_formula(n, kernel, padding=padding, stride=stride, dilation=dilation)
        raise ValueError(
            f"the kernel does not fit: {formula}, below 1 (the padded input is {n + 2 * padding} wide, "
            f"the kernel spans {_span(kernel, dilation)})"
        )
    return math.floor(exact)


def _span(kernel: int, dilation: int) -> int:
    """How many input cells a (dilated) kernel covers along one side."""
    return dilation * (kernel - 1) + 1


def _exact_size(n: int, kernel: int, padding: int, stride: int, dilation: int) -> float:
    """The output size before rounding down: ``(n - span + 2p) / s + 1``."""
    return (n - _span(kernel, dilation) + 2 * padding) / stride + 1


def size_formula(n: int, kernel: int, *, padding: int = 0, stride: int = 1, dilation: int = 1) -> str:
    """The output-size formula written out with the numbers plugged in.

    Examples
    --------
    >>> size_formula(6, 3, padding=1)
    '(6 − 3 + 2·1) / 1 + 1 = 6'
    >>> size_formula(6, 3, stride=2)
    '(6 − 3 + 2·0) / 2 + 1 = 2.5 → 2'
    """
    exact = _exact_size(n, kernel, padding, stride, dilation)
    kernel_text = str(kernel) if dilation == 1 else f"({dilation}·({kernel} − 1) + 1)"
    text = f"({n} − {kernel_text} + 2·{padding}) / {stride} + 1 = {exact:g}"
    if exact != math.floor(exact) and exact >= 1:
        text += f" → {math.floor(exact)}"
    return text
