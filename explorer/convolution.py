"""Edge detection with kernels: one output cell's arithmetic, edge magnitude and display.

Everything the "Edge detection and kernels" page computes lives here: how its
padding choice becomes a border, why a kernel does not fit, the multiply-and-add
of one window written out as the lecture notes write it, ``sqrt(h² + v²)``, and
how signed results become pixels. The output-size formula itself lives only in
:mod:`explorer.shapes`; the convolution only in :func:`explorer.ops.filter2d`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import plotly.graph_objects as go

from explorer import figures
from explorer.colormaps import diverging_image, symmetric_limit
from explorer.images import to_grayscale
from explorer.kernels import SOBEL_HORIZONTAL, SOBEL_VERTICAL
from explorer.ops import DISPLAY_METHODS, filter2d, to_display
from explorer.padding import PAD_MODES, Padding4, check_pad_fits, check_pad_mode, pad
from explorer.pixels import frame
from explorer.shapes import conv_output_size, size_formula

PADDING_CHOICES: dict[str, str] = {
    "valid": "valid: no padding",
    "same": "same: keep the size",
    "amount": "choose the amount",
}

DISPLAY_CHOICES: dict[str, str] = {
    "minmax": "Min–max to 0..255",
    "abs": "Absolute value",
    "clip": "Clip to 0..255",
    "raw": "Raw signed values",
}
DISPLAY_MEANINGS: dict[str, str] = {
    **DISPLAY_METHODS,
    "raw": "keep the sign: negative is purple, 0 is white, positive is orange",
}

COLOUR_CHOICES: dict[str, str] = {
    "gray": "Grayscale (as in the notes)",
    "rgb": "Each colour channel on its own",
}

MINUS = "−"  # the typographic minus the notes and the size formula use


# Padding and sizes -------------------------------------------------------------------


@dataclass(frozen=True)
class PaddingPlan:
    """The border a padding choice adds, and what to tell the class about it.

    Attributes
    ----------
    pads : (top, bottom, left, right) tuple of int
    note : str
        Empty, or one plain paragraph: why ``'same'`` could not keep the size, or
        where the odd extra row of an even kernel went.
    """

    pads: Padding4
    note: str = ""


def plan_padding(
    choice: str, amount: int, kernel_hw: tuple[int, int], *, stride: int = 1, dilation: int = 1
) -> PaddingPlan:
    """Turn the page's padding choice into a border on each side.

    Parameters
    ----------
    choice : {'valid', 'same', 'amount'}
        ``'valid'`` adds nothing, ``'amount'`` adds ``amount`` cells on every side,
        ``'same'`` adds what keeps the output the picture's size at stride 1.
    amount : int
        Cells per side for ``'amount'``, at least 0 (ignored otherwise).
    kernel_hw : (kh, kw) tuple of int
    stride, dilation : int, optional

    Returns
    -------
    PaddingPlan

    Notes
    -----
    ``'same'`` cannot keep the size at a stride above 1 (the kernel lands on every
    ``s``-th position only), and PyTorch refuses it. Rather than fail, the plan
    keeps the border ``'same'`` would add at stride 1 and says so in ``note``.
    For an even kernel the total border is odd; the extra row and column go at
    the bottom and right, as in PyTorch.

    Examples
    --------
    >>> plan_padding("same", 0, (3, 3)).pads
    (1, 1, 1, 1)
    >>> plan_padding("same", 0, (4, 2)).pads
    (1, 2, 0, 1)
    """
    if choice == "valid":
        return PaddingPlan((0, 0, 0, 0))
    if choice == "amount":
        if isinstance(amount, bool) or not isinstance(amount, (int, np.integer)) or amount < 0:
            raise ValueError(f"padding amount must be a whole number >= 0, got {amount!r}")
        return PaddingPlan((int(amount),) * 4)
    if choice != "same":
        raise ValueError(f"padding choice must be one of {sorted(PADDING_CHOICES)}, got {choice!r}")
    # 'same' at stride 1 needs a total border of d·(k − 1) cells along each side.
    (top, bottom), (left, right) = (_split(dilation * (k - 1)) for k in kernel_hw)
    pads = (top, bottom, left, right)
    notes = []
    if stride > 1:
        notes.append(
            f"“same” keeps the output as big as the picture only at stride 1. At stride {stride} the "
            f"kernel lands on every {_ordinal(stride)} position only, so the output is about 1/{stride} "
            "as tall and wide whatever the border — “same” is impossible. Using the border “same” "
            "adds at stride 1 instead"
            + ("." if top != bottom or left != right else f": {_describe_pads(pads)}.")
        )
    if top != bottom or left != right:
        notes.append(
            f"This kernel has an even side, so “same” needs an odd number of extra rows or columns: "
            f"the extra one goes at the bottom or right, as in PyTorch ({_describe_pads(pads)})."
        )
    return PaddingPlan(pads, " ".join(notes))


def _split(total: int) -> tuple[int, int]:
    """A total border split before/after, the odd cell after."""
    return total // 2, total - total // 2


def _ordinal(n: int) -> str:
    return {2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def _describe_pads(pads: Padding4) -> str:
    top, bottom, left, right = pads
    if top == bottom == left == right:
        return f"{top} on each side"
    return f"{top} above, {bottom} below, {left} left, {right} right"


@dataclass(frozen=True)
class SideSize:
    """One output side: the formula with the numbers in, and the size (None if below 1)."""

    name: str
    formula: str
    size: int | None


def output_sizes(
    image_hw: tuple[int, int], kernel_hw: tuple[int, int], pads: Padding4, *, stride: int, dilation: int
) -> tuple[SideSize, SideSize]:
    """The output height and width, each with the notes' formula written out.

    Parameters
    ----------
    image_hw, kernel_hw : (int, int)
    pads : (top, bottom, left, right)
    stride, dilation : int

    Returns
    -------
    (SideSize, SideSize)
        Height first. An uneven border (an even kernel with ``'same'``) is added to
        the picture first and the formula shown with padding 0.

    Examples
    --------
    >>> output_sizes((6, 6), (3, 3), (1, 1, 1, 1), stride=1, dilation=1)[0].formula
    '(6 − 3 + 2·1) / 1 + 1 = 6'
    """
    sides = []
    for name, n, k, before, after in (
        ("height", image_hw[0], kernel_hw[0], pads[0], pads[1]),
        ("width", image_hw[1], kernel_hw[1], pads[2], pads[3]),
    ):
        if before == after:
            n_used, padding, prefix = n, before, ""
        else:
            n_used, padding = n + before + after, 0
            prefix = f"{n} + {before} + {after} = {n_used} after padding; "
        formula = prefix + size_formula(n_used, k, padding=padding, stride=stride, dilation=dilation)
        try:
            size: int | None = conv_output_size(n_used, k, padding=padding, stride=stride, dilation=dilation)
        except ValueError:
            size = None
        sides.append(SideSize(name, formula, size))
    return sides[0], sides[1]


def fit_problem(
    image_hw: tuple[int, int],
    kernel_hw: tuple[int, int],
    pads: Padding4,
    pad_mode: str,
    *,
    stride: int,
    dilation: int,
) -> str | None:
    """Why this convolution cannot run, in plain words, or None when it can.

    Parameters
    ----------
    image_hw, kernel_hw : (int, int)
    pads : (top, bottom, left, right)
    pad_mode : {'zeros', 'reflect', 'replicate', 'circular'}
    stride, dilation : int

    Returns
    -------
    str or None
        Names the side, shows the size formula with its numbers (from
        :mod:`explorer.shapes`) and suggests a fix.

    Examples
    --------
    >>> print(fit_problem((6, 6), (7, 7), (0, 0, 0, 0), "zeros", stride=1, dilation=1))
    ... # doctest: +ELLIPSIS
    The 7 × 7 kernel does not fit in the 6 × 6 picture: height (6 − 7 + 2·0) / 1 + 1 = 0, ...
    """
    check_pad_mode(pad_mode)
    try:
        check_pad_fits(image_hw, pads, pad_mode)
    except ValueError as error:
        limit = "narrower than" if pad_mode == "reflect" else "no wider than"
        meaning = PAD_MODES[pad_mode]
        return (
            f"The border does not fit: {error}. {pad_mode.capitalize()} padding means “{meaning}”, "
            f"so the border must be {limit} the picture. Choose less padding, or the zeros or "
            "replicate mode."
        )
    kh, kw = kernel_hw
    picture = f"{image_hw[0]} × {image_hw[1]}"
    for side in output_sizes(image_hw, kernel_hw, pads, stride=stride, dilation=dilation):
        if side.size is not None:
            continue
        spread = f" spread out by dilation {dilation}" if dilation > 1 else ""
        fix = _padding_that_fits(image_hw, kernel_hw, stride=stride, dilation=dilation)
        advice = (
            f"A padding of {fix} on each side would make room; so would a smaller kernel"
            if fix is not None
            else "Choose a smaller kernel"
        )
        return (
            f"The {kh} × {kw} kernel{spread} does not fit in the {picture} picture: {side.name} "
            f"{side.formula}, and an output needs at least 1 {'row' if side.name == 'height' else 'column'}. "
            f"The window is bigger than the padded picture, so there is nowhere to put it. "
            f"{advice}{' or less dilation' if dilation > 1 else ''}."
        )
    return None


def _padding_that_fits(
    image_hw: tuple[int, int], kernel_hw: tuple[int, int], *, stride: int, dilation: int, largest: int = 5
) -> int | None:
    """The smallest padding up to ``largest`` that gives an output, asked of the one size formula."""
    for padding in range(largest + 1):
        try:
            for n, k in zip(image_hw, kernel_hw, strict=True):
                conv_output_size(n, k, padding=padding, stride=stride, dilation=dilation)
        except ValueError:
            continue
        return padding
    return None


# One output cell, written out -----------------------------------------------------------


@dataclass(frozen=True)
class ConvolutionStep:
    """One output cell of a convolution, as the notes work it out by hand.

    Attributes
    ----------
    padded : (H + top + bottom, W + left + right) float64 ndarray
        The input with its border.
    top, left : int
        The window's top-left cell in ``padded`` coordinates.
    taps : list of (int, int)
        Where each weight lands in ``padded``, kernel row by kernel row (spread
        ``dilation`` apart).
    products : list of (float, float)
        ``(input value, weight)`` for each tap, in the same order.
    kernel_width : int
        Taps per kernel row, to lay the arithmetic out row by row.
    result : float
        The sum of the products: ``filter2d``'s output at this cell.
    """

    padded: np.ndarray
    top: int
    left: int
    taps: list[tuple[int, int]]
    products: list[tuple[float, float]]
    kernel_width: int
    result: float

    @property
    def window(self) -> tuple[int, int, int, int]:
        """``(top, left, height, width)`` of the cells the window spans in ``padded``."""
        bottom, right = self.taps[-1]
        return self.top, self.left, bottom - self.top + 1, right - self.left + 1

    @property
    def text(self) -> str:
        """The notes' one-line form: ``0×(+1) + 0×(+2) + … = 0``."""
        return " + ".join(self._terms()) + f" = {format_number(self.result)}"

    @property
    def rows_text(self) -> str:
        """The same sum laid out one kernel row per line, columns aligned, then ``= result``."""
        terms = self._terms()
        rows = [terms[i : i + self.kernel_width] for i in range(0, len(terms), self.kernel_width)]
        widths = [max(len(row[c]) for row in rows) for c in range(self.kernel_width)]
        lines = [
            ("  " if r == 0 else "+ ")
            + " + ".join(term.ljust(w) for term, w in zip(row, widths, strict=True))
            for r, row in enumerate(rows)
        ]
        return "\n".join(line.rstrip() for line in lines) + f"\n= {format_number(self.result)}"

    def _terms(self) -> list[str]:
        return [f"{format_number(value)}×{format_weight(weight)}" for value, weight in self.products]


