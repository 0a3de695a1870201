"""Padding and strides: the border that keeps the size, the jumps that shrink it, and the formulas."""

from dataclasses import dataclass

import pandas as pd
import streamlit as st

import ui
from explorer import figures, geometry, snippets
from explorer.images import to_grayscale
from explorer.padding import PAD_MODES, as_padding4, check_pad_fits, pad
from explorer.pixels import Window, clamp_window

ui.ensure_routed()

MAX_CROP = 12  # cells a side: the padded grid (up to 18 × 18) still shows its numbers
DEFAULT_CROP = 8
MODE_NAMES = {
    "zeros": "Zeros",
    "reflect": "Reflect",
    "replicate": "Replicate (nearby values)",
    "circular": "Wrap around",
}
VISIT_SCALE = [[0.0, "#ffffff"], [1.0, "#56B4E9"]]
NOTES_EXAMPLES = {"pad": {"n_pad": 1, "s": 1}, "stride": {"n_pad": 0, "s": 2}}


def mode_meaning(mode: str) -> str:
    """'Zeros: fill the new border with 0', without saying 'wrap around' twice."""
    meaning = PAD_MODES[mode]
    if meaning.lower().startswith(MODE_NAMES[mode].lower()):
        return meaning[0].upper() + meaning[1:]
    return f"{MODE_NAMES[mode]}: {meaning}"


@dataclass(frozen=True)
class SweepControls:
    """What the controls ask for: the crop of the picture and the sweep over it."""

    window: Window
    padding: int
    pad_mode: str
    kernel: int
    stride: int


def use_notes_example(name: str, crop_max: int) -> None:
    """Button callback: set the controls to one of the notes' 6 × 6, 3 × 3 examples."""
    st.session_state.update(NOTES_EXAMPLES[name], k=3)
    if crop_max >= 6:
        st.session_state["pad_crop"] = 6


def sweep_controls(height: int, width: int) -> SweepControls:
    """Draw the crop, padding, kernel and stride controls; return what they say."""
    crop_max = min(MAX_CROP, height, width)
    low, default = min(3, crop_max), min(DEFAULT_CROP, crop_max)
    side = ui.slider("Input size n (a square crop of the picture)", low, crop_max, default, "pad_crop")
    top, left = (height - side) // 2, (width - side) // 2
    if height > side:
        top = ui.slider("Crop top row", 0, height - side, top, "pad_row")
    if width > side:
        left = ui.slider("Crop left column", 0, width - side, left, "pad_col")
    padding = ui.slider("Padding p (cells added on each side)", 0, 3, 1, "n_pad")
    pad_mode = ui.choice(
        "Fill the border with", MODE_NAMES, "zeros", "pad_mode", widget="radio", horizontal=False
    )
    st.caption(f"{mode_meaning(pad_mode)}.")
    kernel = ui.slider("Kernel size k", 1, 7, 3, "k")
    stride = ui.slider("Stride s (cells per jump)", 1, 4, 1, "s")
    st.caption("The notes' examples on a 6 × 6 input with a 3 × 3 kernel:")
    left_button, right_button = st.columns(2)
    left_button.button("Padding 1", key="pad_example", on_click=use_notes_example, args=("pad", crop_max))
    right_button.button(
        "Stride 2", key="stride_example", on_click=use_notes_example, args=("stride", crop_max)
    )
    return SweepControls(clamp_window((height, width), top, left, side), padding, pad_mode, kernel, stride)


image = ui.current_image()
height, width = image.pixels.shape[:2]

st.title("Padding and strides")
st.markdown(
    "Each pass of a kernel **shrinks the picture** (a 3 × 3 kernel turns 6 × 6 into 4 × 4), and the "
    "border pixels are seen by fewer windows than the middle ones. **Padding** adds a border first, "
    "filled with zeros or with the nearby values so that no artificial edge appears, and the output "
    "keeps its size. The **stride** is how far the kernel jumps, horizontally and vertically, "
    "between positions: a stride of 2 skips every other position and roughly halves the output."
)

# The padded input and the kernel's jumps ------------------------------------------------
st.header("Pad the input, then let the kernel jump")
controls_column, grid_column, output_column = st.columns([1, 2.2, 1], gap="medium")
with controls_column:
    controls = sweep_controls(height, width)
