"""Edge detection and kernels: a small grid of weights slides over the picture, multiplies and adds."""

import time
from dataclasses import astuple, dataclass, replace

import numpy as np
import plotly.graph_objects as go
import streamlit as st

import ui
from explorer import convolution as conv
from explorer import figures, snippets
from explorer.colormaps import diverging_colorscale, symmetric_limit
from explorer.figures import BOX_COLORS, Box
from explorer.images import to_grayscale
from explorer.kernels import NAMED_KERNELS, SOBEL_HORIZONTAL, kernel_to_text
from explorer.padding import PAD_MODES
from explorer.pixels import clamp_window

ui.ensure_routed()

PREVIEW_SIDE = 640  # big results are shown at most this size; downloads stay full size
TRIO_SIDE = 420  # the three edge pictures side by side
CROP_SIDE = 12  # the step-through works on at most this many pixels a side
STEP_SECONDS = 0.8  # one output cell per tick while playing
CUSTOM = "custom"
MAX_PADDING, MAX_STRIDE, MAX_DILATION = 5, 8, 4  # the layer sliders' upper ends


@dataclass(frozen=True)
class LayerSettings:
    """How the kernel moves: the padding plan, its fill, the stride and the dilation."""

    pad_choice: str
    amount: int
    pad_mode: str
    stride: int
    dilation: int

    def plan(self, kernel_hw: tuple[int, int]) -> conv.PaddingPlan:
        return conv.plan_padding(
            self.pad_choice, self.amount, kernel_hw, stride=self.stride, dilation=self.dilation
        )

    def problem(self, image_hw: tuple[int, ...], kernel_hw: tuple[int, ...]) -> str | None:
        """Why a kernel of this size cannot slide over a picture of that size, or None."""
        return conv.fit_problem(
            image_hw,
            kernel_hw,
            self.plan(kernel_hw).pads,
            self.pad_mode,
            stride=self.stride,
            dilation=self.dilation,
        )


def kernel_controls() -> tuple[str, np.ndarray]:
    """The kernel picker (named kernels, then Custom) and the editor; returns (slug, weights)."""
    options = {slug: named.name for slug, named in NAMED_KERNELS.items()} | {CUSTOM: "Custom: type your own"}
    slug = ui.choice("Kernel", options, "sobel-horizontal", "kernel")
    previous = st.session_state.get("conv_previous_kernel")
    st.session_state["conv_previous_kernel"] = slug
    if slug != CUSTOM:
        return slug, np.asarray(NAMED_KERNELS[slug].weights)
    if previous in NAMED_KERNELS:
        # Just switched from a named kernel: the editor starts from it, ready to change.
        st.session_state[CUSTOM] = kernel_to_text(NAMED_KERNELS[previous].weights)
    kernel = ui.kernel_editor("Your kernel (rows of numbers)", SOBEL_HORIZONTAL.weights, CUSTOM)
    return slug, kernel


def layer_controls() -> LayerSettings:
    """Padding, its fill, stride and dilation, side by side."""
    columns = st.columns([1.1, 1, 1, 1])
    with columns[0]:
        pad_choice = ui.choice(
            "Padding", conv.PADDING_CHOICES, "valid", "pad", widget="radio", horizontal=False
        )
        amount = 0
        if pad_choice == "amount":
            amount = ui.slider("Cells added on each side", 0, MAX_PADDING, 1, "padding")
    with columns[1]:
        modes = {mode: mode for mode in PAD_MODES}
        pad_mode = ui.choice("Padding mode (how the border is filled)", modes, "zeros", "mode")
        st.caption(PAD_MODES[pad_mode].capitalize() + ".")
    with columns[2]:
        stride = ui.slider(
            "Stride", 1, MAX_STRIDE, 1, "stride", help="How many pixels the kernel jumps each move."
        )
    with columns[3]:
        dilation = ui.slider(
            "Dilation",
            1,
            MAX_DILATION,
            1,
            "dilation",
            help="Spacing between the kernel's weights (1 = side by side).",
        )
    return LayerSettings(pad_choice, amount, pad_mode, stride, dilation)


