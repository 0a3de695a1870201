"""Runnable snippets: a page's current set-up as a short Python script that reproduces it.

Every function returns the source text of one standalone script, written like a
teacher's worked example: imports at the top, plain-English comments, and only
NumPy, OpenCV, PyTorch and scikit-learn (for the digits) needed to run it with
``python snippet.py`` — nothing from this project, nothing downloaded.

The scripts leave their results in module-level variables (``output``,
``pooled``, ``accuracy``, ...) so that tests can run them with ``runpy.run_path``
and compare with :mod:`explorer`'s own results. Settings are checked by the
explorer functions the pages already call; sizes and formulas come from
:mod:`explorer.shapes` (through :func:`explorer.convolution.output_sizes`).
"""

# The templates below are lines of the generated scripts; splitting them to fit 110 columns here
# would make the scripts the class reads worse, so long lines are allowed in this file only.
# ruff: noqa: E501

from __future__ import annotations

import numpy as np

from explorer.convolution import output_sizes, plan_padding
from explorer.images import to_grayscale
from explorer.layers import COLOUR_KERNELS
from explorer.models import CNNConfig
from explorer.padding import PAD_MODES
from explorer.shapes import size_formula
from explorer.training import TrainConfig
from explorer.transfer import POOL_PER_CLASS, SPLIT_SEED, TransferSettings

SMALL_PICTURE = 16  # pictures up to this many pixels a side are written into the script
PICTURE_FILE = "picture.png"

_NOTES_GRAY = "np.repeat([0, 255], 18).reshape(6, 6).astype(np.uint8)"


# Writing numbers and pictures ---------------------------------------------------------------


def number_text(value: float) -> str:
    """A number as short Python source: ``2``, ``-0.5``, ``0.1111111111``.

    Examples
    --------
    >>> number_text(2.0), number_text(-0.5), number_text(1 / 9)
    ('2', '-0.5', '0.1111111111')
    """
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return f"{value:.10g}"


def array_text(values: np.ndarray, indent: int = 0) -> str:
    """A nested list literal for an array, one innermost-but-one row per line.

    Examples
    --------
    >>> print(array_text(np.array([[1, 2], [3, 4]])))
    [
        [1, 2],
        [3, 4],
    ]
    """
    values = np.asarray(values)
    if values.ndim == 1:
        return "[" + ", ".join(number_text(v) for v in values) + "]"
    if values.ndim == 2 and values.shape[1] <= 3 and values.shape[0] > 3:
        # Short rows (an RGB pixel row) stay on one line.
        return "[" + ", ".join(array_text(row) for row in values) + "]"
    inner = " " * (indent + 4)
    rows = [inner + array_text(row, indent + 4) + "," for row in values]
    return "[\n" + "\n".join(rows) + "\n" + " " * indent + "]"


def _uses_file(pixels: np.ndarray) -> bool:
    return max(np.asarray(pixels).shape[:2]) > SMALL_PICTURE


def picture_code(pixels: np.ndarray, *, gray: bool) -> str:
    """Lines that set ``picture``: the numbers written in, or read from ``picture.png``.

    Parameters
    ----------
    pixels : (H, W, 3) or (H, W) uint8 ndarray
        The page's picture.
    gray : bool
        ``picture`` becomes (H, W) grayscale; otherwise (H, W, 3) RGB.
    """
    pixels = np.asarray(pixels)
    height, width = pixels.shape[:2]
    shape = "(H, W)" if gray else "(H, W, 3) red, green, blue"
    if not _uses_file(pixels):
        values = to_grayscale(pixels) if gray else (pixels if pixels.ndim == 3 else np.dstack([pixels] * 3))
        what = "grayscale " if gray else "colour "
        return (
            f"# The page's picture: {width} × {height} {what}pixels, 0 = black, 255 = full brightness.\n"
            f"picture = np.array({array_text(values)}, dtype=np.uint8)  # {shape}\n"
        )
    if gray:
        # Read in colour and convert as the page does: IMREAD_GRAYSCALE rounds a little differently.
        read = "cv2.cvtColor(cv2.imread(PICTURE_FILE, cv2.IMREAD_COLOR), cv2.COLOR_BGR2GRAY)"
        fallback = _NOTES_GRAY
    else:
        read = "cv2.cvtColor(cv2.imread(PICTURE_FILE, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)"
        fallback = f"np.dstack([{_NOTES_GRAY}] * 3)"
    return (
        f"# The page's picture is {width} × {height} pixels, too many to write out here: save it as\n"
        f"# {PICTURE_FILE} next to this script. Without that file the notes' 6 × 6 example\n"
        "# (3 rows of 0 over 3 rows of 255) is used instead, so the script always runs.\n"
        f'PICTURE_FILE = "{PICTURE_FILE}"\n'
        "if os.path.exists(PICTURE_FILE):\n"
        f"    picture = {read}  # {shape}\n"
        "else:\n"
        f"    picture = {fallback}  # {shape}\n"
    )


def _header(title: str, lines: list[str]) -> str:
    """The script's docstring: what it reproduces and the settings, one per line."""
    settings = "\n".join(f"  {line}" for line in lines)
    return f'"""Convolution Explorer — {title}.\n\nThe settings on the page:\n{settings}\n"""\n\n'


def _imports(*, os_module: bool = False, cv2: bool = False, torch: bool = True, extra: str = "") -> str:
    """The import lines: the standard library first, then the packages."""
    standard = (["import os"] if os_module else []) + ([extra] if extra else [])
    packages = (["import cv2"] if cv2 else []) + ["import numpy as np"]
    if torch:
        packages += ["import torch", "import torch.nn.functional as F"]
    blocks = ["\n".join(standard)] if standard else []
    return "\n\n".join([*blocks, "\n".join(packages)]) + "\n\n"


# Shared code blocks ----------------------------------------------------------------------------

_CORRELATE = '''
def slide_kernel(image, kernel, pads, pad_mode, stride, dilation):
    """Pad, then at every stop multiply the window by the kernel and add (not flipped, as in CNNs)."""
    top, bottom, left, right = pads
    padded = np.pad(image.astype(np.float64), ((top, bottom), (left, right)), mode=NUMPY_PAD[pad_mode])
    kh, kw = kernel.shape
    span_h, span_w = dilation * (kh - 1) + 1, dilation * (kw - 1) + 1  # the spread-out kernel's size
    windows = np.lib.stride_tricks.sliding_window_view(padded, (span_h, span_w))  # (H', W', span_h, span_w)
    windows = windows[::stride, ::stride, ::dilation, ::dilation]  # every stride-th stop, every d-th tap
    return np.einsum("ijkl,kl->ij", windows, kernel)  # (H', W'): one multiply-and-add per stop


def slide_kernel_torch(image, kernel, pads, pad_mode, stride, dilation):
    """The same with PyTorch: F.pad fills the border, F.conv2d multiplies and adds."""
    top, bottom, left, right = pads
    x = torch.from_numpy(image.astype(np.float64))[None, None]  # (1, 1, H, W): batch and channel first
    x = F.pad(x, (left, right, top, bottom), mode=TORCH_PAD[pad_mode])
    weight = torch.from_numpy(np.asarray(kernel, dtype=np.float64))[None, None]  # (1, 1, kh, kw)
    return F.conv2d(x, weight, stride=stride, dilation=dilation)[0, 0].numpy()  # (H', W')
'''

_PAD_NAMES = (
    'NUMPY_PAD = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}\n'
    'TORCH_PAD = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate", "circular": "circular"}\n'
)