def convolution_step(
    image: np.ndarray,
    kernel: np.ndarray,
    row: int,
    col: int,
    *,
    pads: Padding4 = (0, 0, 0, 0),
    pad_mode: str = "zeros",
    stride: int = 1,
    dilation: int = 1,
) -> ConvolutionStep:
    """Work out one output cell of a convolution by hand, term by term.

    Parameters
    ----------
    image : (H, W) ndarray
        One channel, any real dtype.
    kernel : (kh, kw) array_like
    row, col : int
        The output cell, ``0 <= row < H'`` and ``0 <= col < W'``.
    pads : (top, bottom, left, right), optional
    pad_mode : {'zeros', 'reflect', 'replicate', 'circular'}, optional
    stride, dilation : int, optional

    Returns
    -------
    ConvolutionStep
        Its ``result`` equals ``filter2d(image, kernel, padding=pads, ...)[row, col]``
        (up to float32 rounding in ``filter2d``).

    Raises
    ------
    ValueError
        When the kernel does not fit (see :func:`fit_problem`) or the cell is outside
        the output.

    Examples
    --------
    >>> notes = np.repeat([0, 255], 18).reshape(6, 6)
    >>> convolution_step(notes, [[1, 2, 1], [0, 0, 0], [-1, -2, -1]], 1, 0).result
    -1020.0
    """
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"image must be one (H, W) channel, got shape {image.shape}")
    weights = np.asarray(kernel, dtype=np.float64)
    if weights.ndim != 2 or 0 in weights.shape:
        raise ValueError(f"kernel must be a non-empty 2-D grid, got shape {weights.shape}")
    problem = fit_problem(image.shape, weights.shape, pads, pad_mode, stride=stride, dilation=dilation)
    if problem:
        raise ValueError(problem)
    height, width = output_sizes(image.shape, weights.shape, pads, stride=stride, dilation=dilation)
    if not (0 <= row < height.size and 0 <= col < width.size):
        raise ValueError(f"output cell ({row}, {col}) is outside the {height.size} × {width.size} output")
    padded = pad(image.astype(np.float64), pads, pad_mode)  # (H + top + bottom, W + left + right)
    top, left = row * stride, col * stride
    kh, kw = weights.shape
    taps = [(top + i * dilation, left + j * dilation) for i in range(kh) for j in range(kw)]
    products = [(float(padded[r, c]), float(w)) for (r, c), w in zip(taps, weights.reshape(-1), strict=True)]
    result = float(sum(value * weight for value, weight in products))
    return ConvolutionStep(padded, top, left, taps, products, kw, result)


