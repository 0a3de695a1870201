"""Small labelled image sets for training a CNN live: built-in digits, generated edges and shapes, a zip.

Every dataset is an ``ImageDataset``: channels-last float32 images in 0..1 with one integer
label each. Nothing is downloaded and nothing is written to disk; generated sets are the same
for the same seed.
"""

from __future__ import annotations

import io
import math
import stat
import zipfile
import zlib
from dataclasses import dataclass, field

import cv2
import numpy as np

from explorer.images import ImageLoadError, load_image, to_grayscale

__all__ = [
    "EDGE_CLASSES",
    "IMAGE_EXTENSIONS",
    "SHAPE_CLASSES",
    "DatasetError",
    "ImageDataset",
    "ZipLoadResult",
    "digits",
    "edges",
    "from_zip",
    "shapes",
]

EDGE_CLASSES = ("horizontal", "vertical", "diagonal ↘", "diagonal ↗")
SHAPE_CLASSES = ("circle", "square", "triangle", "cross", "star")
# File names load_image can read; anything else in a zip is skipped without being unpacked.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp")
COLOR_MODES = ("rgb", "grayscale")
# Files that operating systems add to zips on their own; ignored without a reason each.
SYSTEM_FILE_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
# Small members may compress extremely well (a black BMP); only big ones are checked for ratio.
RATIO_CHECK_MIN_BYTES = 1_000_000
READ_CHUNK_BYTES = 1 << 16
# Shapes are drawn this many times larger, then shrunk with area averaging, for smooth edges.
SHAPE_SUPERSAMPLING = 4


class DatasetError(ValueError):
    """A zip we refuse to turn into a dataset; the message is a plain sentence for the user."""


