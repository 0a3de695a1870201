"""Images are numbers: channels, pixel windows and flattening, ready to show."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from explorer.images import resample, to_grayscale

CHANNELS: dict[str, str] = {
    "gray": "Grayscale (brightness)",
    "red": "Red channel",
    "green": "Green channel",
    "blue": "Blue channel",
}
_CHANNEL_INDEX = {"red": 0, "green": 1, "blue": 2}


def channel(pixels: np.ndarray, name: str) -> np.ndarray:
    """One plane of an RGB image.

    Parameters
    ----------
    pixels : (H, W, 3) uint8 ndarray
    name : {'gray', 'red', 'green', 'blue'}

    Returns
    -------
    (H, W) uint8 ndarray
        A view for a colour channel; the BT.601 brightness for ``'gray'``.
    """
    if name == "gray":
        return to_grayscale(pixels)
    if name not in _CHANNEL_INDEX:
        raise ValueError(f"channel must be one of {sorted(CHANNELS)}, got {name!r}")
    return pixels[:, :, _CHANNEL_INDEX[name]]


def tint(plane: np.ndarray, name: str) -> np.ndarray:
    """Show one channel in its own colour: (H, W) uint8 → (H, W, 3) uint8.

    The red channel becomes shades of red (the other two channels set to 0), and
    so on; ``'gray'`` becomes equal R, G and B.
    """
    if name == "gray":
        return np.repeat(plane[:, :, None], 3, axis=2)
    tinted = np.zeros((*plane.shape, 3), dtype=np.uint8)
    tinted[:, :, _CHANNEL_INDEX[name]] = plane
    return tinted


@dataclass(frozen=True)
class Window:
    """A rectangle of pixels: top-left corner and size, inside the image."""

    top: int
    left: int
    height: int
    width: int

    def of(self, array: np.ndarray) -> np.ndarray:
        """The part of ``array`` (H, W[, C]) inside the window."""
        return array[self.top : self.top + self.height, self.left : self.left + self.width]


def clamp_window(image_hw: tuple[int, int], top: int, left: int, size: int) -> Window:
    """A ``size × size`` window at ``(top, left)``, shrunk and moved to fit the image.

    Examples
    --------
    >>> clamp_window((6, 6), 4, 0, 8)
    Window(top=0, left=0, height=6, width=6)
    """
    height, width = image_hw
    if size < 1:
        raise ValueError(f"window size must be at least 1, got {size}")
    window_h, window_w = min(size, height), min(size, width)
    top = int(np.clip(top, 0, height - window_h))
    left = int(np.clip(left, 0, width - window_w))
    return Window(top, left, window_h, window_w)


def draw_window(pixels: np.ndarray, window: Window, scale: float = 1) -> np.ndarray:
    """A copy of an (H, W, 3) image with the window outlined in yellow.

    ``scale`` is how many screen pixels one original pixel became when the picture
    was enlarged or shrunk for display, so the outline lands in the right place;
    its width grows with the picture.
    """
    outlined = np.ascontiguousarray(pixels).copy()
    thickness = max(1, max(outlined.shape[:2]) // 160)
    corner1 = (round(window.left * scale), round(window.top * scale))
    corner2 = (
        max(corner1[0], round((window.left + window.width) * scale) - 1),
        max(corner1[1], round((window.top + window.height) * scale) - 1),
    )
    # Black under yellow keeps the box visible on light and dark pictures alike.
    cv2.rectangle(outlined, corner1, corner2, (0, 0, 0), thickness + 2)
    cv2.rectangle(outlined, corner1, corner2, (255, 221, 0), thickness)
    return outlined


def frame(
    pixels: np.ndarray,
    width: int = 2,
    colour: tuple[int, int, int] = (130, 130, 130),
    *,
    inside: bool = True,
) -> np.ndarray:
    """An RGB copy of a picture with a thin frame, so white areas stay visible on a white page.

    Parameters
    ----------
    pixels : (H, W) or (H, W, 3) uint8 ndarray
    width : int, optional
        Frame thickness in pixels.
    colour : (r, g, b), optional
    inside : bool, optional
        Draw over the outer pixels, keeping the size (at most a quarter of the shorter
        side), or add the frame around the picture, growing each side by ``2 · width``.

    Returns
    -------
    (H, W, 3) or (H + 2·width, W + 2·width, 3) uint8 ndarray
    """
    pixels = np.asarray(pixels)
    rgb = np.repeat(pixels[:, :, None], 3, axis=2) if pixels.ndim == 2 else np.array(pixels)  # (H, W, 3)
    if not inside:
        return cv2.copyMakeBorder(rgb, width, width, width, width, cv2.BORDER_CONSTANT, value=colour)
    width = max(0, min(width, min(rgb.shape[:2]) // 4))
    if width:
        rgb[:width], rgb[-width:], rgb[:, :width], rgb[:, -width:] = colour, colour, colour, colour
    return rgb


@dataclass(frozen=True)
class Flattened:
    """A small grayscale grid and the vector it becomes when its rows are laid end to end.

    Attributes
    ----------
    grid : (side_h, side_w) uint8 ndarray
    vector : (side_h * side_w,) uint8 ndarray
        Row 0, then row 1, ...: ``vector[r * side_w + c] == grid[r, c]``.
    """

    grid: np.ndarray
    vector: np.ndarray

    @property
    def shape_text(self) -> str:
        """The grid's size, e.g. ``'6 × 6'``."""
        height, width = self.grid.shape
        return f"{height} × {width}"

    @property
    def formula(self) -> str:
        """The notes' count, e.g. ``'6 × 6 = 36'``."""
        return f"{self.shape_text} = {self.vector.size}"

    def neighbour_cells(self, row: int, col: int) -> dict[str, tuple[int, int]]:
        """A cell and its neighbours above, below, left and right that lie inside the grid."""
        height, width = self.grid.shape
        cells = {
            "cell": (row, col),
            "above": (row - 1, col),
            "below": (row + 1, col),
            "left": (row, col - 1),
            "right": (row, col + 1),
        }
        return {name: (r, c) for name, (r, c) in cells.items() if 0 <= r < height and 0 <= c < width}

    def neighbours(self, row: int, col: int) -> dict[str, int]:
        """Vector positions of a cell and of its neighbours (see :meth:`neighbour_cells`)."""
        width = self.grid.shape[1]
        return {name: r * width + c for name, (r, c) in self.neighbour_cells(row, col).items()}


def flatten(pixels: np.ndarray, longest_side: int) -> Flattened:
    """Shrink an image to at most ``longest_side`` pixels a side, in gray, and flatten it.

    Parameters
    ----------
    pixels : (H, W, 3) uint8 ndarray
    longest_side : int
        At least 1. The notes' 6×6 example with ``longest_side=6`` is unchanged.

    Examples
    --------
    >>> flatten(np.zeros((6, 6, 3), dtype=np.uint8), 6).formula
    '6 × 6 = 36'
    """
    grid = resample(to_grayscale(pixels), longest_side)  # (h, w)
    return Flattened(grid=grid, vector=grid.reshape(-1))
