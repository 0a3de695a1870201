"""Pooling: the windows and the values they keep, the work pooling saves, global average pooling."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import plotly.graph_objects as go

from explorer.figures import BOX_COLORS, value_grid
from explorer.images import enlarge_nearest, resample
from explorer.kernels import NAMED_KERNELS
from explorer.ops import PoolMode, filter2d, pool2d
from explorer.shapes import conv_output_size

POOL_MODES: dict[str, str] = {"max": "Max pooling", "avg": "Average pooling", "min": "Min pooling"}
POOL_MEANINGS: dict[str, str] = {
    "max": "keeps the largest number in each window: the strongest signal there",
    "avg": "keeps the average of each window: a smoothed summary",
    "min": "keeps the smallest number in each window: the darkest spot",
}
# Yellow and black are left out: they vanish on white and on black cells.
WINDOW_COLORS = [color for color in BOX_COLORS if color not in ("#F0E442", "#000000")]
# Cells no window covers, as on the padding page: Okabe–Ito vermillion.
DROPPED_COLOR = "#D55E00"
DROPPED_FILL = "rgba(213, 94, 0, 0.45)"
# Edge kernels whose maps show "one number per feature map" under global average pooling.
FEATURE_KERNELS = ("sobel-horizontal", "sobel-vertical", "diagonal-down", "diagonal-up")


@dataclass(frozen=True)
class PoolWindow:
    """One pooling window on a small grid and the number it keeps.

    Attributes
    ----------
    row, col : int
        The output cell it fills.
    top, left, size : int
        Where the window sits on the input grid.
    value : float
        The kept number, from ``pool2d``.
    color : str
        Its outline colour (Okabe–Ito, cycling).
    """

    row: int
    col: int
    top: int
    left: int
    size: int
    value: float
    color: str


def pool_windows(
    values: np.ndarray, size: int, stride: int | None = None, mode: PoolMode = "max"
) -> tuple[np.ndarray, list[PoolWindow]]:
    """Pool a small 2-D grid and describe every window.

    Parameters
    ----------
    values : (h, w) ndarray
    size : int
        Window side, at least 1.
    stride : int, optional
        Step between windows; defaults to ``size`` (windows side by side).
    mode : {'max', 'avg', 'min'}, optional

    Returns
    -------
    pooled : (h', w') float32 ndarray
        ``pool2d(values, size, stride=stride, mode=mode)``.
    windows : list of PoolWindow
        Row by row; ``windows[i].value == pooled.flat[i]``.

    Raises
    ------
    ValueError
        When the window does not fit in the grid (the message shows the formula).

    Examples
    --------
    >>> pooled, windows = pool_windows(np.arange(16).reshape(4, 4), 2)
    >>> [(w.top, w.left, w.value) for w in windows][:2]
    [(0, 0, 5.0), (0, 2, 7.0)]
    """
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"values must be a 2-D grid, got shape {values.shape}")
    stride = size if stride is None else stride
    pooled = pool2d(values, size, stride=stride, mode=mode)  # (h', w')
    windows = [
        PoolWindow(
            row,
            col,
            row * stride,
            col * stride,
            size,
            float(pooled[row, col]),
            _window_color(row, col),
        )
        for row in range(pooled.shape[0])
        for col in range(pooled.shape[1])
    ]
    return pooled, windows


def _window_color(row: int, col: int) -> str:
    """Colours that cycle along a row and shift by two per row, so no two neighbours match."""
    return WINDOW_COLORS[(2 * row + col) % len(WINDOW_COLORS)]


def windows_overlap(size: int, stride: int) -> bool:
    """Whether neighbouring windows share cells (the stride is smaller than the window)."""
    return stride < size


def _value_text(value: float) -> str:
    """A kept value as it is written on the grid: whole numbers plain, others to one decimal."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def windows_figure(values: np.ndarray, windows: list[PoolWindow], *, stride: int) -> go.Figure:
    """The input grid with each window outlined in its colour and labelled with the value it keeps.

    When the windows overlap (stride below the size), only the first row of windows
    is outlined, each alternately inset a little so that shared edges stay visible,
    and without labels, which would cover each other. Rows and columns that no
    window covers get a vermillion wash and a ⊗.
    """
    size = windows[0].size if windows else 1
    overlap = windows_overlap(size, stride)
    shown = [w for w in windows if w.row == 0] if overlap else windows
    figure = value_grid(values)
    _enlarge(figure, values.shape, 340)
    shapes, labels = [], []
    for index, window in enumerate(shown):
        inset = 0.1 * (index % 2) if overlap else 0.0
        x0, y0 = window.left - 0.5 + inset, window.top - 0.5 + inset
        x1, y1 = window.left + size - 0.5 - inset, window.top + size - 0.5 - inset
        shapes.append(_rect(x0, x1, y0, y1, window.color, 5))
        if not overlap:  # overlapping labels would hide each other; the pooled grid shows the values
            labels.append(
                {
                    "x": x0,
                    "y": y0,
                    "xanchor": "left",
                    "yanchor": "top",
                    "showarrow": False,
                    "text": f"<b>{_value_text(window.value)}</b>",
                    "bgcolor": window.color,
                    "font": {"color": "black", "size": 13 if values.shape[1] <= 8 else 10},
                    "borderpad": 1,
                    "xshift": 2,
                    "yshift": -2,
                }
            )
    height, width = values.shape
    covered_rows, covered_cols = np.zeros(height, bool), np.zeros(width, bool)
    for window in windows:
        covered_rows[window.top : window.top + size] = True
        covered_cols[window.left : window.left + size] = True
    mark = {"text": "⊗", "showarrow": False, "font": {"color": DROPPED_COLOR, "size": 20}}
    for row in np.flatnonzero(~covered_rows):
        shapes.append(_wash(-0.5, width - 0.5, row - 0.5, row + 0.5))
        labels.append({"x": width - 0.5, "y": row, "xanchor": "left", "xshift": 3, **mark})
    for col in np.flatnonzero(~covered_cols):
        shapes.append(_wash(col - 0.5, col + 0.5, -0.5, height - 0.5))
        labels.append({"x": col, "y": height - 0.5, "yanchor": "top", "yshift": -1, **mark})
    # One layout update: adding shapes one at a time costs Plotly about 2 ms each.
    figure.update_layout(shapes=[*figure.layout.shapes, *shapes], annotations=labels)
    figure.update_layout(margin={"r": 30, "b": 40})
    return figure


