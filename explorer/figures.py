"""Plotly figures built from arrays: pure data, tested here, displayed by the pages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from explorer.colormaps import diverging_colorscale, symmetric_limit

# Plotly colour scales for one channel of 0..255 values.
CHANNEL_COLORSCALES: dict[str, list[list]] = {
    "gray": [[0.0, "rgb(0,0,0)"], [1.0, "rgb(255,255,255)"]],
    "red": [[0.0, "rgb(0,0,0)"], [1.0, "rgb(255,0,0)"]],
    "green": [[0.0, "rgb(0,0,0)"], [1.0, "rgb(0,255,0)"]],
    "blue": [[0.0, "rgb(0,0,0)"], [1.0, "rgb(0,0,255)"]],
}


@dataclass(frozen=True)
class Box:
    """A rectangle of cells to outline on a grid, in grid coordinates."""

    top: int
    left: int
    height: int = 1
    width: int = 1
    color: str = "#ffdd00"
    label: str = ""


# Okabe–Ito colours: distinguishable with every common form of colour blindness.
BOX_COLORS = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]

# Largest number of cells whose values are written in; past it, hover shows them.
MAX_WRITTEN_CELLS = 24 * 24


def value_grid(
    values: np.ndarray,
    *,
    colorscale: str | list = "gray",
    zmin: float = 0,
    zmax: float = 255,
    row_offset: int = 0,
    col_offset: int = 0,
    title: str = "",
    value_format: str = "",
    highlight: list[tuple[int, int]] | None = None,
    boxes: list[Box] | None = None,
    fills: list[Box] | None = None,
    signed: bool = False,
    cell_px: int | None = None,
    text_size: int | None = None,
) -> go.Figure:
    """A heatmap of a small 2-D array with each cell's value written in it.

    Parameters
    ----------
    values : (h, w) ndarray
    colorscale : str or Plotly colour scale, optional
        A key of ``CHANNEL_COLORSCALES`` or any Plotly scale.
    zmin, zmax : float, optional
        The values drawn black and full colour.
    row_offset, col_offset : int, optional
        Where the grid sits in the whole image, so axes show true pixel positions.
    value_format : str, optional
        d3 format for the written values, e.g. ``'.0f'``; default shows them as is.
    highlight : list of (row, col), optional
        Cells (in grid coordinates) to outline in yellow.
    boxes : list of Box, optional
        Rectangles to outline, each in its own colour, with an optional label.
    fills : list of Box, optional
        Rectangles to wash over in their (semi-transparent) colour, e.g. padding.
    signed : bool, optional
        Negative and positive values: the colour-blind-safe diverging map with 0
        white in the middle (``colorscale``, ``zmin`` and ``zmax`` are ignored).
    cell_px : int, optional
        Screen pixels per cell row; by default the grid fits about 380 pixels.
    text_size : int, optional
        Font size of the written values; by default smaller for wider grids.

    Returns
    -------
    plotly.graph_objects.Figure
        Row 0 at the top, as in an image; numbers written in when the grid has at
        most ``MAX_WRITTEN_CELLS`` cells, always shown on hover.

    Notes
    -----
    The figure is assembled from plain dictionaries in one step, without Plotly's
    property validation: pages build several grids on every rerun, and validating
    them property by property cost milliseconds each.
    """
    values = np.asarray(values)
    height, width = values.shape
    if signed:
        colorscale, zmax = diverging_colorscale(), symmetric_limit(values)
        zmin = -zmax
    elif isinstance(colorscale, str):
        colorscale = CHANNEL_COLORSCALES.get(colorscale, colorscale)
    template = "%{z" + (":" + value_format if value_format else "") + "}"
    heatmap = {
        "type": "heatmap",
        "z": values,
        "x": np.arange(width) + col_offset,
        "y": np.arange(height) + row_offset,
        "colorscale": colorscale,
        "zmin": zmin,
        "zmax": zmax,
        "texttemplate": template if values.size <= MAX_WRITTEN_CELLS else None,
        "textfont": {"size": text_size or _text_size(width)},
        "hovertemplate": "row %{y}, column %{x}<br>value " + template + "<extra></extra>",
        "xgap": 1,
        "ygap": 1,
        "showscale": False,
    }
    shapes, labels = [], []
    for box in fills or []:
        shapes.append(
            _rectangle(box, row_offset, col_offset) | {"fillcolor": box.color, "line": {"width": 0}}
        )
    for box in [Box(row, col) for row, col in highlight or []] + list(boxes or []):
        shapes.append(_rectangle(box, row_offset, col_offset) | {"line": {"color": box.color, "width": 4}})
        if box.label:
            labels.append(
                {
                    "x": box.left + col_offset - 0.5 + box.width / 2,
                    "y": box.top + row_offset - 0.5,
                    "text": box.label,
                    "showarrow": False,
                    "yshift": 8,
                    "font": {"color": box.color, "size": 12},
                }
            )
    cell = cell_px or max(18, min(48, 380 // max(height, width)))
    top_margin = 40 if title else 10
    layout = {
        "title": {"text": title} if title else None,
        "height": min(620, top_margin + 30 + cell * height),
        "margin": {"l": 40, "r": 10, "t": top_margin, "b": 30},
        "plot_bgcolor": "#9e9e9e",  # shows through the cell gaps as grid lines
        "shapes": shapes,
        "annotations": labels,
        # Fixed ranges: outlines and labels must not widen the grid.
        "xaxis": {
            "range": [col_offset - 0.5, col_offset + width - 0.5],
            "side": "top",
            "constrain": "domain",
            "dtick": _tick_step(width),
        },
        "yaxis": {
            "range": [row_offset + height - 0.5, row_offset - 0.5],
            "scaleanchor": "x",
            "constrain": "domain",
            "title": {"text": "row"},
            "dtick": _tick_step(height),
        },
    }
    return go.Figure(data=[heatmap], layout=layout, _validate=False)


def _rectangle(box: Box, row_offset: int, col_offset: int) -> dict:
    """A Plotly rectangle shape covering a box's cells."""
    x0, y0 = box.left + col_offset - 0.5, box.top + row_offset - 0.5
    return {"type": "rect", "x0": x0, "x1": x0 + box.width, "y0": y0, "y1": y0 + box.height, "layer": "above"}


