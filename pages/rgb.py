"""Convolution of colour images: three-slice kernels, one map per kernel, layers of kernels."""

from dataclasses import dataclass

import numpy as np
import streamlit as st

import ui
from explorer import figures, layers, pixels, snippets
from explorer.colormaps import diverging_colorscale
from explorer.images import enlarge_nearest, resample
from explorer.kernels import kernel_to_text
from explorer.ops import conv2d
from explorer.shapes import size_formula

ui.ensure_routed()

MAP_SIDE = 360  # screen pixels for the longer side of a result picture
GRID_CELLS = 12  # maps up to this many cells a side are drawn as grids with their numbers
STACK_SIDE = 128  # the layers section works on a copy at most this many pixels a side
SLICE_KEYS = ("k_r", "k_g", "k_b")
PRESET_SHOWN = "_rgb_preset_shown"

image = ui.current_image()
height, width = image.pixels.shape[:2]


@dataclass(frozen=True)
class KernelChoice:
    """What the kernel controls returned: a usable kernel, or why there is none."""

    kernel: np.ndarray | None  # (kh, kw, 3)
    problem: str
    bias: float


def kernel_controls() -> KernelChoice:
    """Preset, three editable slices and the bias."""
    presets = {slug: preset.name for slug, preset in layers.COLOUR_KERNELS.items()}
    left, right = st.columns([2, 1])
    with left:
        preset = ui.choice("Start from a preset", presets, "sobel-horizontal", "preset")
        st.caption(layers.COLOUR_KERNELS[preset].meaning)
    with right:
        bias = ui.slider(
            "Bias (added once to every output value)", -1020, 1020, 0, "bias", help="One number per kernel."
        )
    weights = layers.COLOUR_KERNELS[preset].weights  # (3, 3, 3)
    # A new preset fills all three slices; a shared link's typed slices are kept on first load.
    if st.session_state.get(PRESET_SHOWN, preset) != preset:
        for channel, key in enumerate(SLICE_KEYS):
            st.session_state[key] = kernel_to_text(weights[:, :, channel])
    st.session_state[PRESET_SHOWN] = preset
    slices = []
    for column, name, key, channel in zip(
        st.columns(3), layers.CHANNEL_NAMES, SLICE_KEYS, range(3), strict=True
    ):
        with column:
            slices.append(ui.kernel_editor(f"{name.title()} slice", weights[:, :, channel], key))
    try:
        kernel = layers.stack_slices(slices)
    except ValueError as error:
        return KernelChoice(None, str(error), float(bias))
    return KernelChoice(kernel, "", float(bias))


def layer_controls() -> tuple[int, int, int]:
    """Kernels in layer 1, kernels in layer 2, and the kernel side shared by both."""
    count_column, second_column, size_column = st.columns(3)
    with count_column:
        first_count = ui.slider("Kernels in layer 1", 1, 8, 4, "n1")
    with second_column:
        second_count = ui.slider("Kernels in layer 2", 1, 8, 3, "n2")
    with size_column:
        kernel_size = ui.slider("Kernel size k (both layers)", 1, 7, 3, "ksize")
    return first_count, second_count, kernel_size