def shown_at(size: tuple[int, int], *, downloads: bool = False) -> str:
    """The caption's note that a big result is shown shrunk, at ``size`` (width, height)."""
    full = "the downloads are full size" if downloads else "the download is full size"
    return f" Shown at {size[0]} × {size[1]}; {full}."


def show_picture(
    pixels: np.ndarray,
    caption: str,
    *,
    side: int = PREVIEW_SIDE,
    say_shrunk: bool = True,
    unchanging: bool = False,
) -> tuple[int, int] | None:
    """A picture enlarged or shrunk for the screen and framed; returns (width, height) if it was shrunk.

    ``unchanging`` pictures (the input, which stays while the controls move) are fitted
    and encoded once and then served from the cache.
    """
    shown, size = (cached_framed_picture if unchanging else ui.framed_picture)(pixels, side)
    shrunk = size if max(pixels.shape[:2]) > side else None
    if shrunk and say_shrunk:
        caption += shown_at(shrunk)
    st.image(shown, caption=caption, output_format=ui.file_format(shown))
    return shrunk


cached_framed_picture = st.cache_data(max_entries=32, show_spinner=False)(ui.framed_picture)


image = ui.current_image()
height, width = image.pixels.shape[:2]
colour_picture = conv.is_colour(image.pixels)
gray = to_grayscale(image.pixels)  # (H, W) uint8

st.title("Edge detection and kernels")
st.markdown(
    "A **kernel** (or filter) is a small grid of weights — the notes use 3 × 3, the industry standard. "
    "It slides over the picture; at each position every pixel under it is multiplied by the weight on "
    "top, and the products are added: that sum is one pixel of the output. This multiply-and-add is "
    "**convolution** (written \\*). With the right weights the sum is 0 where the picture is flat and "
    "large where the brightness jumps — at an **edge**."
)

# The notes' worked example ---------------------------------------------------------------


@st.cache_resource
def notes_example_figures() -> dict[str, go.Figure]:
    """The notes' four grids never change: built once per server, shared read-only."""
    example = conv.notes_example()
    return {
        "notes-picture": figures.value_grid(example.image),
        "notes-kernel": figures.value_grid(example.kernel, signed=True),
        "notes-output": figures.value_grid(example.output, signed=True),
        "notes-shown": figures.value_grid(example.shown),
    }


st.header("The notes' example: finding a horizontal edge")
example = conv.notes_example()
example_figures = notes_example_figures()
first = conv.convolution_step(example.image, example.kernel, 0, 0)
on_edge = conv.convolution_step(example.image, example.kernel, 1, 0)
rows = ", ".join(conv.format_number(value) for value in example.output[:, 0])
shown_rows = ", ".join(str(value) for value in example.shown[:, 0])
st.markdown(
    "The notes take their 6 × 6 picture — three rows of black (0) over three rows of white (255) — "
    "and the **horizontal Sobel** kernel. On the top-left 3 × 3 window, multiply each pixel by the "
    "weight on top of it and add the nine products:"
)
st.code(first.text, language=None, wrap_lines=True)
st.markdown("One row lower, the window covers the edge: the white row meets the negative weights.")
st.code(on_edge.text, language=None, wrap_lines=True)
grid_columns = [1.2, 0.8, 1.2]
alts = {
    "notes-picture": ("Picture 6 × 6", "The 6 × 6 picture: three rows of 0 over three rows of 255."),
    "notes-kernel": ("∗ Horizontal Sobel", "The horizontal Sobel kernel: +1 +2 +1 / 0 0 0 / −1 −2 −1."),
    "notes-output": ("= Output 4 × 4", f"The 4 × 4 output; its rows are {rows}."),
}
for column, (key, (label, alt)) in zip(st.columns(grid_columns), alts.items(), strict=True):
    with column:
        st.markdown(f"**{label}**")
        ui.show_figure(example_figures[key], key, alt=alt)