@dataclass(frozen=True, eq=False)
class ImageDataset:
    """Labelled images, one class per integer label.

    Attributes
    ----------
    images : (N, H, W, C) float32 ndarray
        Pixel values in 0..1, channels last (C is 1 for grey, 3 for RGB).
    labels : (N,) int64 ndarray
        Class of each image, an index into ``class_names``.
    class_names : tuple of str
        Name of each class, in label order.
    name : str
        Short title to show.

    Raises
    ------
    ValueError
        When the arrays do not have these shapes, dtypes or ranges.

    Notes
    -----
    ``eq=False`` because numpy arrays have no single truth value for ``==``.
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    name: str

    def __post_init__(self) -> None:
        images, labels = self.images, self.labels
        if not isinstance(images, np.ndarray) or images.ndim != 4 or images.dtype != np.float32:
            raise ValueError(
                f"images must be an (N, H, W, C) float32 array, got {getattr(images, 'dtype', type(images))} "
                f"{getattr(images, 'shape', '')}"
            )
        if not isinstance(labels, np.ndarray) or labels.shape != images.shape[:1] or labels.dtype != np.int64:
            raise ValueError(
                f"labels must be an ({images.shape[0]},) int64 array, got "
                f"{getattr(labels, 'dtype', type(labels))} {getattr(labels, 'shape', '')}"
            )
        if images.size and not (images.min() >= 0.0 and images.max() <= 1.0):
            raise ValueError(f"images must hold values in 0..1, got {images.min():g}..{images.max():g}")
        if labels.size and (labels.min() < 0 or labels.max() >= len(self.class_names)):
            raise ValueError(
                f"labels must lie in 0..{len(self.class_names) - 1}, got {labels.min()}..{labels.max()}"
            )

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def class_counts(self) -> dict[str, int]:
        """Number of images of each class, in class order (classes with no image count 0)."""
        counts = np.bincount(self.labels, minlength=len(self.class_names))  # (K,)
        return {name: int(count) for name, count in zip(self.class_names, counts, strict=True)}

    def sample(self, n: int = 9, *, seed: int = 0) -> list[int]:
        """Indices of ``n`` different images picked at random, as ``random.sample`` would.

        Parameters
        ----------
        n : int, optional
            How many, from 0 to ``len(self)``.
        seed : int, optional
            The same seed gives the same indices.

        Returns
        -------
        list of int
            ``n`` distinct indices in random order.

        Raises
        ------
        ValueError
            When ``n`` is negative or larger than the number of images.
        """
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= len(self):
            raise ValueError(f"n must be a whole number from 0 to {len(self)}, got {n!r}")
        rng = np.random.default_rng(seed)
        return [int(index) for index in rng.choice(len(self), size=n, replace=False)]

    def split(
        self, validation: float = 0.2, *, seed: int = 0, shuffle: bool = True
    ) -> tuple[ImageDataset, ImageDataset]:
        """Split into training and validation sets with the same share of each class.

        Parameters
        ----------
        validation : float, optional
            Share of each class that goes to validation, strictly between 0 and 1.
        seed : int, optional
            The same seed gives the same split.
        shuffle : bool, optional
            When True, each class is shuffled before it is cut and each result is
            shuffled so classes are mixed. When False, the last images of each class
            go to validation and both results keep the original order.

        Returns
        -------
        (ImageDataset, ImageDataset)
            ``(train, validation)``, with names ending in ``(train)`` and ``(validation)``.

        Raises
        ------
        ValueError
            When ``validation`` is not between 0 and 1, or either side would be empty.

        Notes
        -----
        Class ``k`` with ``n_k`` images sends ``floor(n_k * validation + 0.5)`` of them to
        validation, so the proportion is the same in every class up to rounding.
        """
        if isinstance(validation, bool) or not isinstance(validation, int | float) or not 0 < validation < 1:
            raise ValueError(f"validation must be a number between 0 and 1 (exclusive), got {validation!r}")
        rng = np.random.default_rng(seed)
        train_parts, validation_parts = [], []
        for label in range(len(self.class_names)):
            members = np.flatnonzero(self.labels == label)  # (n_k,)
            if shuffle:
                members = rng.permutation(members)
            n_validation = math.floor(members.size * validation + 0.5)
            train_parts.append(members[: members.size - n_validation])
            validation_parts.append(members[members.size - n_validation :])
        train_indices = np.concatenate(train_parts) if train_parts else np.zeros(0, dtype=np.int64)
        validation_indices = (
            np.concatenate(validation_parts) if validation_parts else np.zeros(0, dtype=np.int64)
        )
        if train_indices.size == 0 or validation_indices.size == 0:
            raise ValueError(
                f"validation={validation!r} leaves one side empty for a dataset of {len(self)} images"
            )
        if shuffle:
            train_indices = rng.permutation(train_indices)
            validation_indices = rng.permutation(validation_indices)
        else:
            train_indices = np.sort(train_indices)
            validation_indices = np.sort(validation_indices)
        return self._subset(train_indices, "train"), self._subset(validation_indices, "validation")

    def _subset(self, indices: np.ndarray, part: str) -> ImageDataset:
        """The images at ``indices`` (a new copy), named ``"<name> (<part>)"``."""
        return ImageDataset(
            images=self.images[indices],  # (n, H, W, C)
            labels=self.labels[indices],  # (n,)
            class_names=self.class_names,
            name=f"{self.name} ({part})",
        )


@dataclass(frozen=True, eq=False)
class ZipLoadResult:
    """What ``from_zip`` made of an uploaded zip.

    Attributes
    ----------
    dataset : ImageDataset
        The readable images, one class per folder, classes in alphabetical order.
    skipped : list of str
        One ``"path: reason"`` line per file that was left out (not an image, unreadable,
        a symbolic link, not inside a class folder, ...).
    notes : list of str
        Plain sentences about what was done on the user's behalf (wrapper folder used,
        system files ignored, empty folders left out).
    """

    dataset: ImageDataset
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _check_whole_number(name: str, value: object, minimum: int) -> None:
    """Raise ValueError unless ``value`` is an int (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")


def digits(size: int = 28) -> ImageDataset:
    """scikit-learn's 1,797 handwritten digits, enlarged to ``size × size``.

    Parameters
    ----------
    size : int, optional
        Side of each image in pixels, at least 1. The originals are 8 × 8.

    Returns
    -------
    ImageDataset
        ``images`` (1797, size, size, 1) float32 in 0..1 (white strokes on black),
        ``labels`` 0..9, classes ``"0"`` .. ``"9"``.

    Raises
    ------
    ValueError
        When ``size < 1``.

    Notes
    -----
    The digits ship with scikit-learn, so nothing is downloaded. The 0..16 values are
    divided by 16 and enlarged with bilinear interpolation (``cv2.INTER_LINEAR``), which
    never leaves 0..1.
    """
    _check_whole_number("size", size, 1)
    # Imported here: scikit-learn takes about a second to import.
    from sklearn.datasets import load_digits

    bunch = load_digits()
    originals = (bunch.images / 16.0).astype(np.float32)  # (1797, 8, 8)
    images = np.empty((originals.shape[0], size, size, 1), dtype=np.float32)  # (N, size, size, 1)
    for index, original in enumerate(originals):
        images[index, :, :, 0] = cv2.resize(original, (size, size), interpolation=cv2.INTER_LINEAR)
    return ImageDataset(
        images=np.clip(images, 0.0, 1.0),
        labels=bunch.target.astype(np.int64),
        class_names=tuple(str(digit) for digit in range(10)),
        name="Handwritten digits",
    )


def edges(n_per_class: int = 200, *, size: int = 28, seed: int = 0) -> ImageDataset:
    """Generated grey pictures of one straight edge or stripe in four directions.

    Parameters
    ----------
    n_per_class : int, optional
        Images of each class, at least 1.
    size : int, optional
        Side of each image in pixels, at least 4.
    seed : int, optional
        The same seed gives the same images.

    Returns
    -------
    ImageDataset
        ``images`` (4 · n_per_class, size, size, 1) float32 in 0..1, grouped by class;
        classes ``"horizontal"``, ``"vertical"``, ``"diagonal ↘"``, ``"diagonal ↗"``.

    Raises
    ------
    ValueError
        When ``n_per_class < 1`` or ``size < 4``.

    Notes
    -----
    Half the images (at random) are an edge, one side dark and one light; the others
    a stripe 2 to ``size / 4`` pixels wide. Position, the two brightness levels, which
    side is light, and the standard deviation of the added Gaussian noise (0 to 0.08)
    are random. The boundary is anti-aliased over one pixel. Telling the classes apart
    needs only the direction of the brightness change, which is what a Sobel filter
    measures, so a small CNN's first-layer filters tend to look like Sobel kernels.
    """
    _check_whole_number("n_per_class", n_per_class, 1)
    _check_whole_number("size", size, 4)
    rng = np.random.default_rng(seed)
    count = n_per_class * len(EDGE_CLASSES)
    labels = np.repeat(np.arange(len(EDGE_CLASSES), dtype=np.int64), n_per_class)  # (N,)

    centre = (size - 1) / 2.0
    y, x = np.indices((size, size), dtype=np.float32) - np.float32(centre)  # each (size, size)
    # Signed distance from a line through the centre, one map per class; the line runs
    # along the class's direction (↘ goes down to the right, as image rows grow downwards).
    distance_maps = np.stack([y, x, (x - y) / math.sqrt(2), (x + y) / math.sqrt(2)])  # (4, size, size)
    distance = distance_maps[labels]  # (N, size, size)

    offset = rng.uniform(-size / 4, size / 4, count).astype(np.float32)  # (N,)
    is_stripe = rng.random(count) < 0.5  # (N,)
    half_width = rng.uniform(1.0, max(1.0, size / 8), count).astype(np.float32)  # (N,)
    dark = rng.uniform(0.0, 0.4, count).astype(np.float32)  # (N,)
    light = rng.uniform(0.6, 1.0, count).astype(np.float32)  # (N,)
    flip = rng.random(count) < 0.5  # (N,) swaps which side is light
    noise_sigma = rng.uniform(0.0, 0.08, count).astype(np.float32)  # (N,)
    noise = rng.standard_normal((count, size, size)).astype(np.float32)  # (N, size, size)

    shifted = distance - offset[:, None, None]  # (N, size, size)
    edge_mask = np.clip(shifted + 0.5, 0.0, 1.0)
    stripe_mask = np.clip(half_width[:, None, None] + 0.5 - np.abs(shifted), 0.0, 1.0)
    mask = np.where(is_stripe[:, None, None], stripe_mask, edge_mask)  # (N, size, size) in 0..1
    mask = np.where(flip[:, None, None], 1.0 - mask, mask)
    low, high = dark[:, None, None], light[:, None, None]
    images = low + (high - low) * mask + noise_sigma[:, None, None] * noise  # (N, size, size)
    return ImageDataset(
        images=np.clip(images, 0.0, 1.0).astype(np.float32)[..., np.newaxis],  # (N, size, size, 1)
        labels=labels,
        class_names=EDGE_CLASSES,
        name="Edges and stripes",
    )


def shapes(n_per_class: int = 200, *, size: int = 32, seed: int = 0) -> ImageDataset:
    """Generated colour pictures of one filled shape each.

    Parameters
    ----------
    n_per_class : int, optional
        Images of each class, at least 1.
    size : int, optional
        Side of each image in pixels, at least 8.
    seed : int, optional
        The same seed gives the same images.

    Returns
    -------
    ImageDataset
        ``images`` (5 · n_per_class, size, size, 3) float32 RGB in 0..1, grouped by class;
        classes ``"circle"``, ``"square"``, ``"triangle"``, ``"cross"``, ``"star"``.

    Raises
    ------
    ValueError
        When ``n_per_class < 1`` or ``size < 8``.

    Notes
    -----
    Each shape has a random size (outer radius 25 % to 42 % of the side), position (always
    wholly inside), rotation, and a foreground and background colour picked at random
    until they differ by at least 80 in brightness (0..255), so every shape stays visible.
    Gaussian noise with a random standard deviation of 0 to 0.05 is added. Shapes are
    drawn with OpenCV at four times the size and shrunk with area averaging, which
    smooths their edges.
    """
    _check_whole_number("n_per_class", n_per_class, 1)
    _check_whole_number("size", size, 8)
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(SHAPE_CLASSES), dtype=np.int64), n_per_class)  # (N,)
    big = size * SHAPE_SUPERSAMPLING
    images = np.empty((labels.size, size, size, 3), dtype=np.float32)  # (N, size, size, 3)
    for index, label in enumerate(labels):
        background, foreground = _distinct_colours(rng)
        canvas = np.empty((big, big, 3), dtype=np.uint8)  # (big, big, 3) RGB
        canvas[:] = background
        radius = rng.uniform(0.25, 0.42) * big
        centre = rng.uniform(radius, big - radius, 2)  # (x, y)
        angle = rng.uniform(0.0, 2 * math.pi)
        _draw_shape(canvas, SHAPE_CLASSES[label], centre, radius, angle, foreground)
        small = cv2.resize(canvas, (size, size), interpolation=cv2.INTER_AREA)  # (size, size, 3)
        noise = rng.normal(0.0, rng.uniform(0.0, 0.05), small.shape)  # (size, size, 3)
        images[index] = np.clip(small / 255.0 + noise, 0.0, 1.0)
    return ImageDataset(images=images, labels=labels, class_names=SHAPE_CLASSES, name="Shapes")


