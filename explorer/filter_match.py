"""Which named kernel a learned first-layer filter looks like, by cosine similarity, sign included."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.kernels import NAMED_KERNELS

__all__ = ["FilterMatch", "closest_named_kernels", "named_kernel_similarities"]


@dataclass(frozen=True)
class FilterMatch:
    """The named kernel one learned filter most resembles.

    Attributes
    ----------
    filter_index : int
        Which output channel of the layer, ``0 .. C_out − 1``.
    slug : str
        Key into ``explorer.kernels.NAMED_KERNELS``, such as ``'sobel-horizontal'``.
    name : str
        The kernel's display name.
    sign : {1, -1}
        ``-1`` when the filter looks like the kernel negated (dark and light swapped).
    similarity : float
        Signed cosine similarity with the kernel, −1..1; its sign is ``sign`` and its size
        says how alike the shapes are (1: the same up to a positive or negative scale).
    """

    filter_index: int
    slug: str
    name: str
    sign: int
    similarity: float

    @property
    def label(self) -> str:
        """The kernel's name, with a leading "−" for a negated match: ``'−Sobel (vertical edges)'``."""
        return self.name if self.sign > 0 else f"−{self.name}"


def named_kernel_similarities(filters: np.ndarray) -> dict[str, np.ndarray]:
    """Signed cosine similarity of every filter with every named kernel of the same size.

    Parameters
    ----------
    filters : (kh, kw, C_in, C_out) array_like
        First-layer filters in the layout of ``explorer.models.first_layer_filters``;
        finite numbers.

    Returns
    -------
    dict of str to (C_out,) float64 ndarray
        One entry per named kernel that is ``kh × kw`` and not all zeros, in
        ``NAMED_KERNELS`` order. A filter that is all zeros has no direction: its
        entries are NaN. Empty when no named kernel has this size.

    Raises
    ------
    ValueError
        When ``filters`` is not a non-empty 4-D array of finite numbers.

    Notes
    -----
    With several input channels (a colour image's R, G, B) each filter is compared by its
    mean over the input channels: a filter that looks for the same pattern in every
    colour keeps it, while one that weighs colours against each other (red minus green)
    averages towards zero and matches weakly. The cosine ignores scale: ``2.5 ×`` Sobel
    has similarity 1 with Sobel, and ``−1 ×`` Sobel similarity −1.

    Examples
    --------
    >>> sobel = NAMED_KERNELS["sobel-vertical"].weights
    >>> filters = np.stack([sobel, -3 * sobel], axis=-1)[:, :, None, :]  # (3, 3, 1, 2)
    >>> named_kernel_similarities(filters)["sobel-vertical"].round(6).tolist()
    [1.0, -1.0]
    """
    patterns = _channel_means(filters)  # (C_out, kh·kw)
    kh, kw = np.shape(filters)[:2]
    norms = np.linalg.norm(patterns, axis=1)  # (C_out,)
    with np.errstate(invalid="ignore", divide="ignore"):
        unit_patterns = patterns / norms[:, None]  # (C_out, kh·kw), NaN rows for all-zero filters
    similarities: dict[str, np.ndarray] = {}
    for slug, named in NAMED_KERNELS.items():
        weights = named.weights.ravel()  # (kh·kw,)
        if named.weights.shape != (kh, kw) or not weights.any():
            continue
        similarities[slug] = unit_patterns @ (weights / np.linalg.norm(weights))  # (C_out,)
    return similarities


def closest_named_kernels(filters: np.ndarray) -> list[FilterMatch | None]:
    """For each learned filter, the named kernel (or its negative) it most resembles.

    Parameters
    ----------
    filters : (kh, kw, C_in, C_out) array_like
        As for :func:`named_kernel_similarities`.

    Returns
    -------
    list of FilterMatch or None, length C_out
        The match with the largest ``|similarity|`` for each filter; on a tie, the kernel
        listed first in ``NAMED_KERNELS``. ``None`` for a filter that is all zeros, and
        for every filter when no named kernel is ``kh × kw`` (all named kernels are 3 × 3).

    Raises
    ------
    ValueError
        When ``filters`` is not a non-empty 4-D array of finite numbers.

    Examples
    --------
    >>> sobel = NAMED_KERNELS["sobel-horizontal"].weights
    >>> (match,) = closest_named_kernels(-0.4 * sobel[:, :, None, None])
    >>> match.label, match.sign, round(match.similarity, 6)
    ('−Sobel (horizontal edges)', -1, -1.0)
    """
    similarities = named_kernel_similarities(filters)
    count = np.shape(filters)[3]
    if not similarities:
        return [None] * count
    slugs = list(similarities)
    table = np.stack([similarities[slug] for slug in slugs], axis=1)  # (C_out, K)
    matches: list[FilterMatch | None] = []
    for index, row in enumerate(table):
        if np.isnan(row).any():
            matches.append(None)
            continue
        best = int(np.argmax(np.abs(row)))
        similarity = float(np.clip(row[best], -1.0, 1.0))
        slug = slugs[best]
        matches.append(
            FilterMatch(
                filter_index=index,
                slug=slug,
                name=NAMED_KERNELS[slug].name,
                sign=1 if similarity >= 0 else -1,
                similarity=similarity,
            )
        )
    return matches


def _channel_means(filters: np.ndarray) -> np.ndarray:
    """Checked filters averaged over the input channels, one flattened row each: ``(C_out, kh·kw)``."""
    try:
        array = np.asarray(filters, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"filters must hold numbers only: {error}") from None
    if array.ndim != 4 or 0 in array.shape:
        raise ValueError(f"filters must be a non-empty (kh, kw, C_in, C_out) array, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("filters hold NaN or infinite values")
    kh, kw, _, count = array.shape
    return array.mean(axis=2).reshape(kh * kw, count).T  # (C_out, kh·kw)
