"""Colour maps for signed results, safe for colour-blind viewers."""

from __future__ import annotations

import numpy as np

# ColorBrewer's 11-class PuOr (purple–white–orange): readable with every common
# form of colour blindness and in grayscale print, unlike red–green maps.
DIVERGING_STOPS = np.array(
    [
        [45, 0, 75],
        [84, 39, 136],
        [128, 115, 172],
        [178, 171, 210],
        [216, 218, 235],
        [247, 247, 247],
        [254, 224, 182],
        [253, 184, 99],
        [224, 130, 20],
        [179, 88, 6],
        [127, 59, 8],
    ],
    dtype=np.float64,
)


def diverging_colorscale() -> list[list]:
    """The diverging map as a Plotly colour scale: negative purple, 0 white, positive orange."""
    positions = np.linspace(0.0, 1.0, len(DIVERGING_STOPS))
    return [
        [float(p), f"rgb({r:.0f},{g:.0f},{b:.0f})"]
        for p, (r, g, b) in zip(positions, DIVERGING_STOPS, strict=True)
    ]


def symmetric_limit(values: np.ndarray) -> float:
    """The largest |value|, so that 0 sits in the middle of the map (1 for an all-zero array)."""
    finite = np.abs(np.asarray(values, dtype=np.float64))
    finite = finite[np.isfinite(finite)]
    limit = float(finite.max()) if finite.size else 0.0
    return limit if limit > 0 else 1.0


def diverging_image(values: np.ndarray, limit: float | None = None) -> np.ndarray:
    """Colour a signed 2-D result: −limit purple, 0 white, +limit orange.

    Parameters
    ----------
    values : (H, W) ndarray
        Any real numbers; NaN is drawn mid-grey.
    limit : float, optional
        The magnitude drawn at full colour; defaults to ``symmetric_limit(values)``.

    Returns
    -------
    (H, W, 3) uint8 ndarray

    Examples
    --------
    >>> diverging_image(np.array([[0.0]]))[0, 0].tolist()
    [247, 247, 247]
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"diverging_image needs an (H, W) array, got shape {values.shape}")
    limit = symmetric_limit(values) if limit is None else float(limit)
    if not limit > 0:
        raise ValueError(f"limit must be above 0, got {limit}")
    position = (np.clip(values / limit, -1, 1) + 1) / 2 * (len(DIVERGING_STOPS) - 1)  # (H, W)
    position = np.nan_to_num(position, nan=(len(DIVERGING_STOPS) - 1) / 2)
    stops = np.arange(len(DIVERGING_STOPS))
    channels = [np.interp(position, stops, DIVERGING_STOPS[:, c]) for c in range(3)]
    image = np.rint(np.stack(channels, axis=-1)).astype(np.uint8)
    image[np.isnan(values)] = (128, 128, 128)
    return image