_TO_PIXELS = '''
def to_pixels(values, method):
    """Signed results → 0..255, as the page shows them."""
    if method == "minmax":  # the notes: the smallest value becomes 0, the largest 255
        low, high = values.min(), values.max()
        values = (values - low) * (255 / (high - low)) if high > low else values
    elif method == "abs":
        values = np.abs(values)
    elif method == "raw" and values.ndim == 3:  # keep the sign: -limit → 0, 0 → 128 (grey), +limit → 255
        limit = max(np.abs(values).max(), 1e-12)
        return np.clip(np.rint(values * (127.5 / limit) + 127.5), 0, 255).astype(np.uint8)
    elif method == "raw":  # keep the sign: purple below 0, white at 0, orange above (a simple PuOr map)
        limit = max(np.abs(values).max(), 1e-12)
        t = np.clip(values / limit, -1, 1)[..., None]  # (H, W, 1)
        white, purple, orange = np.array([255, 255, 255]), np.array([84, 39, 136]), np.array([179, 88, 6])
        return np.where(t < 0, white + (purple - white) * -t, white + (orange - white) * t).astype(np.uint8)
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)
'''


def _print_small(name: str) -> str:
    return (
        f"if max({name}.shape[:2]) <= 16:\n"
        f"    for row in {name}.reshape({name}.shape[0], -1):\n"
        '        print("  ", " ".join(f"{value:g}" for value in row))\n'
    )


# Pages ---------------------------------------------------------------------------------------