window, p, k, s = controls.window, controls.padding, controls.kernel, controls.stride
n = window.height
crop = to_grayscale(window.of(image.pixels))  # (n, n)
pad_mode = controls.pad_mode
try:
    check_pad_fits(crop.shape, as_padding4(p), pad_mode)
except ValueError as error:
    st.warning(f"{ui.plain(str(error).capitalize())}: showing zero padding instead.")
    pad_mode = "zeros"
padded = pad(crop, p, pad_mode)  # (n + 2p, n + 2p)
sweep = geometry.Sweep(n, k, p, s)

with controls_column:
    if (n, n) != (height, width):
        st.image(
            geometry.crop_locator(image.pixels, window),
            caption=f"The {n} × {n} crop (yellow box) of the {width} × {height} picture, in gray.",
        )
with grid_column:
    ui.show_figure(
        geometry.sweep_figure(padded, sweep),
        "pad-grid",
        alt=f"The {n} × {n} input padded to {sweep.padded} × {sweep.padded} with "
        f"{MODE_NAMES[pad_mode].lower()}; {len(sweep.window_origins())} window positions marked; "
        f"{len(sweep.unreached)} rows and columns never reached.",
    )
    fill = MODE_NAMES[pad_mode].lower()
    jumps = (
        f"**Coloured squares 1, 2 and {sweep.output + 1}**: the first window, the next one to the right "
        f"and the first one of the next row — each {s} {'cell' if s == 1 else 'cells'} on."
        if sweep.output > 1
        else "**Coloured square 1**: the only window position."
    )
    legend = [
        f"**Blue outline**: the {n} × {n} input.",
        f"**Blue wash**: the {p} added {'cell' if p == 1 else 'cells'} on each side, {fill}." if p else "",
        "**Dots**: the top-left cell of every window position." if sweep.fits else "",
        jumps if sweep.fits else "",
        "**Red-orange wash and ⊗**: never reached by any window." if len(sweep.unreached) else "",
    ]
    st.caption(" ".join(part for part in legend if part))
with output_column:
    if sweep.fits:
        ui.show_figure(
            geometry.output_figure(sweep),
            "pad-output",
            alt=f"The {sweep.output} × {sweep.output} output, each cell numbered with its window.",
        )
        st.metric("Output size", f"{sweep.output} × {sweep.output}")
        st.caption("One output cell per window position, numbered like the windows.")
        ui.download_code(
            snippets.padding_stride(crop, padding=p, pad_mode=pad_mode, kernel=k, stride=s),
            "padding_stride.py",
            "pad_code",
        )
    else:
        st.error(
            f"The {k} × {k} kernel does not fit in the {sweep.padded} × {sweep.padded} padded input: "
            f"{sweep.formula}, below 1. Add padding or pick a smaller kernel.",
            icon=":material/block:",
        )

# The four formulas ----------------------------------------------------------------------
st.header("How big is the output?")
st.markdown(
    f"The notes' four formulas with your numbers: **n = {n}** (input), **k = {k}** (kernel), "
    f"**p = {p}** (padding), **s = {s}** (stride). They are one formula; the first three just set "
    "p = 0 or s = 1."
)
cases = geometry.size_cases(n, k, p, s)
for row in (cases[:2], cases[2:]):
    for column, case in zip(st.columns(2), row, strict=True):
        with column.container(border=True):
            badge = " :green-badge[:material/check: applies now]" if case.applies else ""
            st.markdown(f"**({case.number}) {case.name}** — {case.general}{badge}")
            size = f"{case.size} × {case.size}" if case.size else "the kernel does not fit"
            st.markdown(f"#### `{case.formula}`\n→ **{size}**")
note = geometry.rounding_note(sweep)
if note:
    st.warning(note, icon=":material/content_cut:")

