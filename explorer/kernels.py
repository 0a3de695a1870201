"""Named 3×3 (and sized) kernels, each with what it does in one line."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NamedKernel:
    """A kernel with a display name and a one-line meaning.

    Attributes
    ----------
    name : str
        What the class calls it, e.g. ``"Sobel (horizontal edges)"``.
    meaning : str
        One plain sentence: what the kernel finds or does.
    weights : (kh, kw) float64 ndarray
        Read-only.
    """

    name: str
    meaning: str
    weights: np.ndarray


def _kernel(name: str, meaning: str, weights: list[list[float]] | np.ndarray) -> NamedKernel:
    array = np.array(weights, dtype=np.float64)
    array.flags.writeable = False
    return NamedKernel(name, meaning, array)


def gaussian(size: int = 3, sigma: float = 1.0) -> np.ndarray:
    """A normalised Gaussian blur kernel.

    Parameters
    ----------
    size : int, optional
        Side length, odd or even, at least 1.
    sigma : float, optional
        Spread in pixels, above 0.

    Returns
    -------
    (size, size) float64 ndarray
        Sums to 1, so the blur keeps the overall brightness.

    Examples
    --------
    >>> gaussian(3, 1.0).sum().round(6)
    np.float64(1.0)
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"Gaussian size must be a whole number >= 1, got {size!r}")
    if not sigma > 0 or not np.isfinite(sigma):
        raise ValueError(f"Gaussian sigma must be a positive number, got {sigma!r}")
    offsets = np.arange(size) - (size - 1) / 2  # (size,)
    profile = np.exp(-(offsets**2) / (2 * sigma**2))
    grid = np.outer(profile, profile)  # (size, size)
    return grid / grid.sum()