st.markdown(
    f"Sliding the kernel over all 4 × 4 positions gives the output: every row reads the same across, "
    f"**{rows}** from top to bottom. The large numbers sit exactly where black meets white — the edge. "
    f"But pixels must lie between 0 and 255, and the output holds −1020. So, as the notes say, the "
    f"smallest value (−1020) becomes 0 (black) and the largest (0) becomes 255 (white): the rows become "
    f"**{shown_rows}**, and the edge shows up as a dark band."
)
shown_column, picture_column, _ = st.columns(grid_columns)
with shown_column:
    st.markdown("**After min–max**")
    ui.show_figure(
        example_figures["notes-shown"],
        "notes-shown",
        alt=f"The output as pixels after min–max; its rows are {shown_rows}.",
    )
with picture_column:
    show_picture(example.shown, "The 4 × 4 output as a picture: the edge is the dark band.", side=240)
st.caption(
    "The handwritten notes write this output twice; in the second copy one cell (row 1, column 1) reads "
    "1020 without its minus sign — a slip of the pen. Every cell of those two rows is −1020."
)


def display_choice() -> str:
    """How signed results become pixels; the output and the edge views share it."""
    return ui.choice("Turn the output into pixels by", conv.DISPLAY_CHOICES, "minmax", "show", widget="radio")


def advance_step(total: int, playing: bool) -> None:
    """While playing, move one cell on per tick (wrapping round); pausing stops the clock."""
    if not playing:
        st.session_state.pop("conv_tick", None)
        return
    now = time.monotonic()
    last = st.session_state.get("conv_tick")
    if last is None:
        st.session_state["conv_tick"] = now
    elif now - last >= STEP_SECONDS * 0.75 and "step" in st.session_state:
        st.session_state["step"] = int(st.session_state["step"]) % total + 1
        st.session_state["conv_tick"] = now


def step_through(gray: np.ndarray, kernel: np.ndarray, settings: LayerSettings, playing: bool) -> None:
    """The window on a small input, the arithmetic of one cell and the output filling in."""
    full_h, full_w = gray.shape
    top = left = 0
    if max(full_h, full_w) > CROP_SIDE:
        st.caption(
            f"The picture is big, so this works on a crop of at most {CROP_SIDE} × {CROP_SIDE} pixels "
            "in grayscale; the crop is padded as a small picture of its own."
        )
        crop_columns = st.columns(2)
        with crop_columns[0]:
            top = ui.slider("Crop top row", 0, max(0, full_h - CROP_SIDE), 0, "crop_row")
        with crop_columns[1]:
            left = ui.slider("Crop left column", 0, max(0, full_w - CROP_SIDE), 0, "crop_col")
    window = clamp_window((full_h, full_w), top, left, CROP_SIDE)
    small = window.of(gray)  # (h, w) uint8, at most CROP_SIDE a side
    plan = settings.plan(kernel.shape)
    problem = settings.problem(small.shape, kernel.shape)
    if problem:
        st.warning(problem, icon=":material/crop_free:")
        return
    output = conv.filter_picture(
        small,
        kernel,
        pads=plan.pads,
        pad_mode=settings.pad_mode,
        stride=settings.stride,
        dilation=settings.dilation,
    )  # (h', w') float32
    out_h, out_w = output.shape
    total = out_h * out_w
    advance_step(total, playing)
    step = ui.slider("Step (output cells in reading order)", 1, total, 1, "step")
    row, col = divmod(step - 1, out_w)
    cell = conv.convolution_step(
        small,
        kernel,
        row,
        col,
        pads=plan.pads,
        pad_mode=settings.pad_mode,
        stride=settings.stride,
        dilation=settings.dilation,
    )
    pad_top, _, pad_left, _ = plan.pads
    boxes = [Box(*cell.window, BOX_COLORS[0])]
    if any(plan.pads):
        boxes.insert(0, Box(pad_top, pad_left, small.shape[0], small.shape[1], BOX_COLORS[4]))
    input_column, output_column = st.columns([1.3, 1])
    with input_column:
        st.markdown(
            "**Input**" + (f" with {settings.pad_mode} padding (tinted blue)" if any(plan.pads) else "")
        )
        ui.show_figure(
            conv.grid_figure(
                cell.padded,
                side_px=460,
                row_offset=window.top - pad_top,
                col_offset=window.left - pad_left,
                padding=plan.pads,
                boxes=boxes,
                highlight=cell.taps if settings.dilation > 1 else None,
            ),
            "step-input",
            alt=f"The input grid with the window for output row {row}, column {col} outlined.",
        )
    with output_column:
        st.markdown(f"**Output {out_h} × {out_w}** (grey: not worked out yet)")
        limit = symmetric_limit(output)
        ui.show_figure(
            conv.grid_figure(
                conv.filled_so_far(output, step),
                side_px=340,
                colorscale=diverging_colorscale(),
                zmin=-limit,
                zmax=limit,
                value_format=".4~g",
                highlight=[(row, col)],
            ),
            "step-output",
            alt=f"The output so far: {step} of {total} cells filled, the newest at row {row}, column {col}.",
        )
    kernel_column, sum_column = st.columns([0.7, 1.6])
    with kernel_column:
        st.markdown("**Kernel**")
        ui.show_figure(
            conv.grid_figure(kernel, side_px=200, signed=True, value_format=conv.number_format(kernel)),
            "step-kernel",
            alt="The kernel's weights.",
        )
    with sum_column:
        st.markdown(
            f"**Step {step} of {total}:** output row {row}, column {col} = "
            f"**{conv.format_number(cell.result)}**"
        )
        st.code(cell.rows_text, language=None)
    notes = []
    if any(plan.pads):
        notes.append(
            f"The blue box is the picture; the tinted cells around it are padding ({settings.pad_mode}: "
            f"{PAD_MODES[settings.pad_mode]})."
        )
    if settings.dilation > 1:
        notes.append(f"With dilation {settings.dilation} the weights sit on the yellow cells only.")
    if settings.stride > 1:
        notes.append(f"With stride {settings.stride} the window jumps {settings.stride} pixels each step.")
    if notes:
        st.caption(" ".join(notes))