def convolution(
    pixels: np.ndarray,
    kernel: np.ndarray,
    *,
    pad_choice: str = "valid",
    amount: int = 0,
    pad_mode: str = "zeros",
    stride: int = 1,
    dilation: int = 1,
    show: str = "minmax",
    colour: str = "gray",
    edges: bool = False,
) -> str:
    """The "Edge detection and kernels" page: one kernel with its padding, stride and dilation.

    Parameters
    ----------
    pixels : (H, W, 3) uint8 ndarray
        The page's picture.
    kernel : (kh, kw) array_like
    pad_choice, amount : as in :func:`explorer.convolution.plan_padding`
    pad_mode : {'zeros', 'reflect', 'replicate', 'circular'}
    stride, dilation : int
    show : {'minmax', 'abs', 'clip', 'raw'}
        How the output becomes pixels.
    colour : {'gray', 'rgb'}
        Grayscale (the notes' way) or each colour channel on its own.
    edges : bool
        Also the vertical Sobel and the edge magnitude ``√(h² + v²)``.

    Returns
    -------
    str
        A script that computes ``output`` with NumPy and ``output_torch`` with PyTorch,
        checks they agree, prints the size formula, the raw min and max (and the rows of a
        small output), and saves ``output.png``; with ``edges`` also ``magnitude``.
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    pads = plan_padding(pad_choice, amount, kernel.shape, stride=stride, dilation=dilation).pads
    height, width = np.asarray(pixels).shape[:2]
    sizes = output_sizes((height, width), kernel.shape, pads, stride=stride, dilation=dilation)
    rgb = colour == "rgb" and not edges
    settings = [
        f"kernel {kernel.shape[0]} × {kernel.shape[1]}, padding {pad_choice!r} → {pads} (top, bottom, left, right)",
        f"padding mode {pad_mode!r}: {PAD_MODES[pad_mode]}",
        f"stride {stride}, dilation {dilation}, shown as {show!r}, "
        + ("each colour channel on its own" if rgb else "in grayscale"),
        *(f"output {side.name}: {side.formula}" for side in sizes),
    ]
    source = _header("edge detection and kernels", settings)
    source += _imports(os_module=_uses_file(pixels), cv2=True)
    source += picture_code(pixels, gray=not rgb) + "\n"
    source += (
        "# The kernel, row by row. Like CNN layers and cv2.filter2D it is not flipped (cross-correlation).\n"
        f"kernel = np.array({array_text(kernel)}, dtype=float)  # (kh, kw)\n"
        f"PADS = {pads}  # cells added on each side: top, bottom, left, right\n"
        f'PAD_MODE = "{pad_mode}"  # {PAD_MODES[pad_mode]}\n'
        f"STRIDE = {stride}  # pixels the kernel jumps each move\n"
        f"DILATION = {dilation}  # spacing between the kernel's weights (1 = side by side)\n"
        f'SHOW = "{show}"  # how signed results become pixels\n'
        + _PAD_NAMES
        + "\n"
        + _CORRELATE
        + "\n"
        + _TO_PIXELS
        + "\n\n"
    )
    settings_args = "PADS, PAD_MODE, STRIDE, DILATION"
    if rgb:
        source += (
            "# Each colour channel is filtered on its own, then the three results are put back together.\n"
            f"output = np.dstack([slide_kernel(picture[:, :, c], kernel, {settings_args}) for c in range(3)])\n"
            "output_torch = np.dstack(\n"
            f"    [slide_kernel_torch(picture[:, :, c], kernel, {settings_args}) for c in range(3)]\n"
            ")  # (H', W', 3)\n"
        )
    else:
        source += (
            f"output = slide_kernel(picture, kernel, {settings_args})  # (H', W')\n"
            f"output_torch = slide_kernel_torch(picture, kernel, {settings_args})\n"
        )
    source += (
        "\n# The output size: (n − k + 2·p) / s + 1, rounded down, where a dilated kernel covers d·(k − 1) + 1.\n"
        "kh, kw = kernel.shape\n"
        "for name, n, k, before, after, got in (\n"
        '    ("height", picture.shape[0], kh, PADS[0], PADS[1], output.shape[0]),\n'
        '    ("width", picture.shape[1], kw, PADS[2], PADS[3], output.shape[1]),\n'
        "):\n"
        "    span = DILATION * (k - 1) + 1\n"
        '    print(f"{name}: ({n} − {span} + {before} + {after}) / {STRIDE} + 1 = '
        '{(n - span + before + after) / STRIDE + 1:g} → {got}")\n'
        'print("smallest raw value:", f"{output.min():g}", " largest raw value:", f"{output.max():g}")\n'
        "scale = max(1.0, float(np.abs(output).max()))\n"
        'assert np.allclose(output, output_torch, atol=1e-6 * scale), "NumPy and PyTorch disagree"\n'
        'print("NumPy and PyTorch agree.")\n'
        + _print_small("output")
        + "if output.ndim == 2 and output.shape[0] <= 16:\n"
        '    print("first column, top to bottom:", ", ".join(f"{value:g}" for value in output[:, 0]))\n'
        "\nshown = to_pixels(output, SHOW)  # uint8, what the page shows\n"
        'cv2.imwrite("output.png", cv2.cvtColor(shown, cv2.COLOR_RGB2BGR) if shown.ndim == 3 else shown)\n'
        'print("saved output.png")\n'
    )
    if edges:
        source += (
            "\n# Edge magnitude: the horizontal and the vertical Sobel, then √(h² + v²) at every pixel.\n"
            "sobel_h = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]])\n"
            "sobel_v = sobel_h.T  # [[1, 0, -1], [2, 0, -2], [1, 0, -1]]\n"
            f"h = slide_kernel(picture, sobel_h, {settings_args})\n"
            f"v = slide_kernel(picture, sobel_v, {settings_args})\n"
            "magnitude = np.hypot(h, v)  # (H', W'), never negative\n"
            "row, col = np.unravel_index(np.argmax(magnitude), magnitude.shape)\n"
            'print(f"strongest edge at row {row}, column {col}: {magnitude[row, col]:g}")\n'
            'cv2.imwrite("edge-magnitude.png", to_pixels(magnitude, SHOW))\n'
        )
    return source


def pixels(
    pixels: np.ndarray, *, channel: str = "gray", window: tuple[int, int, int, int], flat_side: int = 6
) -> str:
    """The "Images are numbers" page: the grid of numbers in a window, and the flattened picture.

    Parameters
    ----------
    pixels : (H, W, 3) uint8 ndarray
    channel : {'gray', 'red', 'green', 'blue'}
    window : (top, left, height, width)
        The zoom window, already clamped to the picture.
    flat_side : int
        The picture is shrunk to at most this many pixels a side, then flattened.

    Returns
    -------
    str
        A script leaving ``window_values`` (the window's numbers), ``grid`` and ``vector``.
    """
    height, width = np.asarray(pixels).shape[:2]
    top, left, win_h, win_w = window
    pick = (
        "cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)  # 0.299 R + 0.587 G + 0.114 B"
        if channel == "gray"
        else f"picture[:, :, {['red', 'green', 'blue'].index(channel)}]  # the {channel} channel"
    )
    source = _header(
        "images are numbers",
        [
            f"picture {width} × {height} × 3 = {height * width * 3:,} numbers",
            f"numbers of {channel!r} in the window rows {top}–{top + win_h - 1}, columns {left}–{left + win_w - 1}",
            f"flatten after shrinking to at most {flat_side} pixels a side",
        ],
    )
    source += _imports(os_module=_uses_file(pixels), cv2=True, torch=False)
    source += picture_code(pixels, gray=False)
    source += (
        "\nheight, width = picture.shape[:2]\n"
        'print(f"{height} × {width} × 3 = {picture.size:,} numbers")\n\n'
        "# Zoom in: the numbers of one channel inside a window of the picture.\n"
        f"plane = {pick}\n"
        f"TOP, LEFT, SIZE_H, SIZE_W = {top}, {left}, {win_h}, {win_w}\n"
        "window_values = plane[TOP : TOP + SIZE_H, LEFT : LEFT + SIZE_W]  # (SIZE_H, SIZE_W)\n"
        "print(window_values)\n\n"
        "# Flatten: shrink (each new pixel is the average of the old ones it covers), go gray,\n"
        "# then lay the rows end to end.\n"
        f"FLAT_SIDE = {flat_side}\n"
        "gray = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)  # (H, W)\n"
        "if max(height, width) > FLAT_SIDE:\n"
        "    scale = FLAT_SIDE / max(height, width)\n"
        "    new_h, new_w = (max(1, min(FLAT_SIDE, int(np.floor(n * scale + 0.5)))) for n in (height, width))\n"
        "    grid = cv2.resize(gray, (new_w, new_h), interpolation=cv2.INTER_AREA)  # (h, w)\n"
        "else:\n"
        "    grid = gray.copy()\n"
        "vector = grid.reshape(-1)  # row 0, then row 1, ...: vector[r * w + c] == grid[r, c]\n"
        'print(f"{grid.shape[0]} × {grid.shape[1]} = {vector.size} numbers:", vector.tolist())\n'
        "row, col = grid.shape[0] // 2, grid.shape[1] // 2\n"
        'print(f"cell ({row}, {col}) is at position {row * grid.shape[1] + col}; the one above it at "\n'
        '      f"{(row - 1) * grid.shape[1] + col}: neighbours in the picture, far apart in the vector.")\n'
    )
    return source


def padding_stride(crop: np.ndarray, *, padding: int, pad_mode: str, kernel: int, stride: int) -> str:
    """The "Padding and strides" page: a padded square crop and where a k × k window lands.

    Parameters
    ----------
    crop : (n, n) uint8 ndarray
        The grayscale crop the page shows (at most 12 × 12, so its numbers are written in).
    padding, kernel, stride : int
    pad_mode : {'zeros', 'reflect', 'replicate', 'circular'}

    Returns
    -------
    str
        A script leaving ``padded`` (checked against ``F.pad``), ``positions`` (the top-left
        cell of every window, in the padded grid), ``output_size`` and ``visits`` (how many
        windows see each input pixel).
    """
    n = int(np.asarray(crop).shape[0])
    formula = size_formula(n, kernel, padding=padding, stride=stride)
    source = _header(
        "padding and strides",
        [
            f"input n = {n}, kernel k = {kernel}, padding p = {padding} ({pad_mode}: {PAD_MODES[pad_mode]}), "
            f"stride s = {stride}",
            f"output side: {formula}",
        ],
    )
    source += _imports()
    source += (
        f"# The {n} × {n} crop of the picture, in gray.\n"
        f"crop = np.array({array_text(crop)}, dtype=np.uint8)  # (n, n)\n"
        f"N, K, P, S = {n}, {kernel}, {padding}, {stride}  # input side, kernel side, padding, stride\n"
        f'PAD_MODE = "{pad_mode}"  # {PAD_MODES[pad_mode]}\n'
        + _PAD_NAMES
        + "\n# Pad: P new cells on every side, filled the way PAD_MODE says.\n"
        "padded = np.pad(crop, P, mode=NUMPY_PAD[PAD_MODE])  # (N + 2P, N + 2P)\n"
        "padded_torch = F.pad(torch.from_numpy(crop.astype(np.float32))[None, None], (P, P, P, P),\n"
        "                     mode=TORCH_PAD[PAD_MODE])[0, 0].numpy()\n"
        'assert np.array_equal(padded, padded_torch), "NumPy and PyTorch pad differently"\n'
        "print(padded)\n\n"
        "# The output size: (n − k + 2p) / s + 1, rounded down.\n"
        "output_size = (N - K + 2 * P) // S + 1\n"
        'print(f"({N} − {K} + 2·{P}) / {S} + 1 = {(N - K + 2 * P) / S + 1:g} → {output_size}")\n\n'
        "# Where the window lands: its top-left cell moves S cells at a time, rows and columns alike.\n"
        "starts = list(range(0, N + 2 * P - K + 1, S))\n"
        "positions = [(row, col) for row in starts for col in starts]\n"
        'print(f"{len(positions)} window positions (top-left cells in the padded grid):", positions)\n\n'
        "# How many windows see each pixel of the input: the border is seen less.\n"
        "visits = np.zeros((N + 2 * P, N + 2 * P), dtype=int)\n"
        "for row, col in positions:\n"
        "    visits[row : row + K, col : col + K] += 1\n"
        "visits = visits[P : P + N, P : P + N]  # (N, N): the original input only\n"
        "print(visits)\n"
    )
    return source


def pooling(
    pixels: np.ndarray, crop: np.ndarray, *, mode: str = "max", size: int = 2, stride: int = 2
) -> str:
    """The "Pooling" page: max, average or min pooling on a crop and on the whole picture.

    Parameters
    ----------
    pixels : (H, W, 3) uint8 ndarray
    crop : (n, n) uint8 ndarray
        The grayscale crop the page pools window by window (at most 12 × 12).
    mode : {'max', 'avg', 'min'}
    size, stride : int

    Returns
    -------
    str
        A script leaving ``pooled`` (the crop's, checked against ``F.max_pool2d`` /
        ``F.avg_pool2d``; min pooling is ``−maxpool(−x)``), ``pooled_picture`` (every
        channel of the picture) and ``channel_means`` (global average pooling).
    """
    n = int(np.asarray(crop).shape[0])
    source = _header(
        "pooling",
        [
            f"{mode} pooling, {size} × {size} window, stride {stride}, no padding",
            f"crop {n} × {n}: side {size_formula(n, size, stride=stride)}",
        ],
    )
    source += _imports(os_module=_uses_file(pixels), cv2=True)
    source += (
        f"# The {n} × {n} crop of the picture, in gray.\n"
        f"crop = np.array({array_text(crop)}, dtype=np.uint8)  # (n, n)\n"
        f'MODE = "{mode}"  # keep the largest (max), the average (avg) or the smallest (min)\n'
        f"SIZE, STRIDE = {size}, {stride}  # a SIZE × SIZE window with no weights, moving STRIDE cells\n\n"
        'KEEP = {"max": np.max, "avg": np.mean, "min": np.min}\n\n\n'
        "def pool(image):\n"
        '    """Keep one number from every window; (H, W[, C]) → (H\', W\'[, C]), channels pooled on their own."""\n'
        "    windows = np.lib.stride_tricks.sliding_window_view(image.astype(np.float64), (SIZE, SIZE), axis=(0, 1))\n"
        "    windows = windows[::STRIDE, ::STRIDE]  # (H', W'[, C], SIZE, SIZE)\n"
        "    return KEEP[MODE](windows, axis=(-2, -1))\n\n\n"
        "pooled = pool(crop)\n"
        "x = torch.from_numpy(crop.astype(np.float64))[None, None]  # (1, 1, n, n)\n"
        'if MODE == "max":\n'
        "    pooled_torch = F.max_pool2d(x, SIZE, STRIDE)\n"
        'elif MODE == "avg":\n'
        "    pooled_torch = F.avg_pool2d(x, SIZE, STRIDE)\n"
        "else:  # PyTorch has no min pooling: the smallest is minus the largest of the negatives\n"
        "    pooled_torch = -F.max_pool2d(-x, SIZE, STRIDE)\n"
        'assert np.allclose(pooled, pooled_torch[0, 0].numpy()), "NumPy and PyTorch disagree"\n'
        'print(f"{crop.shape[0]} × {crop.shape[1]} → {pooled.shape[0]} × {pooled.shape[1]}:")\n'
        "print(pooled)\n\n"
    )
    source += picture_code(pixels, gray=False)
    source += (
        "pooled_picture = np.clip(np.rint(pool(picture)), 0, 255).astype(np.uint8)  # (H', W', 3)\n"
        'print(f"the picture: {picture.shape[1]} × {picture.shape[0]} → '
        '{pooled_picture.shape[1]} × {pooled_picture.shape[0]}")\n'
        'cv2.imwrite("pooled.png", cv2.cvtColor(pooled_picture, cv2.COLOR_RGB2BGR))\n\n'
        "# Global average pooling: a window as big as the picture keeps one number per channel.\n"
        "channel_means = picture.reshape(-1, 3).mean(axis=0)  # (3,)\n"
        'print("red, green, blue averages:", [round(float(value), 1) for value in channel_means])\n'
    )
    return source


def _colour_kernel_lines(name: str, kernel: np.ndarray) -> str:
    """A (kh, kw, 3) kernel written as its three slices (red, green, blue), stacked last."""
    slices = "".join(
        f"    # {colour}\n    np.array({array_text(kernel[:, :, c], 4)}, dtype=float),\n"
        for c, colour in enumerate(("red", "green", "blue"))
    )
    return f"{name} = np.stack([\n{slices}], axis=2)  # (kh, kw, 3)\n"


def rgb(
    pixels: np.ndarray,
    kernel: np.ndarray,
    *,
    bias: float = 0.0,
    first_count: int = 4,
    second_count: int = 3,
    kernel_size: int = 3,
    stack_side: int = 128,
) -> str:
    """The "Convolution of colour images" page: a 3-slice kernel, then two layers of kernels.

    Parameters
    ----------
    pixels : (H, W, 3) uint8 ndarray
    kernel : (kh, kw, 3) array_like
        One slice per colour channel.
    bias : float
    first_count, second_count, kernel_size : int
        Kernels in layer 1 and 2 and their side (``explorer.layers.two_layers``).
    stack_side : int
        The layers work on a copy shrunk to at most this many pixels a side.

    Returns
    -------
    str
        A script leaving ``output`` (one map) checked against ``F.conv2d``, and
        ``first_maps`` and ``second_maps`` (the two layers, channels last).
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    presets = list(COLOUR_KERNELS.values())[:first_count] if kernel_size == 3 else []
    source = _header(
        "convolution of colour images",
        [
            f"one {kernel.shape[0]} × {kernel.shape[1]} × 3 kernel and a bias of {number_text(bias)}",
            f"two layers of {kernel_size} × {kernel_size} kernels: {first_count} then {second_count}, "
            f"on a copy at most {stack_side} pixels a side",
        ],
    )
    source += _imports(os_module=_uses_file(pixels), cv2=True)
    source += picture_code(pixels, gray=False) + "\n"
    source += _colour_kernel_lines("kernel", kernel)
    source += (
        f"BIAS = {number_text(bias)}  # one number, added once to every output value\n\n"
        "# Each slice slides over its own channel; the three maps are added, then the bias.\n"
        "kh, kw = kernel.shape[:2]\n"
        "windows = np.lib.stride_tricks.sliding_window_view(picture.astype(np.float64), (kh, kw), axis=(0, 1))\n"
        "# windows: (H', W', 3, kh, kw), one window per channel; kernel: (kh, kw, 3)\n"
        "per_channel = np.einsum(\"ijckl,klc->ijc\", windows, kernel)  # (H', W', 3): one map per channel\n"
        "output = per_channel.sum(axis=2) + BIAS  # (H', W'): one map for the whole kernel\n\n"
        "# PyTorch: channels first, and the kernel as (out_channels, in_channels, kh, kw).\n"
        "x = torch.from_numpy(picture.astype(np.float64)).permute(2, 0, 1)[None]  # (1, 3, H, W)\n"
        "weight = torch.from_numpy(kernel).permute(2, 0, 1)[None]  # (1, 3, kh, kw)\n"
        "output_torch = F.conv2d(x, weight, torch.tensor([float(BIAS)], dtype=torch.float64))[0, 0].numpy()\n"
        'assert np.allclose(output, output_torch), "NumPy and PyTorch disagree"\n'
        'print(f"{picture.shape[0]} × {picture.shape[1]} × 3 ∗ {kh} × {kw} × 3 → '
        '{output.shape[0]} × {output.shape[1]}; NumPy and PyTorch agree.")\n'
        + _print_small("output")
        + "\n# Several kernels, two layers. Layer 1's maps are stacked as channels, so each layer-2\n"
        "# kernel needs one slice per layer-1 map.\n"
        f"STACK_SIDE = {stack_side}  # the page works on a copy at most this big, to stay quick\n"
        "height, width = picture.shape[:2]\n"
        "small = picture\n"
        "if max(height, width) > STACK_SIDE:\n"
        "    scale = STACK_SIDE / max(height, width)\n"
        "    new_h, new_w = (max(1, min(STACK_SIDE, int(np.floor(n * scale + 0.5)))) for n in (height, width))\n"
        "    small = cv2.resize(picture, (new_w, new_h), interpolation=cv2.INTER_AREA)\n"
        f"K, FIRST, SECOND = {kernel_size}, {first_count}, {second_count}\n\n\n"
        "def layer_kernels(channels, count, seed):\n"
        '    """Random kernels (K, K, channels, count), as an untrained network starts."""\n'
        "    weights = np.random.default_rng(seed).standard_normal((K, K, channels, count))\n"
        "    return weights / np.sqrt(K * K * channels)  # keeps outputs near the input's scale\n\n\n"
        "def conv_layer(image, weights):\n"
        '    """(H, W, C) ∗ (K, K, C, count) → (H − K + 1, W − K + 1, count), no padding, biases 0."""\n'
        "    windows = np.lib.stride_tricks.sliding_window_view(image, (K, K), axis=(0, 1))  # (H', W', C, K, K)\n"
        '    return np.einsum("ijckl,klcn->ijn", windows, weights)\n\n\n'
        "weights1 = layer_kernels(3, FIRST, seed=0)  # (K, K, 3, FIRST)\n"
    )
    if presets:
        source += "# With 3 × 3 kernels the page's presets come first; the rest stay random.\n"
        for index, preset in enumerate(presets):
            source += f"# {preset.name}\n"
            source += _colour_kernel_lines(f"weights1[:, :, :, {index}]", preset.weights)
    source += (
        "weights2 = layer_kernels(FIRST, SECOND, seed=1)  # (K, K, FIRST, SECOND)\n"
        "first_maps = conv_layer(small.astype(np.float64), weights1)  # (H1, W1, FIRST)\n"
        "second_maps = conv_layer(first_maps, weights2)  # (H2, W2, SECOND)\n"
        "x = torch.from_numpy(small.astype(np.float64)).permute(2, 0, 1)[None]  # (1, 3, H, W)\n"
        "for maps, weights in ((first_maps, weights1), (second_maps, weights2)):\n"
        "    x = F.conv2d(x, torch.from_numpy(weights).permute(3, 2, 0, 1))  # (1, count, H', W')\n"
        '    assert np.allclose(maps, x[0].permute(1, 2, 0).numpy()), "NumPy and PyTorch disagree"\n'
        'print(" → ".join(" × ".join(map(str, shape)) for shape in (small.shape, first_maps.shape, second_maps.shape)))\n'
    )
    return source


_ACTIVATION_CODE = {
    "relu": ("np.maximum(values, 0)", "F.relu(t)"),
    "leaky-relu": ("np.where(values > 0, values, ALPHA * values)", "F.leaky_relu(t, ALPHA)"),
    "sigmoid": ("1 / (1 + np.exp(-values))", "torch.sigmoid(t)"),
    "tanh": ("np.tanh(values)", "torch.tanh(t)"),
}
_HIDDEN_CODE = {
    "relu": "torch.relu(z)",
    "leaky-relu": "F.leaky_relu(z, ALPHA)",
    "sigmoid": "torch.sigmoid(z)",
    "tanh": "torch.tanh(z)",
    "none": "z  # no activation: the hidden layer stays a straight-line map",
}
_DATASET_CODE = {
    "moons": (
        "    angles = rng.uniform(0, np.pi, (2, half))  # (2, half)\n"
        "    upper = np.stack([np.cos(angles[0]), np.sin(angles[0])], axis=1)  # (half, 2)\n"
        "    lower = np.stack([1 - np.cos(angles[1]), 0.5 - np.sin(angles[1])], axis=1)  # (half, 2)\n"
        "    points = (np.concatenate([upper, lower]) - [0.5, 0.25]) * 1.3 + rng.normal(0, 0.12, (n, 2))\n"
    ),
    "circles": (
        "    radius = np.concatenate([rng.uniform(0, 0.7, half), rng.uniform(1.2, 1.7, half)])  # (n,)\n"
        "    angle = rng.uniform(0, 2 * np.pi, n)  # (n,)\n"
        "    points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)\n"
    ),
    "xor": (
        "    signs = rng.choice([-1.0, 1.0], (2, half))  # (2, half)\n"
        "    corners0 = np.stack([signs[0], signs[0]], axis=1)  # bottom-left and top-right\n"
        "    corners1 = np.stack([signs[1], -signs[1]], axis=1)  # top-left and bottom-right\n"
        "    points = np.concatenate([corners0, corners1]) * rng.uniform(0.25, 1.6, (n, 2))\n"
    ),
}


def activations(
    pixels: np.ndarray,
    *,
    focus: str = "relu",
    alpha: float = 0.01,
    upside_down: bool = False,
    dataset: str = "moons",
    hidden: str = "relu",
    units: int = 16,
    steps: int = 300,
) -> str:
    """The "Activation functions" page: an activation on a Sobel feature map, then linear vs hidden layer.

    Parameters
    ----------
    pixels : (H, W, 3) uint8 ndarray
    focus : {'relu', 'leaky-relu', 'sigmoid', 'tanh'}
        The activation applied to the feature map.
    alpha : float
        Leaky ReLU's slope for negatives.
    upside_down : bool
        The Sobel kernel flipped top to bottom.
    dataset : {'moons', 'circles', 'xor'}
    hidden : {'relu', 'tanh', 'sigmoid', 'leaky-relu', 'none'}
    units, steps : int
        Hidden units and full-batch Adam steps (as ``explorer.nonlinearity.compare_models``).

    Returns
    -------
    str
        A script leaving ``feature_map``, ``activated``, ``negatives`` and
        ``linear_accuracy`` / ``hidden_accuracy``.
    """
    numpy_code, torch_code = _ACTIVATION_CODE[focus]
    source = _header(
        "activation functions",
        [
            f"{focus} on the horizontal Sobel feature map"
            + (" (kernel upside down)" if upside_down else "")
            + (f", slope for negatives {number_text(alpha)}" if "leaky-relu" in (focus, hidden) else ""),
            f"data set {dataset!r}: a linear model against one hidden layer of {units} {hidden} units",
        ],
    )
    source += _imports(os_module=_uses_file(pixels), cv2=True)
    source += picture_code(pixels, gray=True)
    flip = "[::-1]  # upside down: dark-above-bright edges come out positive" if upside_down else ""
    source += (
        f"ALPHA = {number_text(alpha)}  # leaky ReLU's slope for negative inputs\n\n"
        "# A feature map with both signs: the horizontal Sobel kernel over the picture (no padding).\n"
        f"sobel = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]]){flip}\n"
        "windows = np.lib.stride_tricks.sliding_window_view(picture.astype(np.float64), (3, 3))  # (H-2, W-2, 3, 3)\n"
        'feature_map = np.einsum("ijkl,kl->ij", windows, sobel)  # (H - 2, W - 2)\n\n'
        f"values = feature_map\n"
        f"activated = {numpy_code}  # {focus}\n"
        "t = torch.from_numpy(feature_map)\n"
        f'assert np.allclose(activated, ({torch_code}).numpy()), "NumPy and PyTorch disagree"\n'
        "negatives = int((feature_map < 0).sum())\n"
        f'print(f"{{negatives}} of {{feature_map.size}} values were negative; after {focus}: "\n'
        '      f"min {activated.min():g}, max {activated.max():g}")\n'
        + _print_small("activated")
        + "\n# Why non-linearity matters: two classes no straight line can separate.\n"
        f'DATASET, UNITS, STEPS = "{dataset}", {units}, {steps}\n'
        "rng = np.random.default_rng(0)\n"
        "n, half = 200, 100\n"
        f"if True:  # {dataset}\n"
        + _DATASET_CODE[dataset]
        + "x = torch.from_numpy(points.astype(np.float32))  # (200, 2)\n"
        "y = torch.from_numpy(np.repeat([0.0, 1.0], half).astype(np.float32))  # (200,)\n\n"
        "generator = torch.Generator().manual_seed(0)\n"
        "# Starting weights: random, scaled by √(2 / inputs) (He scaling; √(2 / 2) = 1 for the 2 inputs).\n"
        "linear = [torch.randn((2, 1), generator=generator), torch.zeros(1)]  # w·x + b: a straight line\n"
        "hidden = [\n"
        "    torch.randn((2, UNITS), generator=generator),\n"
        "    torch.empty(UNITS).uniform_(-1, 1, generator=generator),\n"
        "    torch.randn((UNITS, 1), generator=generator) * (2.0 / UNITS) ** 0.5,  # He scaling\n"
        "    torch.zeros(1),\n"
        "]\n\n\n"
        "def linear_logits(inputs):\n"
        "    return (inputs @ linear[0] + linear[1])[:, 0]  # (n,)\n\n\n"
        "def hidden_logits(inputs):\n"
        "    z = inputs @ hidden[0] + hidden[1]  # (n, UNITS)\n"
        f"    features = {_HIDDEN_CODE[hidden]}\n"
        "    return (features @ hidden[2] + hidden[3])[:, 0]  # (n,)\n\n\n"
        "accuracies = {}\n"
        'for name, parameters, logits in (("linear", linear, linear_logits), ("hidden", hidden, hidden_logits)):\n'
        "    for parameter in parameters:\n"
        "        parameter.requires_grad_(True)\n"
        "    optimizer = torch.optim.Adam(parameters, lr=0.05)  # full batch: every point, every step\n"
        "    for _ in range(STEPS):\n"
        "        optimizer.zero_grad()\n"
        "        F.binary_cross_entropy_with_logits(logits(x), y).backward()\n"
        "        optimizer.step()\n"
        "    with torch.no_grad():\n"
        "        accuracies[name] = float(((logits(x) > 0).float() == y).float().mean())\n"
        'linear_accuracy, hidden_accuracy = accuracies["linear"], accuracies["hidden"]\n'
        'print(f"linear model: {linear_accuracy:.0%} right; hidden layer: {hidden_accuracy:.0%} right")\n'
    )
    return source


def learn_kernel(
    pixels: np.ndarray,
    target: np.ndarray,
    *,
    learning_rate_scale: float = 1.0,
    seed: int = 0,
    steps: int = 300,
    max_side: int = 64,
    highpass_sigma: float = 2.0,
) -> str:
    """The "Learn a kernel" page: gradient descent finds a hidden kernel from a picture and its output.

    Parameters
    ----------
    pixels : (H, W, 3) uint8 ndarray
    target : (kh, kw) array_like
        The hidden kernel.
    learning_rate_scale : float
        The step is this divided by the loss's largest curvature λ_max.
    seed : int
        The random start.
    steps : int
        Gradient steps the script takes (one argument on the command line overrides it).
    max_side, highpass_sigma : as in ``explorer.kernel_fit.KernelFitConfig``

    Returns
    -------
    str
        A script leaving ``kernel`` (learned), ``losses`` and ``learning_rate``.
    """
    target = np.asarray(target, dtype=np.float64)
    source = _header(
        "learn a kernel",
        [
            f"hidden {target.shape[0]} × {target.shape[1]} kernel, learning rate {number_text(learning_rate_scale)}"
            f" × the safe step 1/λ_max, seed {seed}",
            f"picture in gray, shrunk to at most {max_side} pixels a side, shading removed "
            f"(minus a Gaussian blur of σ = {number_text(highpass_sigma)})",
        ],
    )
    source += _imports(os_module=_uses_file(pixels), cv2=True, torch=False, extra="import sys")
    source += picture_code(pixels, gray=True)
    source += (
        f"hidden_kernel = np.array({array_text(target)}, dtype=float)  # (kh, kw): what gradient descent must find\n"
        f"RATE_SCALE, SEED, MAX_SIDE, SIGMA = {number_text(learning_rate_scale)}, {seed}, {max_side}, "
        f"{number_text(highpass_sigma)}\n"
        f"STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else {steps}  # python learn_kernel.py 50\n\n"
        "# Shrink, then remove the slow shading so the edges stand out: that makes learning fast.\n"
        "image = picture.astype(np.float64) / 255  # (H, W), 0..1\n"
        "if max(image.shape) > MAX_SIDE:\n"
        "    scale = MAX_SIDE / max(image.shape)\n"
        "    new_h, new_w = (max(1, min(MAX_SIDE, int(np.floor(n * scale + 0.5)))) for n in image.shape)\n"
        "    image = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA)\n"
        "image = image - cv2.GaussianBlur(image, (0, 0), SIGMA) if np.ptp(image) > 0 else np.zeros_like(image)\n\n"
        "# Every window the kernel visits, one row each: the output is patches @ kernel.\n"
        "kh, kw = hidden_kernel.shape\n"
        "patches = np.lib.stride_tricks.sliding_window_view(image, (kh, kw)).reshape(-1, kh * kw)  # (N, kh·kw)\n"
        "target = patches @ hidden_kernel.ravel()  # (N,): the picture filtered by the hidden kernel\n\n"
        "# The loss mean((patches @ k − target)²) curves by (2/N)·patchesᵀ·patches; a step of\n"
        "# RATE_SCALE / λ_max (its largest eigenvalue) never overshoots for RATE_SCALE ≤ 1, diverges above 2.\n"
        "curvature = (2 / len(patches)) * patches.T @ patches  # (kh·kw, kh·kw)\n"
        "lambda_max = max(np.linalg.eigvalsh(curvature)[-1], 0.0)\n"
        "learning_rate = RATE_SCALE / lambda_max if lambda_max > 0 else 0.0\n\n"
        "kernel = np.random.default_rng(SEED).uniform(-1, 1, kh * kw)  # a random start\n"
        "losses = []\n"
        "for step in range(STEPS):\n"
        "    error = patches @ kernel - target  # (N,)\n"
        "    gradient = (2 / len(error)) * patches.T @ error  # (kh·kw,)\n"
        "    kernel = kernel - learning_rate * gradient  # one step downhill\n"
        "    losses.append(float(np.mean((patches @ kernel - target) ** 2)))\n"
        "kernel = kernel.reshape(kh, kw)\n"
        "print(f\"step size {learning_rate:.3g}; loss after {STEPS} steps: {losses[-1] if losses else float('nan'):.3g}\")\n"
        'print("learned kernel:")\n'
        "print(kernel.round(2) + 0.0)\n"
        'print("hidden kernel:")\n'
        "print(hidden_kernel)\n"
    )
    return source


# Training pages --------------------------------------------------------------------------------

_MODEL_CLASS = '''

class SmallCNN(nn.Module):
    """Blocks of convolution → (batch norm) → activation → (2 × 2 pooling), then the dense head."""

    def __init__(self, batch_norm=BATCH_NORM):
        super().__init__()
        blocks, channels = [], [IN_CHANNELS, *FILTERS]
        side_h, side_w = INPUT_SIZE
        for c_in, c_out in zip(channels[:-1], channels[1:]):
            parts = OrderedDict(convolution=nn.Conv2d(c_in, c_out, KERNEL, stride=STRIDE, padding=PADDING))
            if batch_norm:
                parts["batch_norm"] = nn.BatchNorm2d(c_out)
            parts["activation"] = ACTIVATION()
            if POOLING != "none":
                parts["pooling"] = (nn.MaxPool2d if POOLING == "max" else nn.AvgPool2d)(2, stride=2)
            blocks.append(nn.Sequential(parts))
        self.blocks = nn.ModuleList(blocks)
        with torch.no_grad():  # the flattened size: run one blank picture through the blocks
            features = self.features(torch.zeros(1, IN_CHANNELS, side_h, side_w)).shape[1]
        head = [nn.Flatten()] + ([nn.Dropout(DROPOUT)] if DROPOUT > 0 else [])
        if DENSE > 0:
            head += [nn.Linear(features, DENSE), ACTIVATION()]
            features = DENSE
        self.head = nn.Sequential(*head, nn.Linear(features, CLASSES))

    def features(self, x):
        for block in self.blocks:
            x = block(x)  # (N, filters, H_i, W_i)
        return x.flatten(1)  # (N, features): the image embedding

    def forward(self, x):  # x: (N, C, H, W)
        for block in self.blocks:
            x = block(x)
        return self.head(x)  # (N, CLASSES): class scores
'''

_DIGITS = '''

def load_digits_as(size):
    """scikit-learn's 1,797 handwritten 8 × 8 digits (0..16), as 0..1 pictures enlarged to size × size."""
    bunch = load_digits()
    images = np.stack([cv2.resize((image / 16).astype(np.float32), (size[1], size[0])) for image in bunch.images])
    images = np.clip(images, 0, 1)[:, None].repeat(IN_CHANNELS, axis=1)  # gray copied to each channel
    return images, bunch.target  # (1797, C, H, W), (1797,)


def split(labels, share, shuffle, seed=0):
    """The same share of every digit goes to validation."""
    rng = np.random.default_rng(seed)
    train, validation = [], []
    for label in range(10):
        members = np.flatnonzero(labels == label)
        members = rng.permutation(members) if shuffle else members
        n_validation = int(np.floor(len(members) * share + 0.5))
        train.append(members[: len(members) - n_validation])
        validation.append(members[len(members) - n_validation :])
    return np.concatenate(train), np.concatenate(validation)
'''

_TRAIN_LOOP = '''

def accuracy_of(model, images, labels):
    model.eval()
    with torch.no_grad():
        return float((model(images).argmax(1) == labels).float().mean())


def train(model, images, labels, val_images, val_labels, *, epochs=EPOCHS, seed=SEED, groups=None):
    """Mini-batch training; returns the final validation accuracy."""
    parameters = groups if groups is not None else [p for p in model.parameters() if p.requires_grad]
    if OPTIMIZER == "adam":
        optimizer = torch.optim.Adam(parameters, lr=LEARNING_RATE)
    else:
        optimizer = torch.optim.SGD(parameters, lr=LEARNING_RATE, momentum=0.9)
    shuffler = torch.Generator().manual_seed(seed)
    best_loss, best_state, waited = float("inf"), None, 0
    for epoch in range(1, epochs + 1):
        model.train()
        for batch in torch.randperm(len(images), generator=shuffler).split(BATCH_SIZE):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images[batch]), labels[batch])
            loss.backward()  # the gradient of the loss for every weight
            optimizer.step()  # every weight takes a small step downhill
        model.eval()
        with torch.no_grad():
            val_loss = float(F.cross_entropy(model(val_images), val_labels))
        print(f"epoch {epoch}: loss {loss.item():.3f}, val_loss {val_loss:.3f}, "
              f"val accuracy {accuracy_of(model, val_images, val_labels):.1%}")
        if val_loss < best_loss - MIN_DELTA:  # a checkpoint of the best weights so far
            best_loss, best_state, waited = val_loss, copy.deepcopy(model.state_dict()), 0
        else:
            waited += 1
            if EARLY_STOPPING and waited >= PATIENCE:
                print(f"early stopping: val_loss has not improved for {waited} epochs")
                break
    if RESTORE_BEST and best_state is not None:
        model.load_state_dict(best_state)
    return accuracy_of(model, val_images, val_labels)