def box_blur(size: int = 3) -> np.ndarray:
    """A ``(size, size)`` kernel of equal weights that sum to 1: the local average."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"box blur size must be a whole number >= 1, got {size!r}")
    return np.full((size, size), 1.0 / size**2)


SOBEL_HORIZONTAL = _kernel(
    "Sobel (horizontal edges)",
    "Bright above and dark below gives a large positive value: finds horizontal edges.",
    [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
)
SOBEL_VERTICAL = _kernel(
    "Sobel (vertical edges)",
    "Bright on the left and dark on the right gives a large positive value: finds vertical edges.",
    [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
)

NAMED_KERNELS: dict[str, NamedKernel] = {
    "sobel-horizontal": SOBEL_HORIZONTAL,
    "sobel-vertical": SOBEL_VERTICAL,
    "identity": _kernel(
        "Identity",
        "Copies each pixel unchanged: the centre weight is 1, every other weight 0.",
        [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    ),
    "scharr-horizontal": _kernel(
        "Scharr (horizontal edges)",
        "Like horizontal Sobel with weights tuned so edges at every angle respond more evenly.",
        [[3, 10, 3], [0, 0, 0], [-3, -10, -3]],
    ),
    "scharr-vertical": _kernel(
        "Scharr (vertical edges)",
        "Like vertical Sobel with weights tuned so edges at every angle respond more evenly.",
        [[3, 0, -3], [10, 0, -10], [3, 0, -3]],
    ),
    "prewitt-horizontal": _kernel(
        "Prewitt (horizontal edges)",
        "Top row minus bottom row with equal weights: a simpler horizontal edge finder.",
        [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
    ),
    "prewitt-vertical": _kernel(
        "Prewitt (vertical edges)",
        "Left column minus right column with equal weights: a simpler vertical edge finder.",
        [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
    ),
    "diagonal-down": _kernel(
        "Slant edges (↘ diagonal)",
        "Bright at the top-right and dark at the bottom-left: finds edges running top-left to bottom-right.",
        [[0, 1, 2], [-1, 0, 1], [-2, -1, 0]],
    ),
    "diagonal-up": _kernel(
        "Slant edges (↗ diagonal)",
        "Bright at the top-left and dark at the bottom-right: finds edges running bottom-left to top-right.",
        [[2, 1, 0], [1, 0, -1], [0, -1, -2]],
    ),
    "laplacian": _kernel(
        "Laplacian",
        "Centre minus its four neighbours: responds to edges in every direction and to fine detail.",
        [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    ),
    "sharpen": _kernel(
        "Sharpen",
        "The pixel plus its difference from its neighbours: makes edges crisper.",
        [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    ),
    "box-blur": _kernel(
        "Box blur",
        "The average of the 3×3 neighbourhood: smooths noise and softens edges.",
        box_blur(3),
    ),
    "gaussian": _kernel(
        "Gaussian blur",
        "A weighted average that favours the centre (size 3, sigma 1): a gentler blur.",
        gaussian(3, 1.0),
    ),
    "emboss": _kernel(
        "Emboss",
        "Bottom-right minus top-left: the picture looks raised, lit from one side.",
        [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
    ),
    "outline": _kernel(
        "Outline",
        "Eight times the centre minus all eight neighbours: flat areas go to 0, outlines stay.",
        [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    ),
}


MAX_KERNEL_SIDE = 7
MAX_KERNEL_MAGNITUDE = 1e6


class KernelTextError(ValueError):
    """A typed kernel that cannot be used; the message names the offending cells."""


def kernel_from_text(text: str) -> np.ndarray:
    """Read a kernel typed as rows of numbers.

    Rows are separated by new lines or ``;``, cells by spaces or commas, so
    ``"1 2 1; 0 0 0; -1 -2 -1"`` is the horizontal Sobel kernel. Fractions such as
    ``1/9`` are allowed.

    Returns
    -------
    (kh, kw) float64 ndarray
        ``1 <= kh, kw <= MAX_KERNEL_SIDE``.

    Raises
    ------
    KernelTextError
        Naming every bad cell by row and column: empty cells, words, NaN, infinite or
        huge values, ragged rows, or a size outside 1–7.

    Examples
    --------
    >>> kernel_from_text("1 0 -1; 2 0 -2; 1 0 -1")[1].tolist()
    [2.0, 0.0, -2.0]
    """
    rows = [row for row in text.replace(";", "\n").splitlines()]
    while rows and not rows[-1].strip():
        rows.pop()
    while rows and not rows[0].strip():
        rows.pop(0)
    if not rows:
        raise KernelTextError("The kernel is empty: type at least one number.")
    grid = [[cell.strip() for cell in row.replace(",", " ").split(" ") if cell.strip()] for row in rows]
    problems: list[str] = []
    values: list[list[float]] = []
    for r, cells in enumerate(grid, start=1):
        if not cells:
            problems.append(f"row {r} is empty")
            continue
        row_values = []
        for c, cell in enumerate(cells, start=1):
            value = _cell_value(cell)
            if isinstance(value, str):
                problems.append(f"row {r}, column {c} ({cell!r}) {value}")
            else:
                row_values.append(value)
        values.append(row_values)
    widths = {len(cells) for cells in grid if cells}
    if len(widths) > 1:
        problems.append("the rows have different lengths (" + ", ".join(str(len(c)) for c in grid) + ")")
    if problems:
        raise KernelTextError("Kernel not used: " + "; ".join(problems) + ".")
    kernel = np.array(values, dtype=np.float64)
    if not (1 <= kernel.shape[0] <= MAX_KERNEL_SIDE and 1 <= kernel.shape[1] <= MAX_KERNEL_SIDE):
        raise KernelTextError(
            f"Kernel not used: it is {kernel.shape[0]} × {kernel.shape[1]}; "
            f"each side must be 1 to {MAX_KERNEL_SIDE}."
        )
    return kernel


def kernel_to_text(kernel: np.ndarray, *, row_separator: str = "\n") -> str:
    """Write a kernel the way :func:`kernel_from_text` reads it (``%g`` numbers)."""
    return row_separator.join(" ".join(f"{value:g}" for value in row) for row in np.asarray(kernel))


def _cell_value(cell: str) -> float | str:
    """A cell's number, or the reason it is not one."""
    try:
        if "/" in cell:
            numerator, denominator = cell.split("/", 1)
            value = float(numerator) / float(denominator)
        else:
            value = float(cell)
    except (ValueError, ZeroDivisionError):
        return "is not a number"
    if np.isnan(value):
        return "is NaN, not a number"
    if np.isinf(value):
        return "is infinite"
    if abs(value) > MAX_KERNEL_MAGNITUDE:
        return f"is larger than {MAX_KERNEL_MAGNITUDE:g} in size"
    return value