VIEWS = {
    "output": "Original and output",
    "steps": "Step through, cell by cell",
    "edges": "Edge magnitude (both Sobels)",
}


def code_download(kernel: np.ndarray, settings: LayerSettings, **shown: object) -> None:
    """The current set-up as a runnable NumPy / PyTorch script."""
    source = snippets.convolution(
        image.pixels,
        kernel,
        pad_choice=settings.pad_choice,
        amount=settings.amount,
        pad_mode=settings.pad_mode,
        stride=settings.stride,
        dilation=settings.dilation,
        **shown,
    )
    ui.download_code(source, "convolution.py", "download-code")


def kernel_grid(kernel: np.ndarray) -> None:
    """The kernel's weights as a grid with the numbers written in."""
    st.markdown(f"**Kernel {kernel.shape[0]} × {kernel.shape[1]}**")
    ui.show_figure(
        conv.grid_figure(kernel, side_px=240, signed=True, value_format=conv.number_format(kernel)),
        "kernel-grid",
        alt=f"The kernel's weights: {kernel_to_text(kernel, row_separator=' / ')}.",
    )
    st.caption("Orange weights are positive, purple negative, white 0.")


def size_formulas(kernel: np.ndarray, settings: LayerSettings, plan: conv.PaddingPlan) -> None:
    """The output-size formula with this picture's numbers, for the height and the width."""
    sizes = conv.output_sizes(
        (height, width), kernel.shape, plan.pads, stride=settings.stride, dilation=settings.dilation
    )
    st.markdown(
        "**Output size** = (n − k + 2·p) / s + 1, rounded down — n is the picture's side, "
        "k the kernel's, p the padding and s the stride"
        + (" (dilation d spreads the kernel over d·(k − 1) + 1 pixels)" if settings.dilation > 1 else "")
        + "."
    )
    for side in sizes:
        unit = "rows" if side.name == "height" else "columns"
        result = unit if side.size is not None else f"{unit}: below 1, no room for the kernel"
        st.markdown(f"#### {side.name.capitalize()}: {side.formula} {result}")


def rerun_page() -> None:
    """The view or Play changed: a full rerun, so the lab's timer starts or stops."""
    st.rerun()