'''


def _model_settings(config: CNNConfig) -> str:
    padding = f'"{config.padding}"' if isinstance(config.padding, str) else str(config.padding)
    activation = {"relu": "nn.ReLU", "leaky_relu": "nn.LeakyReLU", "tanh": "nn.Tanh", "sigmoid": "nn.Sigmoid"}
    return (
        "# The network (the page's model settings).\n"
        f"INPUT_SIZE, IN_CHANNELS, CLASSES = {tuple(config.input_size)}, {config.in_channels}, {config.num_classes}\n"
        f"FILTERS = {tuple(config.filters)}  # output channels of each convolution block\n"
        f"KERNEL, STRIDE, PADDING = {config.kernel_size}, {config.stride}, {padding}\n"
        f'POOLING = "{config.pooling}"  # 2 × 2 window, stride 2, after each block\n'
        f"ACTIVATION = {activation[config.activation]}\n"
        f"BATCH_NORM = {config.batch_norm}  # BatchNorm2d after each convolution\n"
        f"DROPOUT = {number_text(config.dropout)}  # chance of zeroing each flattened feature while training\n"
        f"DENSE = {config.dense_width}  # hidden dense units before the classes (0 = none)\n"
    )


def _train_settings(settings: TrainConfig) -> str:
    return (
        "\n# How it trains (the page's training settings).\n"
        f"BATCH_SIZE, LEARNING_RATE, SEED = {settings.batch_size}, {settings.learning_rate!r}, {settings.seed}\n"
        f'OPTIMIZER = "{settings.optimizer}"  # adam, or sgd with momentum 0.9\n'
        f"EPOCHS = int(sys.argv[1]) if len(sys.argv) > 1 else {settings.epochs}  # `python script.py 2`: 2 epochs\n"
        f"EARLY_STOPPING, PATIENCE, MIN_DELTA = {settings.early_stopping}, {settings.patience}, "
        f"{settings.min_delta!r}\n"
        f"RESTORE_BEST = {settings.restore_best_weights and settings.checkpoint_best}  "
        "# go back to the epoch with the lowest val_loss at the end\n"
    )


def _training_imports() -> str:
    return (
        "import copy\nimport sys\nfrom collections import OrderedDict\n\n"
        "import cv2\nimport numpy as np\nimport torch\nimport torch.nn.functional as F\n"
        "from sklearn.datasets import load_digits\nfrom torch import nn\n\n"
    )


def train(
    config: CNNConfig,
    settings: TrainConfig,
    *,
    validation: float = 0.2,
    shuffle: bool = True,
    dataset: str = "digits",
) -> str:
    """The "Training lab" page: the CNN its settings describe, trained on the digits.

    Parameters
    ----------
    config : CNNConfig
    settings : TrainConfig
    validation : float
        Share of each digit kept for validation.
    shuffle : bool
        Shuffle before splitting.
    dataset : str
        The page's data set; the script always uses scikit-learn's digits (others are
        generated by the app or uploaded) and says so.

    Returns
    -------
    str
        A script (``python train.py [epochs]``) leaving ``model`` and ``accuracy``.
    """
    note = (
        ""
        if dataset == "digits"
        else f"# The page trains on {dataset!r}; this script uses scikit-learn's digits, which need no file.\n"
    )
    if settings.augment != type(settings.augment)():
        note += "# The page also augments the training pictures on the fly; this script leaves that out.\n"
    size = tuple(config.input_size)
    source = _header(
        "training lab",
        [
            f"CNN: {config.conv_blocks} blocks of {config.kernel_size} × {config.kernel_size} convolutions "
            f"{tuple(config.filters)}, {config.pooling} pooling, {config.activation}, "
            f"batch norm {'on' if config.batch_norm else 'off'}, dense {config.dense_width}",
            f"{settings.optimizer}, learning rate {settings.learning_rate:g}, batch size {settings.batch_size}, "
            f"{settings.epochs} epochs, seed {settings.seed}",
            f"scikit-learn's digits enlarged to {size[0]} × {size[1]}, {validation:.0%} kept for validation",
        ],
    )
    digits_classes = "" if dataset == "digits" else "CLASSES = 10  # the digits' ten classes\n"
    source += (
        _training_imports() + note + _model_settings(config) + digits_classes + _train_settings(settings)
    )
    source += (
        f"VALIDATION_SHARE, SHUFFLE = {validation!r}, {shuffle}\n"
        + _DIGITS
        + _MODEL_CLASS
        + _TRAIN_LOOP
        + "\n\nimages, labels = load_digits_as(INPUT_SIZE)\n"
        "train_rows, val_rows = split(labels, VALIDATION_SHARE, SHUFFLE)\n"
        "images, labels = torch.from_numpy(images), torch.from_numpy(labels)\n"
        "torch.manual_seed(SEED)  # the same seed, the same starting weights\n"
        "model = SmallCNN()\n"
        'print(f"{sum(p.numel() for p in model.parameters()):,} trainable parameters")\n'
        "accuracy = train(model, images[train_rows], labels[train_rows], images[val_rows], labels[val_rows])\n"
        'print(f"validation accuracy: {accuracy:.1%} (chance: 10%)")\n'
    )
    return source


def batch_norm(config: CNNConfig, settings: TrainConfig, *, dataset: str = "digits") -> str:
    """The "Batch normalisation" page: the same CNN with and without BatchNorm2d, same start, same batches.

    Returns
    -------
    str
        A script (``python batch_norm.py [epochs]``) leaving ``accuracies`` (``"with"`` and
        ``"without"`` batch norm).
    """
    note = (
        ""
        if dataset == "digits"
        else f"# The page trains on {dataset!r}; this script uses scikit-learn's digits, which need no file.\n"
    )
    source = _header(
        "batch normalisation",
        [
            f"the training lab's small CNN {tuple(config.filters)}, trained twice: with and without BatchNorm2d",
            f"{settings.optimizer}, learning rate {settings.learning_rate:g}, batch size {settings.batch_size}, "
            f"{settings.epochs} epochs, seed {settings.seed}",
        ],
    )
    source += _training_imports() + note + _model_settings(config) + _train_settings(settings)
    source += (
        "VALIDATION_SHARE, SHUFFLE = 0.2, True\n"
        + _DIGITS
        + _MODEL_CLASS
        + _TRAIN_LOOP
        + "\n\nimages, labels = load_digits_as(INPUT_SIZE)\n"
        "train_rows, val_rows = split(labels, VALIDATION_SHARE, SHUFFLE)\n"
        "images, labels = torch.from_numpy(images), torch.from_numpy(labels)\n"
        "accuracies = {}\n"
        'for name, with_bn in (("with", True), ("without", False)):\n'
        "    torch.manual_seed(SEED)  # both start from the same convolution and dense weights\n"
        "    model = SmallCNN(batch_norm=with_bn)\n"
        '    print(f"--- {name} batch norm ---")\n'
        "    accuracies[name] = train(model, images[train_rows], labels[train_rows], images[val_rows], labels[val_rows])\n"
        "print(f\"validation accuracy with batch norm {accuracies['with']:.1%}, "
        "without {accuracies['without']:.1%}\")\n"
    )
    return source


def transfer(source_config: CNNConfig, settings: TransferSettings) -> str:
    """The "Transfer learning" page: from scratch, frozen base and fine-tuned, on a few real digits.

    Parameters
    ----------
    source_config : CNNConfig
        The pretrained source model's settings.
    settings : TransferSettings

    Returns
    -------
    str
        A script (``python transfer.py [epochs]``) leaving ``accuracies`` for ``"scratch"``,
        ``"frozen"`` and ``"finetune"``. It loads the pretrained weights from
        ``source_digits.safetensors`` when that file (and the safetensors package) is there;
        otherwise it trains a quick stand-in source and says so.
    """
    train_settings = settings.train_config()
    source = _header(
        "transfer learning",
        [
            f"{settings.per_class} training pictures per digit, picked with seed {settings.seed}",
            f"{settings.optimizer}, learning rate {settings.learning_rate:g}, batch size {settings.batch_size}, "
            f"{settings.epochs} epochs; the fine-tuned base learns at {settings.base_rate_factor:g} × that",
        ],
    )
    source += _training_imports()
    source += _model_settings(source_config) + _train_settings(train_settings)
    source += (
        f"PER_CLASS, POOL_PER_CLASS, SPLIT_SEED = {settings.per_class}, {POOL_PER_CLASS}, {SPLIT_SEED}\n"
        f"BASE_RATE_FACTOR = {settings.base_rate_factor!r}  # fine-tuning: the pretrained base learns slower\n"
        "# The page's pretrained source is a CNN trained on generated digits. Save it with the page's\n"
        '# "Download the weights (.safetensors)" button, next to this script, to use it here.\n'
        'SOURCE_WEIGHTS = "source_digits.safetensors"\n'
        + _DIGITS
        + _MODEL_CLASS
        + _TRAIN_LOOP
        + '''