def vector_strip(vector: np.ndarray, *, highlight: dict[str, int] | None = None) -> go.Figure:
    """The flattened vector as one long row of cells with values and positions.

    Parameters
    ----------
    vector : (n,) ndarray
    highlight : dict of label to position, optional
        Positions to outline and label, e.g. a pixel and its former neighbours.
    """
    vector = np.asarray(vector).reshape(1, -1)  # (1, n)
    length = vector.shape[1]
    write = length <= 64
    figure = go.Figure(
        go.Heatmap(
            z=vector,
            x=np.arange(length),
            y=[0],
            colorscale=CHANNEL_COLORSCALES["gray"],
            zmin=0,
            zmax=255,
            texttemplate="%{z}" if write else None,
            textfont={"size": 10},
            hovertemplate="position %{x}<br>value %{z}<extra></extra>",
            xgap=1,
            showscale=False,
        )
    )
    for label, position in (highlight or {}).items():
        figure.add_shape(
            type="rect",
            x0=position - 0.5,
            x1=position + 0.5,
            y0=-0.5,
            y1=0.5,
            line={"color": "#ffdd00", "width": 3},
        )
        figure.add_annotation(x=position, y=0.5, text=label, showarrow=False, yshift=12, font={"size": 11})
    figure.update_layout(height=130, margin={"l": 10, "r": 10, "t": 30, "b": 30})
    figure.update_yaxes(visible=False, range=[-0.5, 0.9])
    figure.update_xaxes(title="position in the vector", dtick=max(1, length // 12))
    return figure


def _tick_step(cells: int) -> int:
    """Whole-number axis ticks, thinned out for long axes."""
    return max(1, cells // 8)


def _text_size(columns: int) -> int:
    """Smaller numbers for wider grids so three digits still fit a cell."""
    return 14 if columns <= 8 else 11 if columns <= 16 else 9