@dataclass(frozen=True)
class OutputView:
    """Everything the "Original and output" pictures depend on."""

    slug: str
    kernel: np.ndarray
    settings: LayerSettings
    show: str
    colour: str


def peeked_output_view(slug: str, kernel: np.ndarray) -> OutputView | None:
    """The output view the lab's controls already hold, read before they are drawn, or None.

    On a rerun the controls' new values are in the session before the script reaches
    them, so the pictures (what a change is for) can be worked out and sent first, ahead
    of some forty control and text elements. This is only a head start: the controls are
    still drawn and read as usual, and the pictures are redrawn if they disagree. None
    whenever the reading is not plain (a first run, another view, a value out of range).
    """
    state = st.session_state
    try:
        if state["view"] != "output":
            return None
        pad_choice = state["pad"]
        settings = LayerSettings(
            pad_choice,
            int(state["padding"]) if pad_choice == "amount" else 0,
            state["mode"],
            int(state["stride"]),
            int(state["dilation"]),
        )
        show = state["show"]
        colour = state["colour"] if colour_picture else "gray"
    except (KeyError, ValueError, TypeError):
        return None
    if (
        pad_choice not in conv.PADDING_CHOICES
        or settings.pad_mode not in PAD_MODES
        or not 1 <= settings.stride <= MAX_STRIDE
        or not 1 <= settings.dilation <= MAX_DILATION
        or not 0 <= settings.amount <= MAX_PADDING
        or show not in conv.DISPLAY_CHOICES
        or colour not in conv.COLOUR_CHOICES
    ):
        return None
    return OutputView(slug, kernel, settings, show, colour)


@dataclass(frozen=True)
class ShownOutput:
    """The output as drawn: its raw values and its pixels."""

    values: np.ndarray  # (H', W') or (H', W', 3) float32
    pixels: np.ndarray  # (H', W', 3) uint8


def output_picture(output: ShownOutput, show: str) -> ui.SliderPicture:
    """The output as a picture for the screen, captioned with its size and how it became pixels."""
    out_h, out_w = output.values.shape[:2]
    caption = f"Output: {out_w} × {out_h}, {conv.DISPLAY_CHOICES[show].lower()}."
    picture = ui.slider_picture(output.pixels, caption, PREVIEW_SIDE)
    if max(out_h, out_w) > PREVIEW_SIDE:
        picture = replace(picture, caption=caption + shown_at((picture.width, picture.height)))
    return picture


def output_at(view: OutputView, stride: int) -> ShownOutput:
    """The output with the view's settings at this stride (the border does not depend on it)."""
    settings = replace(view.settings, stride=stride)
    output = conv.filter_picture(
        image.pixels,
        view.kernel,
        colour=view.colour,
        pads=settings.plan(view.kernel.shape).pads,
        pad_mode=settings.pad_mode,
        stride=stride,
        dilation=settings.dilation,
    )  # (H', W') or (H', W', 3) float32
    return ShownOutput(output, conv.to_pixels(output, view.show))  # pixels: (H', W', 3) uint8


def stride_pictures(view: OutputView, shown: ShownOutput) -> dict[int, ui.SliderPicture]:
    """The output picture at every stride the slider offers, so moving it swaps them at once.

    A kernel that fits at one stride fits at all (the border does not depend on the
    stride), and strides shrink the output by their square: all eight together cost
    about 2.5 times the first (17 ms against 7 for a 1024-pixel photo). The others are
    kept for the session until anything but the stride changes.
    """
    # Plain values only: the page's classes are made anew on every run, so they never compare equal.
    others_key = (
        view.slug, view.kernel.tobytes(), view.kernel.shape,
        astuple(replace(view.settings, stride=0)), view.show, view.colour,
    )  # fmt: skip
    kept = st.session_state.get("conv_stride_pictures")
    if kept is None or kept[0] is not image.pixels or kept[1] != others_key:
        others = (stride for stride in range(1, MAX_STRIDE + 1) if stride != view.settings.stride)
        kept = (
            image.pixels,
            others_key,
            {stride: output_picture(output_at(view, stride), view.show) for stride in others},
        )
        st.session_state["conv_stride_pictures"] = kept
    kept[2][view.settings.stride] = output_picture(shown, view.show)
    return dict(sorted(kept[2].items()))