def target_split(labels, per_class, seed):
    """Each digit shuffled once (fixed): its first POOL_PER_CLASS are the pool, the rest validation."""
    fixed, picker = np.random.default_rng(SPLIT_SEED), np.random.default_rng(seed)
    train, validation, unused = [], [], []
    for label in range(10):
        members = fixed.permutation(np.flatnonzero(labels == label))
        order = picker.permutation(POOL_PER_CLASS)
        train.append(members[:POOL_PER_CLASS][order[:per_class]])  # PER_CLASS pictures from the pool
        unused.append(members[:POOL_PER_CLASS][order[per_class:]])  # the rest of the pool
        validation.append(members[POOL_PER_CLASS:])
    return np.concatenate(train), np.sort(np.concatenate(validation)), np.concatenate(unused)


images, labels = load_digits_as(INPUT_SIZE)
train_rows, val_rows, unused_rows = target_split(labels, PER_CLASS, SEED)
images, labels = torch.from_numpy(images), torch.from_numpy(labels)
print(f"{len(train_rows)} training pictures, {len(val_rows)} for validation")

# The pretrained source: its convolution blocks are what transfer learning reuses.
source = SmallCNN()
if os.path.exists(SOURCE_WEIGHTS):
    from safetensors.torch import load_file  # pip install safetensors

    source.load_state_dict(load_file(SOURCE_WEIGHTS))
    print("loaded the pretrained source from", SOURCE_WEIGHTS)