def _distinct_colours(rng: np.random.Generator) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """A random background and foreground RGB colour at least 80 apart in brightness."""
    luma_weights = np.array([0.299, 0.587, 0.114])
    while True:
        background, foreground = rng.integers(0, 256, (2, 3))  # each (3,)
        if abs(float(luma_weights @ (background - foreground))) >= 80:
            return tuple(int(v) for v in background), tuple(int(v) for v in foreground)


def _draw_shape(
    canvas: np.ndarray,
    shape: str,
    centre: np.ndarray,
    radius: float,
    angle: float,
    colour: tuple[int, int, int],
) -> None:
    """Fill ``shape`` of outer radius ``radius`` at ``centre`` (x, y), turned by ``angle``, in place."""
    if shape == "circle":
        cv2.circle(canvas, (round(centre[0]), round(centre[1])), round(radius), colour, cv2.FILLED)
        return
    if shape == "square":
        turns = np.arange(4) * (math.pi / 2) + math.pi / 4
        radii = np.full(4, radius)
    elif shape == "triangle":
        turns = np.arange(3) * (2 * math.pi / 3)
        radii = np.full(3, radius)
    elif shape == "star":
        turns = np.arange(10) * (math.pi / 5)
        radii = np.where(np.arange(10) % 2 == 0, radius, 0.42 * radius)
    elif shape == "cross":
        # A plus sign with arms a third of the radius wide: its 12 corners in order around the outline.
        arm = radius / 3
        quarter = [(arm, radius), (arm, arm), (radius, arm)]  # (x, y), from one arm tip round to the next
        points = np.array([(x, y) for x, y in quarter] + [(x, -y) for x, y in quarter[::-1]])  # (6, 2)
        points = np.concatenate([points, -points])  # (12, 2): the other half is the point reflection
        turns = np.arctan2(points[:, 1], points[:, 0])
        radii = np.hypot(points[:, 0], points[:, 1])
    else:
        raise ValueError(f"unknown shape {shape!r}; expected one of {SHAPE_CLASSES}")
    turns = turns + angle
    corners_xy = np.stack([centre[0] + radii * np.cos(turns), centre[1] + radii * np.sin(turns)], axis=1)
    cv2.fillPoly(canvas, [np.rint(corners_xy).astype(np.int32)], colour)  # corners (K, 2) as (x, y)