def output_pictures(view: OutputView, key: str) -> ShownOutput | None:
    """Original and output side by side; None (with the reason shown) when the kernel cannot fit."""
    settings = view.settings
    problem = settings.problem((height, width), view.kernel.shape)
    if problem:
        st.warning(problem, icon=":material/crop_free:")
        return None
    shown = output_at(view, settings.stride)
    before, after = st.columns(2)
    with after:
        ui.slider_pictures("Stride", stride_pictures(view, shown), settings.stride, key)
    with before:
        seen_as = "" if view.colour == "rgb" else " in grayscale, as the kernel sees it"
        show_picture(
            image.pixels if view.colour == "rgb" else gray,
            f"Original{seen_as}: {width} × {height}.",
            unchanging=True,
        )
    return shown


def lab(slug: str, kernel: np.ndarray) -> None:
    """Everything the layer controls change: a fragment, so a change reruns only this part.

    The kernel comes from the picker above it; picking another reruns the whole page.
    """
    # The pictures sit below the controls but are sent first when the controls' values can
    # be read ahead (see peeked_output_view), so a change shows as soon as it can.
    controls = st.container()
    pictures = st.empty()
    early = peeked_output_view(slug, kernel)
    shown = None
    if early is not None:
        with pictures.container():
            shown = output_pictures(early, "output-pictures")

    with controls:
        st.subheader("Padding, stride and dilation")
        settings = layer_controls()
        plan = settings.plan(kernel.shape)
        if plan.note:
            st.info(plan.note, icon=":material/info:")
        size_box = st.container(border=True)
        problem = settings.problem((height, width), kernel.shape)

        # Which part to show -----------------------------------------------------------------
        # Only the chosen part is worked out and drawn, so a change of kernel or stride only
        # waits for what is on screen.
        view = ui.choice("Show", VIEWS, "output", "view", widget="radio", on_change=rerun_page)

        if view == "output":
            st.header("Original and output")
            choices, meaning = st.columns([1.3, 1])
            with choices:
                show = display_choice()
                colour = (
                    ui.choice("Colour picture", conv.COLOUR_CHOICES, "gray", "colour", widget="radio")
                    if colour_picture
                    else "gray"
                )
            with meaning:
                st.caption(f"**{conv.DISPLAY_CHOICES[show]}:** {conv.DISPLAY_MEANINGS[show]}.")
                if colour == "rgb":
                    st.caption("Each of red, green and blue is filtered on its own, then put back together.")

    if view == "output":
        # Original and output -------------------------------------------------------------------
        # The kernel is the lab's argument, so only the controls' readings can disagree.
        if early is None or (early.settings, early.show, early.colour) != (settings, show, colour):
            with pictures.container():
                view_now = OutputView(slug, kernel, settings, show, colour)
                # (The early pictures hold their key in this run, hence another.)
                key = "output-pictures" if early is None else "output-pictures-again"
                shown = output_pictures(view_now, key)
        if shown is not None:
            low, high = conv.value_range(shown.values)
            out_h, out_w = shown.values.shape[:2]
            metrics = st.columns([1, 1, 1, 1.2])
            metrics[0].metric("Smallest raw value", conv.format_number(low))
            metrics[1].metric("Largest raw value", conv.format_number(high))
            metrics[2].metric("Output size", f"{out_h} × {out_w}")
            with metrics[3]:
                ui.download_png(
                    shown.pixels, f"output-{slug}.png", "download-output", label="Download output PNG"
                )
            code_download(kernel, settings, show=show, colour=colour)

    elif view == "steps":
        # Step through ------------------------------------------------------------------------
        st.header("Step through the convolution")
        st.markdown(
            "Watch one output cell being made, in grayscale as in the notes: the orange box is the "
            "window under the kernel, and below it the multiply-and-add is written out. Press **Play** "
            f"and the kernel slides across on its own, one cell every {STEP_SECONDS:g} s, filling the "
            "output in reading order."
        )
        playing = ui.toggle("Play: slide the kernel by itself", False, "play", on_change=rerun_page)
        step_through(gray, kernel, settings, playing)
        if not problem:
            code_download(kernel, settings)

    else:
        # Edge magnitude ----------------------------------------------------------------------
        st.header("Horizontal + vertical = edge magnitude")
        show = display_choice()
        st.markdown(
            "The horizontal Sobel kernel finds horizontal edges and the vertical one vertical edges. "
            "Treat the two results h and v as the two sides of a right triangle: the long side, "
            "**√(h² + v²)**, is the edge strength in any direction, and it is never negative."
        )
        sobel_plan = settings.plan(SOBEL_HORIZONTAL.weights.shape)
        sobel_problem = settings.problem((height, width), SOBEL_HORIZONTAL.weights.shape)
        if sobel_problem:
            st.warning(sobel_problem, icon=":material/crop_free:")
        else:
            edges = conv.sobel_edges(
                gray,
                pads=sobel_plan.pads,
                pad_mode=settings.pad_mode,
                stride=settings.stride,
                dilation=settings.dilation,
            )
            trio = st.columns(3)
            shrunk = None
            for column, values, name, key in zip(
                trio,
                [edges.horizontal, edges.vertical, edges.magnitude],
                ["Horizontal Sobel (h)", "Vertical Sobel (v)", "Edge magnitude √(h² + v²)"],
                ["h", "v", "magnitude"],
                strict=True,
            ):
                pixels = conv.to_pixels(values, show)  # (H', W', 3) uint8
                low, high = conv.value_range(values)
                flat = f" Every value is {conv.format_number(low)}: nothing found." if low == high else ""
                with column:
                    shrunk = show_picture(pixels, f"{name}.{flat}", side=TRIO_SIDE, say_shrunk=False)
                    ui.download_png(
                        pixels, f"sobel-{key}.png", f"download-{key}", label=f"Download {key} PNG"
                    )
            note = shown_at(shrunk, downloads=True) if shrunk else ""
            st.caption(f"All three {conv.DISPLAY_CHOICES[show].lower()}.{note}")
            row, col, strongest = edges.strongest()
            st.markdown(f"Strongest edge at row {row}, column {col}: **{strongest}**.")
            code_download(SOBEL_HORIZONTAL.weights, settings, show=show, edges=True)

    with size_box:
        size_formulas(kernel, settings, plan)