def pooled_figure(pooled: np.ndarray, windows: list[PoolWindow], *, stride: int) -> go.Figure:
    """The pooled grid, each cell outlined in the colour of the window it came from."""
    size = windows[0].size if windows else 1
    shown = [w for w in windows if w.row == 0] if windows_overlap(size, stride) else windows
    fmt = "" if np.all(np.mod(pooled, 1) == 0) else ".1f"
    figure = value_grid(pooled, value_format=fmt)
    outlines = [_rect(w.col - 0.5, w.col + 0.5, w.row - 0.5, w.row + 0.5, w.color, 4) for w in shown]
    figure.update_layout(shapes=outlines)
    _enlarge(figure, pooled.shape, 240)
    figure.update_yaxes(title="output row")
    return figure


def _wash(x0: float, x1: float, y0: float, y1: float) -> dict:
    """A see-through vermillion band over cells that no window covers."""
    return {
        "type": "rect",
        "x0": x0,
        "x1": x1,
        "y0": y0,
        "y1": y1,
        "fillcolor": DROPPED_FILL,
        "line": {"width": 0},
        "layer": "above",
    }


def _rect(x0: float, x1: float, y0: float, y1: float, color: str, width: int) -> dict:
    """A Plotly rectangle outline, drawn above the cells."""
    return {
        "type": "rect",
        "x0": x0,
        "x1": x1,
        "y0": y0,
        "y1": y1,
        "line": {"color": color, "width": width},
        "layer": "above",
    }


