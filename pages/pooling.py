"""Pooling: keep one number per window, shrink the picture, and save every later layer work."""

from dataclasses import dataclass

import numpy as np
import streamlit as st

import ui
from explorer import geometry, pooling, snippets
from explorer.images import enlarge_nearest, resample, to_grayscale
from explorer.kernels import NAMED_KERNELS
from explorer.ops import pool2d, to_display
from explorer.pixels import Window, clamp_window

ui.ensure_routed()

MAX_CROP = 12  # cells a side on the small grid
DEFAULT_CROP = 8
DISPLAY_SIDE = 512  # screen pixels for the longer side of the whole-picture previews
MAP_SIDE = 240  # screen pixels for each feature map
NOTES_SIDE = 500  # the notes' example picture, 500 × 500


@dataclass(frozen=True)
class PoolControls:
    """What the controls ask for: the kind of pooling, its window and stride, and the crop."""

    mode: str
    size: int
    stride: int
    window: Window


def pool_controls(height: int, width: int) -> PoolControls:
    """Draw the pooling and crop controls; return what they say."""
    mode = ui.choice(
        "Keep from each window", pooling.POOL_MODES, "max", "pool", widget="radio", horizontal=False
    )
    size = ui.slider("Window size", 2, 4, 2, "size", help="A size × size window; it holds no weights.")
    # The stride follows the window size (windows side by side) until it is set on its own.
    seen = st.session_state.get("pool_size_seen")
    if seen is not None and seen != size and st.session_state.get("pool_stride") == seen:
        st.session_state["pool_stride"] = size
    st.session_state["pool_size_seen"] = size
    stride = ui.slider(
        "Stride (cells per jump)", 1, 4, size, "pool_stride", help="Starts equal to the window size."
    )
    crop_max = min(MAX_CROP, height, width)
    low, default = min(4, crop_max), min(DEFAULT_CROP, crop_max)
    side = ui.slider("Grid size (a square crop of the picture)", low, crop_max, default, "pool_crop")
    top, left = (height - side) // 2, (width - side) // 2
    if height > side:
        top = ui.slider("Crop top row", 0, height - side, top, "pool_row")
    if width > side:
        left = ui.slider("Crop left column", 0, width - side, left, "pool_col")
    return PoolControls(mode, size, stride, clamp_window((height, width), top, left, side))


def shown(pixels: np.ndarray, side: int = DISPLAY_SIDE) -> np.ndarray:
    """A picture ready for the screen: big ones shrunk to ``side``, small ones blown up into blocks."""
    return resample(pixels, side) if max(pixels.shape[:2]) > side else enlarge_nearest(pixels, side)


image = ui.current_image()
height, width = image.pixels.shape[:2]

st.title("Pooling")
st.markdown(
    "Neighbouring pixels often hold the same colour, so they carry **the same information several "
    "times**. Pooling slides a window over the picture and keeps **one number** from each: the "
    "**largest** (max pooling) to keep the strongest signal — or the **average** or the **smallest**, "
    "depending on the task. A 2 × 2 window **halves** the height and the width, so every later layer "
    "has less to compute and training is faster. A pooling window is an empty frame: it has **no "
    "weights**, so there is nothing to learn."
)

# The small grid ---------------------------------------------------------------------------
st.header("Slide a window, keep one number")
controls_column, grid_column, pooled_column = st.columns([1, 1.8, 1.4], gap="medium")
with controls_column:
    controls = pool_controls(height, width)
mode, size, stride, window = controls.mode, controls.size, controls.stride, controls.window
crop = to_grayscale(window.of(image.pixels))  # (n, n)
n = window.height
with controls_column:
    st.caption(f"{pooling.POOL_MODES[mode]} {pooling.POOL_MEANINGS[mode]}.")
    if (n, n) != (height, width):
        st.image(
            geometry.crop_locator(image.pixels, window),
            caption=f"The {n} × {n} crop (yellow box) of the {width} × {height} picture, in gray.",
        )
try:
    pooled_grid, windows = pooling.pool_windows(crop, size, stride, mode)
except ValueError as error:
    grid_column.error(f"The {size} × {size} window does not fit this grid: {ui.plain(str(error))}.")
    pooled_grid, windows = None, []
if pooled_grid is not None:
    out_h, out_w = pooled_grid.shape
    overlap = pooling.windows_overlap(size, stride)
    with grid_column:
        ui.show_figure(
            pooling.windows_figure(crop, windows, stride=stride),
            "pool-grid",
            alt=f"The {n} × {n} grayscale grid with {len(windows)} pooling windows of {size} × {size}, "
            "each outlined in its own colour and labelled with the value it keeps.",
        )
        where = (
            f"The stride ({stride}) is smaller than the window ({size}), so the windows overlap and share "
            "cells; only the first row of windows is outlined. The pooled grid shows what each keeps."
            if overlap
            else f"Each {size} × {size} window has its own colour; its label is the number it keeps."
        )
        dropped = geometry.Sweep(n, size, 0, stride).unreached.tolist()
        if dropped:
            which = geometry.listed([str(index) for index in dropped])
            where += (
                f" Rows and columns {which} fall in no window (a window there would stick out past the "
                "edge, or the stride jumps over them), so pooling drops them (⊗)."
            )
        st.caption(where)
    with pooled_column:
        ui.show_figure(
            pooling.pooled_figure(pooled_grid, windows, stride=stride),
            "pool-output",
            alt=f"The {out_h} × {out_w} pooled grid; each cell is outlined in its window's colour.",
        )
        st.metric("Pooled size", f"{n} × {n} → {out_h} × {out_w}")
        st.caption(f"{pooling.POOL_MODES[mode]} keeps one number per window, in the window's colour.")