def format_number(value: float) -> str:
    """A value as the class would write it: whole numbers plainly, others to 4 figures, − for minus.

    Examples
    --------
    >>> format_number(-1020.0), format_number(0.0751136), format_number(255.00001)
    ('−1020', '0.07511', '255')
    """
    value = float(value)
    if not np.isfinite(value):
        return str(value)
    rounded = round(value)
    if abs(value - rounded) < 1e-6 * max(1.0, abs(value)) and abs(rounded) < 1e15:
        text = str(int(rounded))
    else:
        text = f"{value:.4g}"
    return text.replace("-", MINUS)


def format_weight(weight: float) -> str:
    """A weight in brackets with its sign, as the notes write it: ``(+1)``, ``(−2)``, ``(0)``."""
    text = format_number(weight)
    if text == "0":
        return "(0)"
    return f"({text})" if text.startswith(MINUS) else f"(+{text})"


# Whole pictures ---------------------------------------------------------------------------


def framed(pixels: np.ndarray, width: int = 2, colour: tuple[int, int, int] = (110, 110, 110)) -> np.ndarray:
    """An RGB copy of a picture with a thin frame, so white areas stay visible on a white page.

    Parameters
    ----------
    pixels : (H, W) or (H, W, 3) uint8 ndarray
    width : int, optional
        Frame thickness in pixels, drawn inside the picture (the size is kept).
    colour : (r, g, b), optional

    Returns
    -------
    (H, W, 3) uint8 ndarray
    """
    return frame(pixels, width, colour, inside=True)


