"""Padding and strides: where the kernel lands, the cells it never reaches, and the output sizes.

Everything here is about one side of a square ``n × n`` input, padded by ``p`` on
each side and swept by a ``k × k`` kernel at stride ``s``; rows and columns behave
the same, so a cell is reached exactly when both its row and its column are.
Sizes always come from :mod:`explorer.shapes`, the one place the formula lives.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import plotly.graph_objects as go

from explorer.figures import BOX_COLORS, Box, value_grid
from explorer.images import enlarge_nearest, resample
from explorer.pixels import Window
from explorer.shapes import conv_output_size, size_formula

# Colours of the overlays (Okabe–Ito, so they stay apart for colour-blind viewers).
INPUT_COLOR = "#0072B2"  # outline of the original input
PADDING_FILL = "rgba(86, 180, 233, 0.35)"  # sky blue wash over the added cells
UNREACHED_FILL = "rgba(213, 94, 0, 0.45)"  # vermillion wash over cells no window covers
UNREACHED_COLOR = "#D55E00"
# Outlines of the first windows: 1st, 2nd in the first row, first of the second row.
WINDOW_COLORS = [BOX_COLORS[0], BOX_COLORS[2], BOX_COLORS[6]]


@dataclass(frozen=True)
class Sweep:
    """A ``kernel × kernel`` window swept over an ``n × n`` input padded by ``padding``.

    Attributes
    ----------
    n, kernel, padding, stride : int
        Input side, kernel side, cells added on each side, step between windows.

    Notes
    -----
    Positions are in the *padded* grid: row 0 is the first added row when
    ``padding > 0``. Subtract ``padding`` for positions in the original input.

    Examples
    --------
    >>> Sweep(6, 3, 0, 2).starts.tolist()
    [0, 2]
    >>> Sweep(6, 3, 0, 2).unreached.tolist()
    [5]
    """

    n: int
    kernel: int
    padding: int
    stride: int

    def __post_init__(self) -> None:
        for name, value, low in (
            ("n", self.n, 1),
            ("kernel", self.kernel, 1),
            ("padding", self.padding, 0),
            ("stride", self.stride, 1),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}")

    @property
    def padded(self) -> int:
        """Side of the padded input, ``n + 2p``."""
        return self.n + 2 * self.padding

    @property
    def fits(self) -> bool:
        """Whether the kernel fits in the padded input at least once."""
        return self.kernel <= self.padded

    @property
    def output(self) -> int:
        """Output side (0 when the kernel does not fit), from ``conv_output_size``."""
        if not self.fits:
            return 0
        return conv_output_size(self.n, self.kernel, padding=self.padding, stride=self.stride)

    @property
    def formula(self) -> str:
        """The size formula with these numbers, e.g. ``'(6 − 3 + 2·0) / 2 + 1 = 2.5 → 2'``."""
        return size_formula(self.n, self.kernel, padding=self.padding, stride=self.stride)

    @property
    def starts(self) -> np.ndarray:
        """(output,) int array: first row (or column) of each window, in the padded grid."""
        return np.arange(self.output) * self.stride

    @property
    def visits(self) -> np.ndarray:
        """(padded,) int array: how many window positions cover each row (or column)."""
        counts = np.zeros(self.padded + 1, dtype=int)  # difference array, one spare slot
        np.add.at(counts, self.starts, 1)
        np.add.at(counts, self.starts + self.kernel, -1)
        return np.cumsum(counts)[: self.padded]

    @property
    def unreached(self) -> np.ndarray:
        """Rows (or columns) of the padded grid that no window covers, ascending."""
        return np.flatnonzero(self.visits == 0)

    @property
    def cut_off(self) -> int:
        """Rows (or columns) at the end lost because the size was rounded down.

        The next jump would run past the edge, where there is no data (the notes' ⊗).
        """
        return (self.padded - self.kernel) % self.stride if self.fits else 0

    @property
    def skipped(self) -> np.ndarray:
        """Unreached rows (or columns) *between* windows: the stride jumps over them."""
        end = self.padded - self.cut_off
        return self.unreached[self.unreached < end] if self.fits else np.array([], dtype=int)

    def window_origins(self) -> list[tuple[int, int]]:
        """Top-left cell ``(row, col)`` of every window, row by row, in the padded grid."""
        return [(int(r), int(c)) for r in self.starts for c in self.starts]

    def unreached_cells(self) -> list[tuple[int, int]]:
        """Every ``(row, col)`` of the padded grid that no window covers."""
        missed = self.visits == 0  # (padded,)
        return [(r, c) for r in range(self.padded) for c in range(self.padded) if missed[r] or missed[c]]

    def visit_counts(self) -> np.ndarray:
        """(padded, padded) int array: how many windows see each cell."""
        return np.outer(self.visits, self.visits)


# The notes' four formulas ----------------------------------------------------------------


@dataclass(frozen=True)
class SizeCase:
    """One of the notes' four output-size formulas, with the current numbers plugged in.

    Attributes
    ----------
    number : str
        ``'i'`` … ``'iv'``, as in the notes.
    name : str
        What is used, e.g. ``'Padding + kernel'``.
    general : str
        The notes' form, e.g. ``'n − k + 2p + 1'``.
    formula : str
        From ``size_formula``, e.g. ``'(6 − 3 + 2·1) / 1 + 1 = 6'``.
    size : int or None
        The output side, or None when the kernel does not fit.
    applies : bool
        True for the case that matches the current padding and stride.
    """

    number: str
    name: str
    general: str
    formula: str
    size: int | None
    applies: bool


def size_cases(n: int, kernel: int, padding: int, stride: int) -> list[SizeCase]:
    """The notes' four formulas for these numbers; exactly one ``applies``.

    (i) kernel only uses ``p = 0, s = 1``; (ii) padding + kernel uses ``s = 1``;
    (iii) stride + kernel uses ``p = 0``; (iv) uses both. All four are the one
    formula of :func:`explorer.shapes.size_formula` with some numbers set.

    Examples
    --------
    >>> [case.formula for case in size_cases(6, 3, 1, 2)][1]
    '(6 − 3 + 2·1) / 1 + 1 = 6'
    """
    cases = [
        ("i", "Kernel only", "n − k + 1", 0, 1),
        ("ii", "Padding + kernel", "n − k + 2p + 1", padding, 1),
        ("iii", "Stride + kernel", "(n − k) / s + 1", 0, stride),
        ("iv", "Padding + stride + kernel", "(n − k + 2p) / s + 1", padding, stride),
    ]
    current = (1 if padding > 0 else 0) + (2 if stride > 1 else 0)  # index into the list above
    result = []
    for index, (number, name, general, p, s) in enumerate(cases):
        sweep = Sweep(n, kernel, p, s)
        result.append(
            SizeCase(number, name, general, sweep.formula, sweep.output or None, applies=index == current)
        )
    return result


@dataclass(frozen=True)
class SizeTable:
    """Output sides for every stride × padding pair, as text for a table.

    Attributes
    ----------
    strides, paddings : tuple of int
        Row and column headings.
    cells : tuple of tuple of str
        ``cells[i][j]`` for ``strides[i]`` and ``paddings[j]``: ``'6'``, ``'2.5 → 2'``
        when rounded down, or ``'—'`` when the kernel does not fit.
    why : tuple of str
        One sentence per padding whose column is all ``'—'``.
    """

    strides: tuple[int, ...]
    paddings: tuple[int, ...]
    cells: tuple[tuple[str, ...], ...]
    why: tuple[str, ...]


def size_table(
    n: int, kernel: int, strides: tuple[int, ...] = (1, 2, 3, 4), paddings: tuple[int, ...] = (0, 1, 2, 3)
) -> SizeTable:
    """Output sides of an ``n × n`` input and a ``kernel × kernel`` kernel, for each stride and padding.

    Examples
    --------
    >>> size_table(6, 3).cells[1][:2]
    ('2.5 → 2', '3.5 → 3')
    """
    cells = tuple(tuple(_result_text(Sweep(n, kernel, p, s)) for p in paddings) for s in strides)
    why = tuple(
        f"Padding {p}: the {kernel} × {kernel} kernel is wider than the padded input "
        f"({n} + 2·{p} = {n + 2 * p} cells), so it has nowhere to go."
        for p in paddings
        if not Sweep(n, kernel, p, 1).fits
    )
    return SizeTable(tuple(strides), tuple(paddings), cells, why)


def _result_text(sweep: Sweep) -> str:
    """The right-hand side of the size formula (``'6'``, ``'2.5 → 2'``), or ``'—'``."""
    return sweep.formula.split(" = ", 1)[1] if sweep.fits else "—"


def rounding_note(sweep: Sweep) -> str | None:
    """Plain sentences about the cells a stride never reaches, or None when every cell is reached.

    Examples
    --------
    >>> "rounded down to 2" in rounding_note(Sweep(6, 3, 0, 2))
    True
    """
    if not sweep.fits:
        return None
    notes = []
    if sweep.cut_off:
        lost = [str(i - sweep.padding) for i in range(sweep.padded - sweep.cut_off, sweep.padded)]
        which = listed(lost)
        rows, cols = ("row", "column") if len(lost) == 1 else ("rows", "columns")
        notes.append(
            f"{sweep.formula.split(' → ')[0]} is not a whole number, so the size is rounded down to "
            f"{sweep.output}. The kernel cannot make another jump of {sweep.stride}: it would stick out "
            f"past the edge, where there is no data (⊗). So {rows} {which} and {cols} {which} "
            "are never used."
        )
    if sweep.stride > sweep.kernel:
        gap = sweep.stride - sweep.kernel
        notes.append(
            f"The stride ({sweep.stride}) is larger than the kernel ({sweep.kernel}), so each jump "
            f"skips {gap} {'row' if gap == 1 else 'rows'} and {gap} {'column' if gap == 1 else 'columns'} "
            "between windows (⊗)."
        )
    return " ".join(notes) or None


def listed(items: list[str]) -> str:
    """``'5'``, ``'5 and 6'``, ``'5, 6 and 7'``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def shrinking_chain(n: int, kernel: int, padding: int = 0, stride: int = 1, layers: int = 6) -> list[int]:
    """Sides after each of up to ``layers`` identical layers.

    Stops when the kernel no longer fits, or after the first layer that keeps the size
    (every later layer would keep it too).

    Examples
    --------
    >>> shrinking_chain(6, 3)
    [6, 4, 2]
    >>> shrinking_chain(6, 3, padding=1)
    [6, 6]
    """
    sides = [n]
    for _ in range(layers):
        sweep = Sweep(sides[-1], kernel, padding, stride)
        if not sweep.fits:
            break
        sides.append(sweep.output)
        if sides[-1] == sides[-2]:
            break
    return sides


# Pictures ------------------------------------------------------------------------------------


def sweep_figure(padded: np.ndarray, sweep: Sweep) -> go.Figure:
    """The padded input as a value grid, with the padding, the windows and the unreached cells marked.

    Parameters
    ----------
    padded : (P, P) ndarray
        The padded input, ``P = sweep.padded``.
    sweep : Sweep

    Returns
    -------
    plotly.graph_objects.Figure
        Axes count rows and columns of the *original* input (added cells are
        negative or ``>= n``). A blue outline marks the input and a sky-blue wash
        the added cells; a dot marks the top-left cell of every window; the first
        window, the next one to the right and the first of the next row are
        outlined in colour with their numbers; a vermillion wash and ⊗ mark the
        rows and columns no window reaches.
    """
    side, p, k = sweep.padded, sweep.padding, sweep.kernel
    if padded.shape != (side, side):
        raise ValueError(f"padded must be {side} × {side} for this sweep, got {padded.shape}")
    figure = value_grid(
        padded, row_offset=-p, col_offset=-p, boxes=[Box(p, p, sweep.n, sweep.n, INPUT_COLOR)]
    )

    shapes, notes = list(figure.layout.shapes), []  # added in one go: Plotly takes ~2 ms per add_shape

    def rect(top: float, left: float, height: float, width: float, **style: object) -> None:
        """A rectangle in padded-grid cells (row ``top``, column ``left``)."""
        x0, y0 = left - p - 0.5, top - p - 0.5
        shapes.append(
            {"type": "rect", "x0": x0, "x1": x0 + width, "y0": y0, "y1": y0 + height, "layer": "above"}
        )
        shapes[-1].update(style)

    no_line = {"width": 0}
    if p:
        for top, left, height, width in (
            (0, 0, p, side),
            (side - p, 0, p, side),
            (p, 0, side - 2 * p, p),
            (p, side - p, side - 2 * p, p),
        ):
            rect(top, left, height, width, fillcolor=PADDING_FILL, line=no_line)
    for index in sweep.unreached:
        rect(index, 0, 1, side, fillcolor=UNREACHED_FILL, line=no_line)
        rect(0, index, side, 1, fillcolor=UNREACHED_FILL, line=no_line)
        mark = {"text": "⊗", "showarrow": False, "font": {"color": UNREACHED_COLOR, "size": 22}}
        notes.append({"x": side - p - 0.5, "y": index - p, "xanchor": "left", "xshift": 3, **mark})
        notes.append({"x": index - p, "y": side - p - 0.5, "yanchor": "top", "yshift": -1, **mark})
    origins = sweep.window_origins()
    corner = 0.24  # dots sit in the top-left corner of a cell, clear of its number
    figure.add_trace(
        go.Scatter(
            x=[c - p - 0.5 + corner for _, c in origins],
            y=[r - p - 0.5 + corner for r, _ in origins],
            mode="markers",
            marker={"size": 10, "color": "white", "line": {"color": "black", "width": 2}},
            hovertext=[f"window {number} starts here" for number in range(1, len(origins) + 1)],
            hoverinfo="text",
            showlegend=False,
        )
    )
    for inset, ((r, c), color) in zip((0.06, 0.16, 0.26), _first_windows(sweep), strict=False):
        rect(r + inset, c + inset, k - 2 * inset, k - 2 * inset, line={"color": color, "width": 4})
        number = origins.index((r, c)) + 1
        notes.append(
            {
                "x": c + inset - p - 0.5,
                "y": r + inset - p - 0.5,
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
                "text": f"<b>{number}</b>",
                "font": {"color": "black", "size": 12},
                "bgcolor": color,
                "borderpad": 2,
            }
        )
    figure.update_layout(shapes=shapes, annotations=notes)
    _whole_cells(figure, side, side, offset=-p)
    cell = max(22, min(60, 420 // side))  # bigger than value_grid's: the page's main picture
    figure.update_layout(height=50 + cell * side, margin={"l": 40, "r": 30, "t": 10, "b": 40})
    return figure


def _whole_cells(figure: go.Figure, height: int, width: int, offset: int = 0) -> None:
    """Pin the axes to the grid (markers must not widen it) and tick whole cells only."""
    figure.update_xaxes(range=[offset - 0.5, offset + width - 0.5], dtick=1 if width <= 12 else 2)
    figure.update_yaxes(
        autorange=False, range=[offset + height - 0.5, offset - 0.5], dtick=1 if height <= 12 else 2
    )


def _first_windows(sweep: Sweep) -> list[tuple[tuple[int, int], str]]:
    """The first window, the next one to the right and the first of the next row, with colours."""
    starts = sweep.starts
    picks = []
    if len(starts):
        picks.append((0, 0))
    if len(starts) > 1:
        picks += [(0, int(starts[1])), (int(starts[1]), 0)]
    return list(zip(picks, WINDOW_COLORS, strict=False))


def output_figure(sweep: Sweep) -> go.Figure:
    """The output grid, each cell numbered with the window it comes from.

    The cells of the outlined first windows get the same colours as on the input.
    """
    out = sweep.output
    if out == 0:
        raise ValueError(f"the {sweep.kernel} × {sweep.kernel} kernel does not fit: {sweep.formula}")
    numbers = np.arange(1, out * out + 1).reshape(out, out)  # (out, out)
    colors = {origin: color for origin, color in _first_windows(sweep)}
    boxes = [Box(r // sweep.stride, c // sweep.stride, color=color) for (r, c), color in colors.items()]
    flat = [[0.0, "#f4f4f4"], [1.0, "#f4f4f4"]]
    figure = value_grid(numbers, colorscale=flat, zmin=0, zmax=1, boxes=boxes)
    _whole_cells(figure, out, out)
    cell = max(22, min(64, 180 // out))
    figure.update_layout(height=60 + cell * out)
    figure.update_yaxes(title="output row")
    return figure


def padded_picture(padded: np.ndarray, padding: int, longest_side: int = 480) -> np.ndarray:
    """The padded input as an enlarged RGB picture with the original input outlined in blue.

    Parameters
    ----------
    padded : (P, P) uint8 ndarray
    padding : int
        Cells added on each side (0 draws the outline round the whole picture).
    longest_side : int, optional
        Enlarge with whole-number blocks up to this many screen pixels.

    Returns
    -------
    (k·P, k·P, 3) uint8 ndarray
    """
    if padded.ndim != 2 or padded.dtype != np.uint8:
        raise ValueError(f"padded must be a 2-D uint8 array, got {padded.dtype} {padded.shape}")
    scale = max(1, longest_side // max(padded.shape))
    picture = np.repeat(enlarge_nearest(padded, longest_side)[:, :, None], 3, axis=2)  # (kP, kP, 3)
    height, width = padded.shape
    thickness = max(2, scale // 8)
    corner1 = (padding * scale, padding * scale)
    corner2 = ((width - padding) * scale - 1, (height - padding) * scale - 1)
    blue = tuple(int(INPUT_COLOR[i : i + 2], 16) for i in (1, 3, 5))
    cv2.rectangle(picture, corner1, corner2, blue, thickness)
    return picture


def crop_locator(pixels: np.ndarray, window: Window, longest_side: int = 240) -> np.ndarray:
    """A small preview of the picture with the crop outlined, big enough to see even for a tiny crop.

    Parameters
    ----------
    pixels : (H, W, 3) uint8 ndarray
    window : Window
        The crop, in picture pixels.
    longest_side : int, optional
        The preview's longer side; small pictures are blown up into blocks instead.

    Returns
    -------
    (h, w, 3) uint8 ndarray
        A new array; the outline is yellow over black and at least 8 pixels across.
    """
    height, width = pixels.shape[:2]
    if max(height, width) > longest_side:
        preview = resample(pixels, longest_side)
    else:
        preview = enlarge_nearest(pixels, longest_side).copy()
    scale_y, scale_x = preview.shape[0] / height, preview.shape[1] / width
    centre_y = (window.top + window.height / 2) * scale_y
    centre_x = (window.left + window.width / 2) * scale_x
    half_h = max(4.0, window.height * scale_y / 2)
    half_w = max(4.0, window.width * scale_x / 2)
    corner1 = (round(centre_x - half_w), round(centre_y - half_h))
    corner2 = (round(centre_x + half_w) - 1, round(centre_y + half_h) - 1)
    preview = np.ascontiguousarray(preview)
    cv2.rectangle(preview, corner1, corner2, (0, 0, 0), 4)
    cv2.rectangle(preview, corner1, corner2, (255, 221, 0), 2)
    return preview