# Try any kernel --------------------------------------------------------------------------
st.header("Try any kernel on your picture")
pick, weights = st.columns([1.2, 1])
with pick:
    kernel_slug, kernel_weights = kernel_controls()
    if kernel_slug != CUSTOM:
        st.markdown(f"**{NAMED_KERNELS[kernel_slug].name}.** {NAMED_KERNELS[kernel_slug].meaning}")
    else:
        st.caption("Odd or even sides, square or not, 1 × 1 up to 7 × 7.")
with weights:
    kernel_grid(kernel_weights)

# The lab reruns on its own when a control inside it changes, without the sidebar, the
# notes' example and the kernel above; while Play is on in the step-through it also reruns
# on a timer. A fragment rerun reuses the kernel it was last given.
playing_now = st.session_state.get("view") == "steps" and st.session_state.get("play") is True
st.fragment(lab, run_every=STEP_SECONDS if playing_now else None)(kernel_slug, kernel_weights)

# Why edges -------------------------------------------------------------------------------
st.header("Why start with edges?")
st.markdown(
    "The notes compare a CNN with the visual cortex: its first layer (V1) picks out edges, the next "
    "(V2) perhaps depth, a later one (V3) colour, and only after many layers is the picture understood. "
    "Edges are not the only thing needed — colour, depth and much more matter too — so there are many "
    "kernels, of many shapes: slant lines, blurs, sharpening and others are in the list above. In a CNN "
    "nobody types the weights: they start random and are **learned** from examples, and how many kernels "
    "a layer has is a choice (a hyperparameter)."
)
