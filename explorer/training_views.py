"""What the training lab draws: curves, filter and feature-map mosaics, confusion matrix.

Pure functions from a trainer's numbers to Plotly figures and ``uint8`` pictures, so the page
only displays them and the training benchmark can time exactly the redraw the page does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from explorer.colormaps import diverging_image, symmetric_limit
from explorer.figures import BOX_COLORS
from explorer.models import ConvNet, feature_maps
from explorer.training import Trainer, TrainingHistory

__all__ = [
    "LiveViews",
    "channel_mosaic",
    "confusion_figure",
    "curves_description",
    "curves_figure",
    "filter_mosaic",
    "live_views",
    "map_mosaic",
    "mosaic",
    "probabilities_figure",
    "to_tile",
]

GAP = 4  # white pixels between tiles of a mosaic
GAP_COLOUR = 255
FILTER_CELL = 72  # screen pixels per learned filter, big enough for a projector
MAP_CELL = 84  # screen pixels per feature map
FEATURE_CELL = 56  # screen pixels per feature map in the live view, where there are many
# The live view: each refresh trains for STEP_SECONDS, then redraws; a refresh every REFRESH_SECONDS.
STEP_SECONDS = 0.3
REFRESH_SECONDS = 0.4


@dataclass(frozen=True)
class LiveViews:
    """Everything the live part of the page redraws after a training step.

    Attributes
    ----------
    curves : go.Figure
        Loss and accuracy per epoch, training and validation.
    filters : (H, W, 3) uint8 ndarray or None
        The first layer's filters as a mosaic (None for an MLP).
    feature_maps : list of (str, (H, W, 3) uint8 ndarray)
        For one validation picture, each stage's name with its maps as a mosaic (empty for an MLP).
    """

    curves: go.Figure
    filters: np.ndarray | None
    feature_maps: list[tuple[str, np.ndarray]]


def live_views(trainer: Trainer, image_index: int = 0) -> LiveViews:
    """What the page redraws after each training step: curves, filters, feature maps.

    Parameters
    ----------
    trainer : Trainer
    image_index : int, optional
        The validation picture whose feature maps are drawn.
    """
    filters = trainer.current_filters()
    stages = []
    if isinstance(trainer.model, ConvNet):
        picture = trainer.validation_set.images[image_index : image_index + 1]  # (1, H, W, C)
        for stage in feature_maps(trainer.model, picture):
            maps = stage.maps[0]  # (H', W', C')
            label = f"{stage.name} — {maps.shape[0]} × {maps.shape[1]} × {maps.shape[2]}"
            stages.append((label, map_mosaic(maps, cell=FEATURE_CELL, columns=16)))
    return LiveViews(
        curves=curves_figure({"": trainer.history}),
        filters=None if filters is None else filter_mosaic(filters),
        feature_maps=stages,
    )


def curves_figure(histories: Mapping[str, TrainingHistory], *, height: int = 320) -> go.Figure:
    """Loss (left) and accuracy (right) per epoch: training solid, validation dashed.

    Parameters
    ----------
    histories : mapping of str to TrainingHistory
        One entry per model, e.g. ``{"CNN": ..., "MLP": ...}``; a single model may use ``""``.
    height : int, optional
        Figure height in pixels.

    Returns
    -------
    go.Figure
    """
    # Built as plain dicts with two axis domains: make_subplots and validated traces cost ~10 ms a redraw.
    traces = []
    for index, (name, history) in enumerate(histories.items()):
        colour = BOX_COLORS[(4 + index) % len(BOX_COLORS)] if name else BOX_COLORS[4]
        prefix = f"{name} " if name else ""
        epochs = list(range(1, history.epochs + 1))
        panels = [(history.train_loss, history.val_loss), (history.train_accuracy, history.val_accuracy)]
        for column, (train, validation) in enumerate(panels, start=1):
            for values, part, dash in [(train, "training", "solid"), (validation, "validation", "dash")]:
                traces.append(
                    {
                        "type": "scatter",
                        "x": epochs,
                        "y": list(values),
                        "mode": "lines+markers",
                        "name": f"{prefix}{part}",
                        "legendgroup": f"{prefix}{part}",
                        "showlegend": column == 1,
                        "line": {"color": colour if name else _part_colour(part), "dash": dash},
                        "xaxis": "x" if column == 1 else "x2",
                        "yaxis": "y" if column == 1 else "y2",
                    }
                )
    epoch_axis = {"title": {"text": "epoch"}, "rangemode": "tozero", "dtick": _epoch_tick(histories)}
    layout = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "legend": {"orientation": "h", "y": -0.25},
        "uirevision": "curves",
        "xaxis": {**epoch_axis, "domain": [0.0, 0.45], "anchor": "y"},
        "xaxis2": {**epoch_axis, "domain": [0.55, 1.0], "anchor": "y2"},
        "yaxis": {"rangemode": "tozero", "anchor": "x"},
        "yaxis2": {"range": [0, 1.02], "tickformat": ".0%", "anchor": "x2"},
        "annotations": [
            _panel_title("Loss", 0.225),
            _panel_title("Accuracy", 0.775),
        ],
    }
    return go.Figure({"data": traces, "layout": layout}, skip_invalid=False, _validate=False)


def _panel_title(text: str, x: float) -> dict:
    return {
        "text": text,
        "x": x,
        "y": 1.0,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 15},
    }


def curves_description(histories: Mapping[str, TrainingHistory]) -> str:
    """The curves in words, as a chart's text alternative: each model's latest epoch.

    >>> curves_description({"CNN": TrainingHistory([0.5], [0.8], [0.4], [0.9])}).split(": ")[1]
    'training accuracy 80.0%, validation loss 0.400, validation accuracy 90.0%'
    """
    parts = [
        f"{name or 'model'} after epoch {history.epochs}: training accuracy "
        f"{history.train_accuracy[-1]:.1%}, validation loss {history.val_loss[-1]:.3f}, "
        f"validation accuracy {history.val_accuracy[-1]:.1%}"
        for name, history in histories.items()
        if history.epochs
    ]
    return "Loss and accuracy curves. " + ("; ".join(parts) if parts else "No epoch has finished yet.")


def _part_colour(part: str) -> str:
    return BOX_COLORS[4] if part == "training" else BOX_COLORS[5]


def _epoch_tick(histories: Mapping[str, TrainingHistory]) -> int | None:
    longest = max((history.epochs for history in histories.values()), default=0)
    return 1 if longest <= 12 else None


def to_tile(image: np.ndarray, cell: int) -> np.ndarray:
    """A ``(H, W, C)`` picture with values 0..1 as a ``(cell', cell', 3)`` uint8 tile, nearest-enlarged.

    Grey pictures (C = 1) are repeated to RGB; the factor is a whole number, so every pixel stays a
    square block (a picture larger than ``cell`` is left at its size).
    """
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 2:
        image = image[..., None]  # (H, W, 1)
    if image.ndim != 3 or image.shape[2] not in (1, 3):
        raise ValueError(f"image must have shape (H, W, 1) or (H, W, 3), got {image.shape}")
    pixels = np.rint(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)  # (H, W, C)
    if pixels.shape[2] == 1:
        pixels = np.repeat(pixels, 3, axis=2)  # (H, W, 3)
    return _enlarge(pixels, cell)


def _enlarge(pixels: np.ndarray, cell: int) -> np.ndarray:
    factor = max(1, cell // max(pixels.shape[:2]))
    return np.repeat(np.repeat(pixels, factor, axis=0), factor, axis=1)


def mosaic(tiles: Sequence[np.ndarray], *, columns: int = 8, gap: int = GAP) -> np.ndarray:
    """Lay equal-sized ``(h, w, 3)`` uint8 tiles out in rows of ``columns``, white gaps between.

    >>> mosaic([np.zeros((2, 2, 3), np.uint8)] * 3, columns=2, gap=1).shape
    (5, 5, 3)
    """
    if not tiles:
        raise ValueError("mosaic needs at least one tile")
    height, width = tiles[0].shape[:2]
    if any(tile.shape != tiles[0].shape for tile in tiles):
        raise ValueError(f"all tiles must have shape {tiles[0].shape}")
    columns = max(1, min(columns, len(tiles)))
    rows = -(-len(tiles) // columns)
    canvas = np.full(
        (rows * height + (rows - 1) * gap, columns * width + (columns - 1) * gap, 3), GAP_COLOUR, np.uint8
    )  # (rows·h + gaps, columns·w + gaps, 3)
    for index, tile in enumerate(tiles):
        top, left = (index // columns) * (height + gap), (index % columns) * (width + gap)
        canvas[top : top + height, left : left + width] = tile
    return canvas


def filter_mosaic(
    filters: np.ndarray, *, cell: int = FILTER_CELL, limit: float | None = None, columns: int = 8
) -> np.ndarray:
    """The first layer's filters side by side, one tile each.

    Parameters
    ----------
    filters : (kh, kw, C_in, C_out) ndarray
        Keras layout, as ``explorer.models.first_layer_filters`` returns.
    cell : int, optional
        Screen pixels per filter tile.
    limit : float, optional
        For grey filters, the |weight| drawn at full colour; by default the largest |weight| of all
        filters, so tiles are comparable with each other.
    columns : int, optional

    Returns
    -------
    (H, W, 3) uint8 ndarray

    Notes
    -----
    Grey filters (C_in = 1) use the signed diverging map (negative purple, 0 white, positive orange).
    Colour filters (C_in = 3) are drawn as colour patches: each filter's weights stretched to
    0..255 on its own, so the colour a filter responds to most shows brightest.
    """
    filters = np.asarray(filters, dtype=np.float32)
    if filters.ndim != 4:
        raise ValueError(f"filters must have shape (kh, kw, C_in, C_out), got {filters.shape}")
    if filters.shape[2] == 3:
        tiles = [_enlarge(_colour_patch(filters[..., index]), cell) for index in range(filters.shape[3])]
    else:
        limit = symmetric_limit(filters) if limit is None else limit
        tiles = [
            _enlarge(diverging_image(filters[..., :, index].mean(axis=2), limit), cell)
            for index in range(filters.shape[3])
        ]
    return mosaic(tiles, columns=columns)


def channel_mosaic(filters: np.ndarray, *, cell: int = FILTER_CELL) -> np.ndarray:
    """Colour filters per channel: one row each for R, G and B, one column per filter, signed colours.

    Parameters
    ----------
    filters : (kh, kw, C_in, C_out) ndarray

    Returns
    -------
    (H, W, 3) uint8 ndarray
    """
    filters = np.asarray(filters, dtype=np.float32)
    if filters.ndim != 4:
        raise ValueError(f"filters must have shape (kh, kw, C_in, C_out), got {filters.shape}")
    limit = symmetric_limit(filters)
    tiles = [
        _enlarge(diverging_image(filters[:, :, channel, index], limit), cell)
        for channel in range(filters.shape[2])
        for index in range(filters.shape[3])
    ]
    return mosaic(tiles, columns=filters.shape[3])


def _colour_patch(kernel: np.ndarray) -> np.ndarray:
    """One ``(kh, kw, 3)`` filter stretched to 0..255 on its own (mid-grey when it is flat)."""
    low, high = float(kernel.min()), float(kernel.max())
    if high - low <= 0:
        return np.full((*kernel.shape[:2], 3), 128, np.uint8)
    return np.rint((kernel - low) / (high - low) * 255).astype(np.uint8)


def map_mosaic(maps: np.ndarray, *, cell: int = MAP_CELL, columns: int = 8) -> np.ndarray:
    """Feature maps ``(H, W, C)`` side by side: signed maps in the diverging map, others in grey.

    Every map shares one scale (the largest |value|), so a weak channel looks weak.
    """
    maps = np.asarray(maps, dtype=np.float32)
    if maps.ndim != 3:
        raise ValueError(f"maps must have shape (H, W, C), got {maps.shape}")
    limit = symmetric_limit(maps)
    if float(np.nanmin(maps)) < 0:
        tiles = [_enlarge(diverging_image(maps[..., index], limit), cell) for index in range(maps.shape[2])]
    else:
        grey = np.rint(np.clip(maps / limit, 0, 1) * 255).astype(np.uint8)  # (H, W, C)
        tiles = [
            _enlarge(np.repeat(grey[..., index, None], 3, axis=2), cell) for index in range(maps.shape[2])
        ]
    return mosaic(tiles, columns=columns)


def confusion_figure(matrix: np.ndarray, class_names: Sequence[str]) -> go.Figure:
    """The confusion matrix as a heatmap with the counts written in: row = true, column = predicted."""
    matrix = np.asarray(matrix)
    classes = len(class_names)
    if matrix.shape != (classes, classes):
        raise ValueError(f"matrix must be ({classes}, {classes}) for {classes} classes, got {matrix.shape}")
    names = [str(name) for name in class_names]
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            x=names,
            y=names,
            colorscale="Blues",
            text=matrix,
            texttemplate="%{text}",
            hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
            showscale=False,
        )
    )
    side = min(560, 120 + 38 * classes)
    figure.update_layout(
        height=side,
        width=side,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": "predicted", "type": "category", "side": "top"},
        yaxis={"title": "true", "type": "category", "autorange": "reversed"},
    )
    return figure


def probabilities_figure(probabilities: np.ndarray, class_names: Sequence[str]) -> go.Figure:
    """Class probabilities as horizontal bars, the most likely class highlighted."""
    probabilities = np.asarray(probabilities, dtype=np.float64).ravel()
    if probabilities.shape[0] != len(class_names):
        raise ValueError(f"{probabilities.shape[0]} probabilities for {len(class_names)} classes")
    best = int(np.argmax(probabilities))
    colours = [BOX_COLORS[5] if index == best else BOX_COLORS[4] for index in range(len(class_names))]
    figure = go.Figure(
        go.Bar(
            x=probabilities,
            y=[str(name) for name in class_names],
            orientation="h",
            marker_color=colours,
            text=[f"{p:.1%}" for p in probabilities],
            textposition="outside",
        )
    )
    figure.update_layout(
        height=80 + 26 * len(class_names),
        margin={"l": 10, "r": 40, "t": 10, "b": 10},
        xaxis={"range": [0, 1.15], "tickformat": ".0%"},
        yaxis={"type": "category", "autorange": "reversed"},
    )
    return figure