# The whole picture ------------------------------------------------------------------------
st.header("The whole picture")
try:
    pooled_picture = to_display(pool2d(image.pixels, size, stride=stride, mode=mode), "clip")  # (H', W', 3)
except ValueError as error:
    st.error(f"The {size} × {size} window does not fit this picture: {ui.plain(str(error))}.")
    pooled_picture = None
if pooled_picture is not None:
    p_height, p_width = pooled_picture.shape[:2]
    crisp = "PNG" if max(height, width) <= 128 else "auto"  # tiny pictures: keep the blocks sharp
    shrunk = max(height, width) > DISPLAY_SIDE
    before, after = st.columns(2)
    before.image(
        shown(image.pixels),
        width="stretch",
        output_format=crisp,
        caption=f"Original: {width} × {height} pixels"
        + (f" (shown shrunk to {DISPLAY_SIDE} pixels on the longer side)" if shrunk else ""),
    )
    after.image(
        shown(pooled_picture),
        width="stretch",
        output_format=crisp,
        caption=f"{pooling.POOL_MODES[mode]}, {size} × {size} window, stride {stride}: "
        f"{p_width} × {p_height} pixels, each channel pooled on its own"
        + (f" (shown shrunk to {DISPLAY_SIDE} pixels)" if max(p_height, p_width) > DISPLAY_SIDE else ""),
    )
    st.markdown(
        f"The pooled picture keeps **{p_height * p_width / (height * width):.0%} of the pixels** "
        f"({p_width} × {p_height} instead of {width} × {height}) and still shows the same scene."
    )
    with after:
        ui.download_png(pooled_picture, f"pooled-{mode}-{size}x{size}-s{stride}.png", "pool_png")
    if pooled_grid is not None:
        ui.download_code(
            snippets.pooling(image.pixels, crop, mode=mode, size=size, stride=stride),
            "pooling.py",
            "pool_code",
        )

# Why pool ---------------------------------------------------------------------------------
st.header("Why pool? Less work for every later layer")
st.markdown(
    "A 3 × 3 kernel does **9 multiply–adds** for every output cell. The notes: on a 500 × 500 picture "
    "that is a lot of calculation and a lot of time; pool it to 250 × 250 first and the next 3 × 3 "
    "kernel has about a quarter of the work."
)
try:
    savings = pooling.pooling_savings(height, width, size=size, stride=stride)
except ValueError:
    savings = None
if savings is not None:
    first, second, third = st.columns(3)
    first.metric(f"3 × 3 kernel on {width} × {height}", f"{savings.before.multiply_adds:,}")
    first.caption(f"multiply–adds: {savings.before.formula}")
    pooled_h, pooled_w = savings.pooled_hw
    second.metric(f"…after pooling to {pooled_w} × {pooled_h}", f"{savings.after.multiply_adds:,}")
    second.caption(f"multiply–adds: {savings.after.formula}")
    if savings.ratio:
        third.metric("Work saved", f"{savings.ratio:.1f}× fewer")
        hardly = (
            " With stride 1 the picture hardly shrinks, so almost nothing is saved." if stride == 1 else ""
        )
        third.caption(f"{size} × {size} pooling with stride {stride}, one kernel on one channel.{hardly}")
    else:
        third.metric("Work saved", "—")
        third.caption(
            "After pooling the picture is smaller than the 3 × 3 kernel: nothing is left to convolve."
        )
notes = pooling.pooling_savings(NOTES_SIDE, NOTES_SIDE, size=2)
st.markdown(
    f"**The notes' example**: a 500 × 500 picture and a 3 × 3 kernel need {notes.before.formula} "
    f"multiply–adds; after 2 × 2 pooling to {notes.pooled_hw[0]} × {notes.pooled_hw[1]}, only "
    f"{notes.after.formula} — **{notes.ratio:.1f}× fewer**. Every channel and every kernel repeats this "
    "saving, so training is much faster."
)

# Global average pooling -------------------------------------------------------------------
st.header("Global average pooling: one number per map")
st.markdown(
    "Make the window as big as the whole picture and pooling keeps **one number per channel**: its "
    "average. A colour picture becomes 3 numbers; a stack of feature maps becomes one number per map, "
    "a short vector that says how much of each feature the picture holds."
)
channel_means = pooling.global_average_pool(image.pixels)  # (3,)
rgb_column, vector_column = st.columns([3, 2])
for column, name, value in zip(rgb_column.columns(3), ("Red", "Green", "Blue"), channel_means, strict=True):
    column.metric(f"{name} average", f"{value:.1f}")
vector_column.markdown(
    f"**{width} × {height} × 3 → 1 × 1 × 3**\n\n"
    f"vector: `[{', '.join(f'{value:.1f}' for value in channel_means)}]`"
)

st.subheader("Feature maps: one number per map")
gray = to_grayscale(image.pixels)  # (H, W)
maps = pooling.edge_strength_maps(gray)  # (H, W, K)
averages = pooling.global_average_pool(maps)  # (K,)
previews = pooling.feature_previews(maps, MAP_SIDE)  # (h, w, K), one brightness scale for all maps
for column, slug, index in zip(
    st.columns(len(pooling.FEATURE_KERNELS)), pooling.FEATURE_KERNELS, range(len(averages)), strict=True
):
    column.image(
        previews[:, :, index],
        width="stretch",
        output_format="PNG" if max(height, width) <= 128 else "auto",
        caption=f"{NAMED_KERNELS[slug].name}: edge strength (white = strong)",
    )
    column.metric("Global average", f"{averages[index]:.1f}")
st.markdown(
    f"{len(averages)} maps of {width} × {height} → **{len(averages)} numbers**: "
    f"`[{', '.join(f'{value:.1f}' for value in averages)}]`. The largest number names the kind of edge "
    "this picture has most of."
)