def _format_bytes(count: int) -> str:
    """``1.5 MB`` for large counts, ``12,345 bytes`` for small ones."""
    if count >= 1_000_000:
        return f"{count / 1_000_000:,.1f} MB"
    return f"{count:,} bytes"


def _is_system_file(parts: list[str]) -> bool:
    """True for files operating systems add to zips on their own (``__MACOSX``, ``.DS_Store``)."""
    return parts[0] == "__MACOSX" or parts[-1] in SYSTEM_FILE_NAMES or parts[-1].startswith("._")


def _path_parts(name: str) -> list[str]:
    """The folders and file name of a zip entry; raises DatasetError for paths that leave the folder."""
    unified = name.replace("\\", "/")
    if unified.startswith("/") or (len(unified) >= 2 and unified[1] == ":"):
        raise DatasetError(
            f"This zip has an absolute path, {name!r}, which could write outside its folder; "
            "nothing was read."
        )
    parts = [part for part in unified.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise DatasetError(f"This zip has a path that leads outside its folder, {name!r}; nothing was read.")
    return parts


def _strip_wrapper_folders(paths: list[list[str]]) -> list[str]:
    """Remove, in place, folders that hold everything; return the removed folder names."""
    removed: list[str] = []
    while True:
        inside_folders = [parts for parts in paths if len(parts) >= 2]
        first_folders = {parts[0] for parts in inside_folders}
        if len(first_folders) != 1 or not any(len(parts) >= 3 for parts in inside_folders):
            return removed
        removed.append(first_folders.pop())
        for parts in inside_folders:
            del parts[0]


def from_zip(
    data: bytes,
    *,
    target_size: tuple[int, int] = (64, 64),
    color_mode: str = "rgb",
    max_files: int = 5000,
    max_total_bytes: int = 200_000_000,
    max_compression_ratio: float = 100.0,
    name: str = "Uploaded images",
) -> ZipLoadResult:
    """Read a zip with one folder of images per class into a dataset, in memory.

    Parameters
    ----------
    data : bytes
        The whole zip file.
    target_size : (int, int), optional
        ``(height, width)`` every image is resized to, each at least 1.
    color_mode : {'rgb', 'grayscale'}, optional
        ``'rgb'`` gives C = 3, ``'grayscale'`` C = 1.
    max_files : int, optional
        Most files (folders not counted) the zip may hold, at least 1.
    max_total_bytes : int, optional
        Most bytes the files may unpack to, at least 1; checked against the sizes the zip
        declares and again against the bytes actually unpacked.
    max_compression_ratio : float, optional
        Largest ``unpacked size / packed size`` allowed for a file over 1 MB.
    name : str, optional
        Title of the dataset.

    Returns
    -------
    ZipLoadResult
        The dataset, the files skipped with a reason each, and notes.

    Raises
    ------
    DatasetError
        With a plain sentence naming the problem, for: empty data, data that is not a zip,
        a path leaving the folder (``..`` or absolute; the whole zip is refused), too many
        files, too many bytes or too much compression (zip bombs), class folders inside
        class folders, no readable image, or fewer than two classes.
    ValueError
        When an option is out of range (a programming error, so not a ``DatasetError``).

    Notes
    -----
    The layout is that of Keras' ``flow_from_directory``: ``cats/1.jpg``, ``dogs/2.png``.
    Folders that hold everything else (``train/cats/...``) are stepped into and named in
    ``notes``. Classes are the folder names in alphabetical order.

    Nothing is written to disk. Symbolic links are skipped (never followed), as are
    password-protected files, files whose name is not an image name (``.png``, ``.jpg``,
    ``.jpeg``, ``.gif``, ``.bmp``, ``.tif``, ``.tiff``, ``.webp``), files outside a class
    folder, and images ``explorer.images.load_image`` refuses. ``__MACOSX``, ``.DS_Store``
    and similar system files are ignored with one note. Each image is stretched to
    ``target_size`` with area averaging (``cv2.INTER_AREA``), as Keras does.
    """
    target_height, target_width = _check_zip_options(
        target_size, color_mode, max_files, max_total_bytes, max_compression_ratio
    )
    archive = _open_zip(data)
    with archive:
        entries = archive.infolist()
        files = [info for info in entries if not info.is_dir()]
        if len(files) > max_files:
            raise DatasetError(f"This zip holds {len(files):,} files; the limit is {max_files:,}.")
        declared_total = sum(info.file_size for info in files)
        if declared_total > max_total_bytes:
            raise DatasetError(
                f"This zip would unpack to {_format_bytes(declared_total)}; "
                f"the limit is {_format_bytes(max_total_bytes)}."
            )
        for info in files:
            _check_ratio(info.filename, info.file_size, info.compress_size, max_compression_ratio)
        # Checked for every entry before anything is read, so a bad path refuses the whole zip.
        file_parts = [_path_parts(info.filename) for info in files]
        folder_parts = [_path_parts(info.filename) for info in entries if info.is_dir()]

        skipped: list[str] = []
        notes: list[str] = []
        system_count = sum(_is_system_file(parts) for parts in file_parts if parts)
        if system_count:
            notes.append(f"Ignored {system_count} system file(s) such as __MACOSX or .DS_Store.")
        candidates: list[tuple[zipfile.ZipInfo, list[str]]] = []
        for info, parts in zip(files, file_parts, strict=True):
            if not parts or _is_system_file(parts):
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                skipped.append(f"{info.filename}: a symbolic link, which is never followed.")
            elif info.flag_bits & 0x1:
                skipped.append(f"{info.filename}: protected by a password.")
            else:
                candidates.append((info, parts))
        if not candidates and not skipped:
            raise DatasetError("This zip is empty: it holds no files.")

        candidate_parts = [parts for _, parts in candidates]
        wrappers = _strip_wrapper_folders(candidate_parts)
        if wrappers:
            notes.append(f"Used the folders inside {'/'.join(wrappers)!r} as the classes.")
        for info, parts in candidates:
            if len(parts) > 2:
                raise DatasetError(
                    f"This zip has folders inside the class folders, such as {info.filename!r}; "
                    "put the images directly in one folder per class, like cats/1.jpg and dogs/2.jpg."
                )

        pixels_by_class: dict[str, list[np.ndarray]] = {}
        # Big photos are shrunk while decoding (JPEG draft mode) to a few times the target size.
        decode_side = max(256, 4 * max(target_height, target_width))
        total_read = 0
        for info, parts in sorted(candidates, key=lambda item: item[1]):
            if len(parts) == 1:
                skipped.append(f"{info.filename}: not inside a class folder.")
                continue
            if not parts[-1].lower().endswith(IMAGE_EXTENSIONS):
                skipped.append(
                    f"{info.filename}: not an image file (its name does not end in .png, .jpg, ...)."
                )
                continue
            try:
                content = _read_member(
                    archive, info, max_total_bytes - total_read, max_total_bytes, max_compression_ratio
                )
            except _UnreadableMemberError as problem:
                skipped.append(f"{info.filename}: {problem}")
                continue
            total_read += len(content)
            try:
                pixels = load_image(content, max_side=decode_side).pixels  # (h, w, 3) uint8
            except ImageLoadError as problem:
                skipped.append(f"{info.filename}: {problem}")
                continue
            # Resized at once so thousands of large photos are never all held at full size.
            resized = cv2.resize(pixels, (target_width, target_height), interpolation=cv2.INTER_AREA)
            if color_mode == "grayscale":
                resized = to_grayscale(resized)[:, :, np.newaxis]  # (H, W, 1)
            pixels_by_class.setdefault(parts[0], []).append(resized)  # each (H, W, C) uint8

    class_folders = {parts[0] for parts in candidate_parts if len(parts) == 2}
    class_folders |= {
        parts[len(wrappers)]
        for parts in folder_parts
        if parts[0] != "__MACOSX" and len(parts) == len(wrappers) + 1 and parts[: len(wrappers)] == wrappers
    }
    for folder in sorted(class_folders - set(pixels_by_class)):
        notes.append(f"The folder {folder!r} has no readable images and was left out.")
    if not pixels_by_class:
        raise DatasetError("This zip holds no images we could read, so there is nothing to learn from.")
    if len(pixels_by_class) < 2:
        (only,) = pixels_by_class
        raise DatasetError(
            f"This zip has images in only one class folder, {only!r}; "
            "need at least two classes, one folder of images per class."
        )

    class_names = tuple(sorted(pixels_by_class))
    stacked = np.stack([image for name in class_names for image in pixels_by_class[name]])  # (N, H, W, C)
    images = stacked.astype(np.float32) / np.float32(255.0)
    counts = [len(pixels_by_class[name]) for name in class_names]
    labels = np.repeat(np.arange(len(class_names), dtype=np.int64), counts)  # (N,)
    dataset = ImageDataset(images=images, labels=labels, class_names=class_names, name=name)
    return ZipLoadResult(dataset=dataset, skipped=skipped, notes=notes)


class _UnreadableMemberError(Exception):
    """One zip member that cannot be unpacked; the message is the reason shown in ``skipped``."""


def _check_zip_options(
    target_size: tuple[int, int],
    color_mode: str,
    max_files: int,
    max_total_bytes: int,
    max_compression_ratio: float,
) -> tuple[int, int]:
    """Raise ValueError for out-of-range ``from_zip`` options; return ``(height, width)``."""
    if not isinstance(target_size, tuple | list) or len(target_size) != 2:
        raise ValueError(f"target_size must be (height, width), got {target_size!r}")
    _check_whole_number("target_size height", target_size[0], 1)
    _check_whole_number("target_size width", target_size[1], 1)
    if color_mode not in COLOR_MODES:
        raise ValueError(f"color_mode must be one of {COLOR_MODES}, got {color_mode!r}")
    _check_whole_number("max_files", max_files, 1)
    _check_whole_number("max_total_bytes", max_total_bytes, 1)
    if not isinstance(max_compression_ratio, int | float) or not max_compression_ratio >= 1:
        raise ValueError(f"max_compression_ratio must be a number >= 1, got {max_compression_ratio!r}")
    return int(target_size[0]), int(target_size[1])


def _open_zip(data: bytes) -> zipfile.ZipFile:
    """The zip in ``data``, opened in memory; DatasetError when it is empty or not a zip."""
    if not data:
        raise DatasetError("This file is empty.")
    try:
        return zipfile.ZipFile(io.BytesIO(bytes(data)))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise DatasetError("This file is not a zip archive (or the zip is damaged).") from error


def _check_ratio(name: str, unpacked: int, packed: int, max_ratio: float) -> None:
    """DatasetError when a file over 1 MB unpacks to more than ``max_ratio`` times its packed size."""
    if unpacked > RATIO_CHECK_MIN_BYTES and unpacked > max_ratio * max(packed, 1):
        raise DatasetError(
            f"The file {name!r} in this zip unpacks to {_format_bytes(unpacked)} from "
            f"{_format_bytes(packed)}, more than {max_ratio:g} times its packed size; "
            "zips this compressed are refused for safety."
        )


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, bytes_left: int, max_total_bytes: int, max_ratio: float
) -> bytes:
    """The unpacked bytes of one member, counted as they arrive so no limit can be overrun.

    Raises DatasetError past the byte or ratio limits and _UnreadableMemberError when the
    member is damaged or uses a compression Python cannot unpack.
    """
    chunks: list[bytes] = []
    received = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(READ_CHUNK_BYTES):
                received += len(chunk)
                if received > bytes_left:
                    raise DatasetError(
                        f"This zip unpacks to more than {_format_bytes(max_total_bytes)}, the limit; "
                        "nothing was loaded."
                    )
                _check_ratio(info.filename, received, info.compress_size, max_ratio)
                chunks.append(chunk)
    except DatasetError:
        raise
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, zlib.error) as error:
        raise _UnreadableMemberError(
            "could not be unpacked; the zip entry is damaged or uses a compression we cannot read."
        ) from error
    return b"".join(chunks)