else:
    # Stand-in: a quick source trained on real digits the target never uses (the pool's unpicked
    # pictures). It transfers more easily than the page's source, trained on generated digits.
    print("no", SOURCE_WEIGHTS, "- training a quick stand-in source")
    torch.manual_seed(SEED)
    train(source, images[unused_rows], labels[unused_rows], images[val_rows], labels[val_rows], epochs=2)
base_state = {name: t for name, t in source.state_dict().items() if name.startswith("blocks.")}

accuracies = {}
for run in ("scratch", "frozen", "finetune"):
    print(f"--- {run} ---")
    torch.manual_seed(SEED)  # the same new head for all three runs
    model = SmallCNN()
    groups = None
    if run != "scratch":
        model.load_state_dict(base_state, strict=False)  # copy the pretrained convolution blocks
    if run == "frozen":
        for parameter in model.blocks.parameters():
            parameter.requires_grad_(False)  # locked: only the new head learns
    if run == "finetune":  # every layer learns, the pretrained base more gently
        groups = [
            {"params": model.blocks.parameters(), "lr": LEARNING_RATE * BASE_RATE_FACTOR},
            {"params": model.head.parameters()},
        ]
    accuracies[run] = train(model, images[train_rows], labels[train_rows], images[val_rows], labels[val_rows],
                            groups=groups)
print(", ".join(f"{run}: {value:.1%}" for run, value in accuracies.items()))
'''
    )
    return source.replace("import copy\n", "import copy\nimport os\n", 1)