table = geometry.size_table(n, k)
st.subheader(f"Output side for every stride and padding (n = {n}, k = {k})")
frame = pd.DataFrame(
    table.cells,
    index=[f"stride {stride}" for stride in table.strides],
    columns=[f"padding {padding}" for padding in table.paddings],
)
highlight = pd.DataFrame("", index=frame.index, columns=frame.columns)
highlight.iloc[table.strides.index(s), table.paddings.index(p)] = (
    "background-color: #F0E442; font-weight: bold"
)
st.table(frame.style.apply(lambda _: highlight, axis=None))
st.caption(
    "Yellow: your settings. “2.5 → 2” means the size was rounded down. "
    + (" ".join(f"— {why}" for why in table.why) if table.why else "")
)

# Why pad --------------------------------------------------------------------------------
st.header("Why pad? The picture shrinks and the border is seen less")
chain = geometry.shrinking_chain(n, k, p, s, layers=5)
stops = " → ".join(f"{side} × {side}" for side in chain)
if len(chain) > 1 and chain[-1] == chain[-2]:
    ends = f": the size stays {chain[-1]} × {chain[-1]} at every layer."
elif not geometry.Sweep(chain[-1], k, p, s).fits:
    ends = f" → the {k} × {k} kernel no longer fits: nothing is left to look at."
else:
    ends = " → …"
first, second = st.columns([1.2, 1])
with first:
    st.markdown(
        f"**Layer after layer** with this kernel, padding and stride: {stops}{ends}\n\n"
        "The notes: *the image will get disappeared* after a few layers. With padding p = (k − 1) / 2 and "
        "stride 1 the size stays the same at every layer (the notes' padding (1, 1) with a 3 × 3 kernel)."
    )
    st.markdown(
        "**Which fill?** Zeros (or ones) make a border that may differ from the picture, an "
        "*artificial edge* the kernel will find. Filling with the nearby values (replicate, reflect) "
        "just extends the picture and creates no edge."
    )
    st.markdown(
        "The notes' examples: padding (1, 1) on 6 × 6 with a 3 × 3 kernel keeps 6 × 6: "
        f"`{geometry.Sweep(6, 3, 1, 1).formula}`. Stride 2 on 6 × 6 with a 3 × 3 kernel gives "
        f"**2 × 2**: `{geometry.Sweep(6, 3, 0, 2).formula}`, rounded down."
    )
with second:
    counts = sweep.visit_counts()[p : p + n, p : p + n]  # (n, n): the original input only
    top_count = int(counts.max()) if counts.size else 0
    ui.show_figure(
        figures.value_grid(counts, colorscale=VISIT_SCALE, zmin=0, zmax=max(1, top_count)),
        "pad-visits",
        alt=f"How many windows see each of the {n} × {n} input pixels; corner {counts[0, 0]}, "
        f"most {top_count}.",
    )
    st.caption(
        f"How many windows see each input pixel: the corner pixel {counts[0, 0]} "
        f"{'time' if counts[0, 0] == 1 else 'times'}, the busiest {top_count}. More padding evens this out."
    )

# The padded picture ---------------------------------------------------------------------
st.header("The padded picture")
picture_column, modes_column = st.columns([1, 1.4])
with picture_column:
    picture = geometry.padded_picture(padded, p, 360)
    st.image(
        picture,
        width=picture.shape[1],
        output_format="PNG",
        caption=(
            f"{n} × {n} input padded to {sweep.padded} × {sweep.padded} ({MODE_NAMES[pad_mode].lower()})"
            if p
            else f"{n} × {n} input, no padding"
        )
        + ", each pixel drawn as a block; blue outline = the input.",
    )
    ui.download_png(picture, f"padded-{pad_mode}-p{p}.png", "pad_png")
with modes_column:
    st.markdown(
        "**All four fillings of the same border**"
        if p
        else "**Set padding above 0 to compare the fillings.**"
    )
    for column, mode in zip(st.columns(2) + st.columns(2), MODE_NAMES, strict=True):
        try:
            check_pad_fits(crop.shape, as_padding4(p), mode)
        except ValueError as error:
            column.caption(f"{MODE_NAMES[mode]}: {ui.plain(str(error))}.")
            continue
        small = geometry.padded_picture(pad(crop, p, mode), p, 200)
        column.image(
            small,
            width=small.shape[1],
            output_format="PNG",
            caption=mode_meaning(mode),
        )