def fitted(figure, rows: int, cols: int, column_px: int):
    """A value grid sized for a column about ``column_px`` wide, with a tick on every cell.

    ``figures.value_grid`` sizes its cells for a wide column; in narrow columns
    that leaves a band of empty space under the grid.
    """
    cell = max(18, min(48, (column_px - 90) // max(rows, cols)))
    figure.update_layout(height=70 + cell * rows)
    figure.update_xaxes(dtick=1)
    figure.update_yaxes(dtick=1)
    return figure


def show_map(
    values: np.ndarray,
    caption: str,
    key: str,
    *,
    limit: float | None = None,
    picture_limit: float | None = None,
    cell: tuple[int, int] | None = None,
    side: int = MAP_SIDE,
    column_px: int = 330,
) -> None:
    """A signed map: a grid with its numbers when small, a picture when large; a download either way.

    ``limit`` colours the grid (the largest |value| by default), ``picture_limit`` the picture.
    """
    out_h, out_w = values.shape
    picture = layers.signed_picture(values, side, picture_limit)
    if max(out_h, out_w) <= GRID_CELLS:
        scale = {"signed": True} if limit is None else {"colorscale": diverging_colorscale()}
        if limit is not None:
            scale.update(zmin=-limit, zmax=limit)
        grid = figures.value_grid(values, value_format=".4~g", highlight=[cell] if cell else None, **scale)
        ui.show_figure(
            fitted(grid, out_h, out_w, column_px),
            f"grid-{key}",
            alt=f"{caption}: the {out_h} × {out_w} values written in each cell.",
        )
        st.caption(caption)
    else:
        shown = layers.mark_cell(picture, *cell, (out_h, out_w)) if cell else picture
        st.image(layers.framed(shown), caption=caption)
    ui.download_png(picture, f"{key}.png", f"download-{key}")


def show_maps(maps: np.ndarray, captions: list[str], key: str) -> None:
    """Small multiples: every channel of a stack of maps, four to a row, each on its own scale."""
    for start in range(0, len(captions), 4):
        for offset, column in enumerate(st.columns(4)):
            index = start + offset
            if index < len(captions):
                with column:
                    show_map(
                        maps[:, :, index], captions[index], f"{key}-{index + 1}", side=240, column_px=240
                    )


# Introduction ---------------------------------------------------------------------------
st.title("Convolution of colour images")
st.markdown(
    "A colour picture is not one grid of numbers but three, one each for **red, green and blue**: "
    f"it is a block of height × width × 3 numbers (this one is **{height} × {width} × 3**). "
    "So the kernel grows a third dimension to match: a 3 × 3 kernel becomes **3 × 3 × 3**, one "
    "**slice** per channel. Each slice slides over its own channel, and the three results are "
    "**added into ONE map**."
)

# The three channels ---------------------------------------------------------------------
st.header("One picture, three channels")
shown_side = 240
columns = st.columns(4)
small = max(height, width) < shown_side
columns[0].image(
    layers.framed(enlarge_nearest(image.pixels, shown_side) if small else resample(image.pixels, shown_side)),
    caption=f"The picture: {height} × {width} × 3",
)
for column, name in zip(columns[1:], layers.CHANNEL_NAMES, strict=True):
    plane = pixels.tint(pixels.channel(image.pixels, name), name)
    column.image(
        layers.framed(enlarge_nearest(plane, shown_side) if small else resample(plane, shown_side)),
        caption=f"{pixels.CHANNELS[name]}: {height} × {width}",
    )

# One kernel, three slices ----------------------------------------------------------------
st.header("One kernel with three slices")
st.markdown(
    "Type the numbers of each slice, or start from a preset. All three slices must be the same "
    "size, because their results are added cell by cell."
)
choice = kernel_controls()
result = None
if choice.kernel is None:
    st.error(ui.plain(choice.problem), icon=":material/error:")
else:
    try:
        result = layers.convolve_colour(image.pixels, choice.kernel, choice.bias)
    except ValueError as error:
        st.error(ui.plain(str(error)), icon=":material/error:")

if result is not None:
    kh, kw = choice.kernel.shape[:2]
    out_h, out_w = result.output.shape
    st.subheader(f"Slice by slice: three {out_h} × {out_w} maps added into one")
    st.markdown(
        f"A {kh} × {kw} × 3 kernel on a {height} × {width} × 3 picture gives **one {out_h} × {out_w} map**. "
        "Purple is negative, white 0, orange positive; all five maps share one colour scale."
    )
    row_column, col_column = st.columns(2)
    with row_column:
        cell_row = ui.slider("Output cell: row", 0, out_h - 1, 1, "row")
    with col_column:
        cell_col = ui.slider("Output cell: column", 0, out_w - 1, 0, "col")
    cell = (cell_row, cell_col)
    as_grids = max(out_h, out_w) <= GRID_CELLS
    limits = {"limit": result.limit} if as_grids else {"picture_limit": result.picture_limit}
    for channel, (column, name) in enumerate(zip(st.columns(3), layers.CHANNEL_NAMES, strict=True)):
        with column:
            sign = "" if channel == 0 else "\\+ "
            show_map(
                result.per_channel[:, :, channel],
                f"{sign}{name.title()} channel with the {name} slice",
                f"rgb-{name}",
                **limits,
                cell=cell,
            )
    summed_column, output_column, note_column = st.columns(3)
    with summed_column:
        show_map(result.summed, "= the three added up", "rgb-sum", **limits, cell=cell)
    with output_column:
        show_map(
            result.output,
            f"\\+ bias {layers.number_text(choice.bias)} = the layer's output (one conv2d)",
            "rgb-output",
            **limits,
            cell=cell,
        )
    with note_column:
        st.markdown(
            "The last map is computed in one go by a real convolution layer (`conv2d`, one kernel of "
            f"{kh} × {kw} × 3); it matches the three slice-by-slice maps added up, plus the bias."
        )
        if not as_grids:
            st.caption(
                f"Results computed at full size ({out_h} × {out_w}), shown and downloaded at most "
                f"{MAP_SIDE} pixels a side; the strongest 1% of values are drawn at full colour. "
                "The yellow box marks the chosen cell."
            )

    # One output cell by hand --------------------------------------------------------------
    st.subheader(f"One output value by hand: row {cell_row}, column {cell_col}")
    st.markdown(
        "Each slice multiplies the pixels under it in its own channel, cell by cell, and adds the "
        "products: one **partial sum** per channel."
    )
    breakdown = layers.cell_breakdown(image.pixels, choice.kernel, choice.bias, cell_row, cell_col)
    for channel, name in enumerate(layers.CHANNEL_NAMES):
        window_part, slice_part, sum_part = st.columns([1, 1, 2.2], vertical_alignment="center")
        with window_part:
            st.markdown(f"**{name.title()} pixels under the slice**")
            ui.show_figure(
                fitted(
                    figures.value_grid(
                        breakdown.windows[channel], colorscale=name, row_offset=cell_row, col_offset=cell_col
                    ),
                    kh,
                    kw,
                    240,
                ),
                f"window-{name}",
                alt=f"The {name} pixels under the kernel, rows {cell_row}–{cell_row + kh - 1}.",
            )
        with slice_part:
            st.markdown(f"**× {name.title()} slice**")
            ui.show_figure(
                fitted(
                    figures.value_grid(breakdown.slices[channel], signed=True, value_format=".3~g"),
                    kh,
                    kw,
                    240,
                ),
                f"slice-{name}",
                alt=f"The {name} slice of the kernel.",
            )
        with sum_part:
            st.markdown(f"**{name.title()}:** {breakdown.products(channel)}")
    st.markdown(f"#### Red + green + blue: {breakdown.sum_text()}")
    verdict = "the same" if breakdown.matches_layer else "NOT the same"
    layer_value = layers.number_text(result.output[cell_row, cell_col])
    st.markdown(
        f"The convolution layer (`conv2d`) gives **{layer_value}** at row "
        f"{cell_row}, column {cell_col}: {verdict} number. One kernel, three slices, one output value."
    )

# Several kernels, two layers -------------------------------------------------------------
st.header("Several kernels: a stack of maps, and the next layer")
st.markdown(
    "One kernel gives one map. A layer usually has **several kernels**, each looking for something "
    "different, and their maps are **stacked as channels**: 4 kernels give a block with 4 channels. "
    "How many kernels a layer has is a **hyper-parameter** — the designer picks it. The next "
    "layer's kernels then need **one slice per channel**: after 4 maps, each kernel is k × k × 4. "
    "In the notes: **6 × 6 × 3 → [4 kernels of 3 × 3 × 3] → 4 × 4 × 4 → [3 kernels of 3 × 3 × 4] → "
    "2 × 2 × 3**."
)
first_count, second_count, kernel_size = layer_controls()

stack_input = resample(image.pixels, STACK_SIDE)
stack_h, stack_w = stack_input.shape[:2]
if max(height, width) > STACK_SIDE:
    st.caption(
        f"To stay quick, this section works on a copy shrunk to {stack_h} × {stack_w} pixels "
        f"(the picture is {height} × {width})."
    )
try:
    stack = layers.two_layers(stack_input, kernel_size, first_count, second_count)
except ValueError as error:
    stack = None
    st.error(ui.plain(str(error)), icon=":material/error:")
    st.markdown(
        f"Each layer shrinks the picture by k − 1 = {kernel_size - 1} pixels a side; pick a smaller "
        "kernel (or a bigger picture) so both layers fit."
    )

if stack is not None:
    st.markdown(f"### {layers.trace_text(stack.trace)}")
    rows = [
        "| Layer | Input | Kernels | Output side | Output | Weights | Biases | Trainable in all |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for number, layer in enumerate(stack.trace, start=1):
        side = size_formula(layer.input_shape[0], kernel_size)
        rows.append(
            f"| {number} | {layers.shape_text(layer.input_shape)} | {layer.kernels_text()} | {side} | "
            f"{layers.shape_text(layer.output_shape)} | "
            f"{layer.kernels} × {layer.weights_per_kernel} = {layer.weights} | "
            f"{layer.biases} | {layer.parameters} |"
        )
    st.markdown("\n".join(rows))
    st.caption(
        "Every kernel has its own bias, one extra number added to its whole map; the weights and the "
        "biases are all trainable — training adjusts them. Here the biases are 0."
    )

    st.subheader(f"Layer 1: {first_count} maps, stacked into {layers.shape_text(stack.first_maps.shape)}")
    st.markdown(
        f"Each output channel is **one kernel's map**: kernel 1 gives channel 1, and so on up to "
        f"channel {first_count}."
    )
    if kernel_size == 3:
        st.caption(
            "The first kernels are the presets above; any beyond those are random numbers, as an "
            "untrained network starts. Each map has its own colour scale."
        )
    else:
        st.caption(
            f"The {kernel_size} × {kernel_size} × 3 kernels are random numbers (fixed), as an untrained "
            "network starts. Each map has its own colour scale."
        )
    show_maps(
        stack.first_maps,
        [f"Channel {i + 1}: {name}" for i, name in enumerate(stack.first_names)],
        "layer1",
    )

    second = stack.trace[1]
    st.subheader(
        f"Layer 2: {second_count} kernels of {layers.shape_text(second.kernel_shape)} → "
        f"{layers.shape_text(stack.second_maps.shape)}"
    )
    st.caption(
        f"Each layer-2 kernel has {first_count} slices, one per layer-1 map; it reads all of them at once "
        "and adds them into one map. Random kernels, fixed."
    )
    show_maps(stack.second_maps, [f"Channel {i + 1} of layer 2" for i in range(second_count)], "layer2")
    if choice.kernel is not None and result is not None:
        ui.download_code(
            snippets.rgb(
                image.pixels,
                choice.kernel,
                bias=choice.bias,
                first_count=first_count,
                second_count=second_count,
                kernel_size=kernel_size,
                stack_side=STACK_SIDE,
            ),
            "rgb.py",
            "rgb_code",
        )

    wrong = ui.toggle(
        "Try layer-2 kernels with 3 slices, as if the input were still a colour picture", False, "wrong"
    )
    if wrong:
        wrong_weights, _ = layers.layer_kernels(kernel_size, 3, second_count)
        try:
            conv2d(stack.first_maps, wrong_weights)
        except ValueError as error:
            st.error(f"conv2d refuses: {ui.plain(str(error))}", icon=":material/block:")
        else:
            st.info(
                "Layer 1 has exactly 3 kernels, so 3 slices happen to match its 3 maps. "
                "Change the number of layer-1 kernels to see the mismatch."
            )