def _enlarge(figure: go.Figure, shape: tuple[int, int], target: int) -> None:
    """Bigger cells than value_grid's default, for a projector: the grid about ``target`` pixels across.

    ``target`` is about the width the page gives the figure, so the figure is no taller than
    the square grid drawn in it.
    """
    rows, cols = shape
    cell = max(22, min(64, target // max(rows, cols, 1)))
    figure.update_layout(height=50 + cell * rows)
    # Pinned to the grid (outlines and ⊗ marks must not widen it), ticking whole cells only.
    figure.update_xaxes(range=[-0.5, cols - 0.5], dtick=1 if cols <= 12 else 2)
    figure.update_yaxes(autorange=False, range=[rows - 0.5, -0.5], dtick=1 if rows <= 12 else 2)


# The work pooling saves ------------------------------------------------------------------


@dataclass(frozen=True)
class ConvWork:
    """The multiply–adds of one ``kernel × kernel`` convolution (one channel, stride 1, no padding).

    Attributes
    ----------
    input_hw : (int, int)
    kernel : int
    output_hw : (int, int) or None
        None when the kernel does not fit.
    """

    input_hw: tuple[int, int]
    kernel: int
    output_hw: tuple[int, int] | None

    @property
    def multiply_adds(self) -> int:
        """``out_h × out_w × k × k``: one multiply–add per kernel weight per output cell."""
        if self.output_hw is None:
            return 0
        return self.output_hw[0] * self.output_hw[1] * self.kernel * self.kernel

    @property
    def formula(self) -> str:
        """E.g. ``'498 × 498 × 9 = 2,232,036'``."""
        if self.output_hw is None:
            return f"the {self.kernel} × {self.kernel} kernel does not fit"
        h, w = self.output_hw
        return f"{h} × {w} × {self.kernel * self.kernel} = {self.multiply_adds:,}"


def conv_work(height: int, width: int, kernel: int = 3) -> ConvWork:
    """The work of a ``kernel × kernel`` convolution on a ``height × width`` input."""
    fits = min(height, width) >= kernel
    output = (conv_output_size(height, kernel), conv_output_size(width, kernel)) if fits else None
    return ConvWork((height, width), kernel, output)


@dataclass(frozen=True)
class PoolingSavings:
    """A convolution's work on a picture, and on the same picture after pooling.

    Attributes
    ----------
    before, after : ConvWork
    pooled_hw : (int, int)
        The picture's size after pooling.
    """

    before: ConvWork
    after: ConvWork
    pooled_hw: tuple[int, int]

    @property
    def ratio(self) -> float | None:
        """How many times fewer multiply–adds after pooling (None if either is 0)."""
        if not self.before.multiply_adds or not self.after.multiply_adds:
            return None
        return self.before.multiply_adds / self.after.multiply_adds


def pooling_savings(
    height: int, width: int, *, size: int = 2, stride: int | None = None, kernel: int = 3
) -> PoolingSavings:
    """Multiply–adds of a convolution before and after pooling a ``height × width`` picture.

    Parameters
    ----------
    height, width : int
        The picture's size.
    size, stride : int, optional
        The pooling window and its stride (default: the window size).
    kernel : int, optional
        The convolution kernel's side (the notes use 3).

    Returns
    -------
    PoolingSavings

    Examples
    --------
    The notes' 500 × 500 picture and a 3 × 3 kernel, before and after 2 × 2 pooling:

    >>> savings = pooling_savings(500, 500)
    >>> savings.before.formula, savings.after.formula
    ('498 × 498 × 9 = 2,232,036', '248 × 248 × 9 = 553,536')
    >>> round(savings.ratio, 2)
    4.03
    """
    stride = size if stride is None else stride
    pooled_hw = (
        conv_output_size(height, size, stride=stride),
        conv_output_size(width, size, stride=stride),
    )
    return PoolingSavings(conv_work(height, width, kernel), conv_work(*pooled_hw, kernel), pooled_hw)


# Global average pooling ------------------------------------------------------------------


def global_average_pool(image: np.ndarray) -> np.ndarray:
    """One number per channel: the average of the whole map.

    This is pooling with a window as large as the picture,
    ``pool2d(image, (H, W), mode='avg')``, computed faster.

    Parameters
    ----------
    image : (H, W) or (H, W, C) ndarray

    Returns
    -------
    (C,) float64 ndarray
        ``(1,)`` for an ``(H, W)`` map.

    Examples
    --------
    >>> global_average_pool(np.repeat([0, 255], 18).reshape(6, 6)).tolist()
    [127.5]
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3) or 0 in image.shape:
        raise ValueError(f"image must be a non-empty (H, W) or (H, W, C) array, got shape {image.shape}")
    stack = image[:, :, None] if image.ndim == 2 else image  # (H, W, C)
    if stack.shape[2] <= 4 and stack.dtype in (np.uint8, np.float32, np.float64):
        return np.array(cv2.mean(np.ascontiguousarray(stack))[: stack.shape[2]])
    return stack.mean(axis=(0, 1), dtype=np.float64)


def edge_strength_maps(gray: np.ndarray, slugs: tuple[str, ...] = FEATURE_KERNELS) -> np.ndarray:
    """How strongly each named kernel responds at every pixel: a small stack of feature maps.

    Parameters
    ----------
    gray : (H, W) ndarray
    slugs : tuple of str, optional
        Keys of ``NAMED_KERNELS``.

    Returns
    -------
    (H, W, K) float32 ndarray
        ``|filter2d(gray, kernel)|`` per kernel, same size as the input; the border
        repeats the nearest pixels, so it adds no artificial edges.
    """
    for slug in slugs:
        if slug not in NAMED_KERNELS:
            raise ValueError(f"unknown kernel {slug!r}; choose from {sorted(NAMED_KERNELS)}")
    maps = [
        np.abs(filter2d(gray, NAMED_KERNELS[slug].weights, padding="same", pad_mode="replicate"))
        for slug in slugs
    ]
    return np.stack(maps, axis=-1)  # (H, W, K)


def feature_previews(maps: np.ndarray, longest_side: int = 240) -> np.ndarray:
    """Feature maps ready for the screen, all on one brightness scale.

    Parameters
    ----------
    maps : (H, W, K) ndarray
        Non-negative responses, e.g. from :func:`edge_strength_maps`.
    longest_side : int, optional
        Big maps are shrunk to this, small ones blown up into blocks.

    Returns
    -------
    (h, w, K) uint8 ndarray
        0 is black; the 99th percentile of all maps together (or their maximum, if
        that is 0) is white, so a few very strong pixels do not leave the rest dark.
    """
    maps = np.asarray(maps, dtype=np.float32)
    if maps.ndim != 3:
        raise ValueError(f"maps must be (H, W, K), got shape {maps.shape}")
    shown = (
        resample(maps, longest_side)
        if max(maps.shape[:2]) > longest_side
        else enlarge_nearest(maps, longest_side)
    )
    shown = shown.reshape(*shown.shape[:2], maps.shape[2])  # (h, w, K), even for K = 1
    white = float(np.percentile(shown, 99)) or float(shown.max()) or 1.0
    return np.rint(np.clip(shown * (255.0 / white), 0, 255)).astype(np.uint8)