def number_format(values: np.ndarray) -> str:
    """The d3 format for writing values in a grid: as they are when whole, else 3 figures."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    return "" if np.array_equal(finite, np.round(finite)) else ".3~g"


def value_range(values: np.ndarray) -> tuple[float, float]:
    """The smallest and largest raw value of a result, ignoring NaN."""
    values = np.asarray(values)
    return float(np.nanmin(values)), float(np.nanmax(values))


def is_colour(pixels: np.ndarray) -> bool:
    """Whether an (H, W, 3) picture has colour, i.e. its three channels differ somewhere."""
    pixels = np.asarray(pixels)
    if pixels.ndim != 3:
        return False
    return not (
        np.array_equal(pixels[..., 0], pixels[..., 1]) and np.array_equal(pixels[..., 1], pixels[..., 2])
    )


def filter_picture(
    pixels: np.ndarray,
    kernel: np.ndarray,
    *,
    colour: str = "gray",
    pads: Padding4 = (0, 0, 0, 0),
    pad_mode: str = "zeros",
    stride: int = 1,
    dilation: int = 1,
) -> np.ndarray:
    """Filter a picture in grayscale (the notes' way) or each colour channel on its own.

    Parameters
    ----------
    pixels : (H, W, 3) or (H, W) uint8 ndarray
        An (H, W) picture is already one channel and is filtered as it is.
    kernel : (kh, kw) array_like
    colour : {'gray', 'rgb'}, optional
    pads, pad_mode, stride, dilation
        As in :func:`explorer.ops.filter2d`.

    Returns
    -------
    (H', W') float32 ndarray for ``'gray'`` or one channel, (H', W', 3) for ``'rgb'``
    """
    if colour not in COLOUR_CHOICES:
        raise ValueError(f"colour must be one of {sorted(COLOUR_CHOICES)}, got {colour!r}")
    pixels = np.asarray(pixels)
    to_gray = colour == "gray" and pixels.ndim == 3
    source = to_grayscale(pixels) if to_gray else pixels
    return filter2d(source, kernel, padding=pads, pad_mode=pad_mode, stride=stride, dilation=dilation)


def to_pixels(values: np.ndarray, method: str) -> np.ndarray:
    """Turn a result of any sign into an RGB picture.

    Parameters
    ----------
    values : (H, W) or (H, W, 3) ndarray
    method : {'minmax', 'abs', 'clip', 'raw'}
        The first three as :func:`explorer.ops.to_display`. ``'raw'`` keeps the sign:
        one channel gets the colour-blind-safe diverging map (0 white); three
        channels each map −limit → 0, 0 → 128 (mid-grey) and +limit → 255.

    Returns
    -------
    (H, W, 3) uint8 ndarray

    Examples
    --------
    >>> to_pixels(np.array([[0.0, -1020.0]]), "minmax")[0, :, 0].tolist()
    [255, 0]
    """
    values = np.asarray(values)
    if values.ndim not in (2, 3):
        raise ValueError(f"values must be (H, W) or (H, W, 3), got shape {values.shape}")
    if method not in DISPLAY_CHOICES:
        raise ValueError(f"display method must be one of {sorted(DISPLAY_CHOICES)}, got {method!r}")
    if method == "raw":
        limit = symmetric_limit(values)
        if values.ndim == 2:
            return _diverging_fast(values, limit)
        scaled = np.clip(values.astype(np.float32) * (127.5 / limit) + 127.5, 0, 255)
        return np.rint(np.nan_to_num(scaled, nan=127.5)).astype(np.uint8)
    shown = to_display(values, method)
    return shown if shown.ndim == 3 else np.repeat(shown[:, :, None], 3, axis=2)


def _diverging_fast(values: np.ndarray, limit: float) -> np.ndarray:
    """``diverging_image`` through a 256-colour lookup table of its own colours: the same map, ~10× faster."""
    # 255 levels so that 0 lands exactly on the middle one (white); OpenCV's table needs 256.
    colours = diverging_image(np.linspace(-limit, limit, 255)[None, :], limit)  # (1, 255, 3)
    table = np.concatenate([colours, colours[:, -1:]], axis=1)  # (1, 256, 3)
    # −limit → 0, 0 → 127, +limit → 254, rounded and saturated in one OpenCV pass.
    level = cv2.convertScaleAbs(values.astype(np.float32), alpha=127.0 / limit, beta=127.0)  # (H, W)
    image = cv2.LUT(cv2.merge([level, level, level]), table)  # (H, W, 3)
    missing = np.isnan(values)
    if missing.any():
        image[missing] = (128, 128, 128)
    return image


@dataclass(frozen=True)
class EdgeMaps:
    """The two Sobel results and the edge strength they give together.

    Attributes
    ----------
    horizontal, vertical : (H', W') float32 ndarray
        Horizontal-edge and vertical-edge Sobel outputs (signed).
    magnitude : (H', W') float32 ndarray
        ``sqrt(horizontal² + vertical²)``, never negative.
    """

    horizontal: np.ndarray
    vertical: np.ndarray
    magnitude: np.ndarray

    def strongest(self) -> tuple[int, int, str]:
        """Row, column and the written-out sum of the strongest edge, e.g. ``√((−1020)² + 0²) = 1020``."""
        row, col = np.unravel_index(int(np.argmax(self.magnitude)), self.magnitude.shape)
        h, v, m = self.horizontal[row, col], self.vertical[row, col], self.magnitude[row, col]
        return int(row), int(col), f"√({_squared(h)} + {_squared(v)}) = {format_number(m)}"


def _squared(value: float) -> str:
    text = format_number(value)
    return f"({text})²" if text.startswith(MINUS) else f"{text}²"


def edge_magnitude(horizontal: np.ndarray, vertical: np.ndarray) -> np.ndarray:
    """Edge strength in any direction: ``sqrt(h² + v²)``, elementwise.

    Parameters
    ----------
    horizontal, vertical : (H, W) ndarray
        The horizontal- and vertical-edge results, same shape.

    Returns
    -------
    (H, W) float32 ndarray

    Examples
    --------
    >>> edge_magnitude(np.array([[3.0]]), np.array([[-4.0]])).tolist()
    [[5.0]]
    """
    horizontal, vertical = np.asarray(horizontal), np.asarray(vertical)
    if horizontal.shape != vertical.shape:
        raise ValueError(f"the two results differ in shape: {horizontal.shape} and {vertical.shape}")
    return np.hypot(horizontal.astype(np.float32), vertical.astype(np.float32))


def sobel_edges(
    gray: np.ndarray,
    *,
    pads: Padding4 = (0, 0, 0, 0),
    pad_mode: str = "zeros",
    stride: int = 1,
    dilation: int = 1,
) -> EdgeMaps:
    """Horizontal and vertical Sobel on one channel, and their edge magnitude.

    Parameters
    ----------
    gray : (H, W) ndarray
    pads, pad_mode, stride, dilation
        As in :func:`explorer.ops.filter2d`.

    Returns
    -------
    EdgeMaps
    """
    settings = {"padding": pads, "pad_mode": pad_mode, "stride": stride, "dilation": dilation}
    horizontal = filter2d(gray, SOBEL_HORIZONTAL.weights, **settings)  # (H', W')
    vertical = filter2d(gray, SOBEL_VERTICAL.weights, **settings)  # (H', W')
    return EdgeMaps(horizontal, vertical, edge_magnitude(horizontal, vertical))


def filled_so_far(output: np.ndarray, steps_done: int) -> np.ndarray:
    """The output with only its first ``steps_done`` cells (reading order) kept, the rest NaN.

    Examples
    --------
    >>> filled_so_far(np.array([[1.0, 2.0], [3.0, 4.0]]), 3).tolist()
    [[1.0, 2.0], [3.0, nan]]
    """
    partial = np.array(output, dtype=np.float64)  # (H', W') copy
    partial.reshape(-1)[max(0, steps_done) :] = np.nan
    return partial


PADDING_TINT = "rgba(86, 180, 233, 0.35)"  # Okabe–Ito sky blue, see-through so values stay readable


def grid_figure(
    values: np.ndarray,
    *,
    side_px: int = 420,
    padding: Padding4 = (0, 0, 0, 0),
    row_offset: int = 0,
    col_offset: int = 0,
    **value_grid_args: object,
) -> go.Figure:
    """``figures.value_grid`` sized so the whole grid spans about ``side_px`` screen pixels.

    Parameters
    ----------
    values : (h, w) ndarray
    side_px : int, optional
        Wanted height of the cell area; each cell gets 24 to 56 pixels.
    padding : (top, bottom, left, right), optional
        Border cells of ``values`` that are padding: tinted blue so they stand apart.
    row_offset, col_offset : int, optional
        Where the grid sits in the picture, as in :func:`explorer.figures.value_grid`.
    **value_grid_args
        Passed on to :func:`explorer.figures.value_grid`.

    Returns
    -------
    plotly.graph_objects.Figure
        Whole-number ticks on both axes, larger numbers in larger cells.
    """
    rows, cols = np.shape(values)
    top, bottom, left, right = padding
    strips = [(0, top, 0, cols), (rows - bottom, rows, 0, cols), (top, rows - bottom, 0, left)]
    strips.append((top, rows - bottom, cols - right, cols))
    tints = [
        figures.Box(r0, c0, r1 - r0, c1 - c0, color=PADDING_TINT)
        for r0, r1, c0, c1 in strips
        if r1 > r0 and c1 > c0
    ]
    cell = int(np.clip(side_px // max(rows, cols), 24, 56))
    return figures.value_grid(
        values,
        row_offset=row_offset,
        col_offset=col_offset,
        fills=tints,
        cell_px=cell,
        text_size=15 if cell >= 34 else None,
        **value_grid_args,
    )


# The notes' worked example ---------------------------------------------------------------


@dataclass(frozen=True)
class NotesExample:
    """The lecture notes' edge-detection example, computed by the core.

    Attributes
    ----------
    image : (6, 6) int ndarray
        Three rows of 0 over three rows of 255.
    kernel : (3, 3) float64 ndarray
        The horizontal Sobel kernel.
    output : (4, 4) float32 ndarray
        Rows 0, −1020, −1020, 0.
    shown : (4, 4) uint8 ndarray
        After min–max: rows 255, 0, 0, 255.
    """

    image: np.ndarray
    kernel: np.ndarray
    output: np.ndarray
    shown: np.ndarray


def notes_example() -> NotesExample:
    """The notes' 6×6 picture through the horizontal Sobel kernel, and its min–max display."""
    image = np.repeat([0, 255], 18).reshape(6, 6)  # (6, 6)
    kernel = np.array(SOBEL_HORIZONTAL.weights)
    output = filter2d(image, kernel)  # (4, 4)
    return NotesExample(image, kernel, output, to_display(output, "minmax"))
