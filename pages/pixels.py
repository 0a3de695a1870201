"""Images are numbers: pixels, channels, resolution and flattening."""

import streamlit as st

import ui
from explorer import figures, pixels, snippets
from explorer.images import resample

ui.ensure_routed()

DISPLAY_SIDE = 480  # screen pixels for the longer side of small pictures

image = ui.current_image()
height, width = image.pixels.shape[:2]

st.title("Images are numbers")
st.markdown(
    "A computer cannot see a picture; it stores a grid of **pixels**, the smallest boxes of the "
    "picture, and each box holds a number from **0 (black)** to **255 (white)**. A colour picture "
    "holds three such grids — **red, green and blue** — so it is a block of "
    f"height × width × 3 numbers. This one is **{height} × {width} × 3 = {height * width * 3:,} numbers**."
)


@st.fragment
def pixel_grid() -> None:
    """Zoom: a window of the picture with its numbers written in."""
    st.header("Zoom in until the numbers show")
    controls, picture, grid = st.columns([1, 1.2, 1.6])
    with controls:
        channel = ui.choice("Numbers of", pixels.CHANNELS, "gray", "channel")
        size = ui.slider(
            "Window size (pixels a side)", 2, 24, 12, "window", help="Up to 24 × 24 cells show their values."
        )
        top = ui.slider("Window top row", 0, max(0, height - 1), 0, "row")
        left = ui.slider("Window left column", 0, max(0, width - 1), 0, "col")
    window = pixels.clamp_window((height, width), top, left, size)
    with picture:
        shown = ui.fit_for_display(image.pixels, DISPLAY_SIDE)
        st.image(
            pixels.draw_window(shown, window, shown.shape[1] / width),
            caption=f"The yellow box is the window: rows {window.top}–{window.top + window.height - 1}, "
            f"columns {window.left}–{window.left + window.width - 1}.",
        )
    with grid:
        ui.show_figure(
            figures.value_grid(
                pixels.channel(window.of(image.pixels), channel),
                colorscale=channel,
                row_offset=window.top,
                col_offset=window.left,
            ),
            "pixel-grid",
            alt=f"{pixels.CHANNELS[channel]} values of the {window.height} × {window.width} window, "
            "written in each cell.",
        )
        st.caption(
            f"{pixels.CHANNELS[channel]}: 0 is black, 255 is full brightness. Hover or zoom for details."
        )


@st.fragment
def channels() -> None:
    """The three colour grids and the brightness, side by side."""
    st.header("One picture, three grids")
    st.markdown(
        "The eye mixes red, green and blue light, so a colour picture stores one grid per colour: "
        "its **channels**. Where a channel is bright, that colour is strong. Grayscale is the "
        "brightness a single-channel camera would record: 0.299 R + 0.587 G + 0.114 B."
    )
    tinted = ui.toggle("Show each channel in its own colour", True, "tint")
    preview = ui.fit_for_display(image.pixels, 320)
    for column, name in zip(st.columns(4), ["red", "green", "blue", "gray"], strict=True):
        plane_shown = pixels.channel(preview, name)
        with column:
            st.image(pixels.tint(plane_shown, name) if tinted else plane_shown, caption=pixels.CHANNELS[name])


@st.fragment
def resolution() -> None:
    """The same picture with fewer pixels."""
    st.header("Fewer pixels, less detail")
    st.markdown(
        "Each pixel holds one colour. With fewer pixels, each box has to cover more of the scene, "
        "so several colours get averaged into one and detail is lost."
    )
    longest = max(height, width)
    side = ui.slider("Pixels on the longer side", 1, longest, min(longest, 16), "res")
    small = resample(image.pixels, side)
    before, after = st.columns(2)
    with before:
        ui.show_image(image.pixels, f"Original: {width} × {height} = {width * height:,} pixels", side=640)
    with after:
        ui.show_image(
            small,
            f"{small.shape[1]} × {small.shape[0]} = {small.shape[0] * small.shape[1]:,} pixels, "
            "each drawn as a block",
            side=640,
        )
        ui.download_png(small, f"pixels-{small.shape[1]}x{small.shape[0]}.png", "res_png")


@st.fragment
def flattening() -> None:
    """The notes' 6 × 6 → 36: a picture laid out as one vector."""
    st.header("Why not just flatten the picture?")
    st.markdown(
        "Classic machine learning wants one row of numbers per example, so the simplest idea is to lay "
        "the rows of pixels end to end: the notes' 6 × 6 picture becomes a vector of 36 numbers. "
        "It works, technically, but badly: pixels that touched in the picture end up far apart in "
        "the vector, and the model has to relearn every pattern at every position. Convolution keeps "
        "neighbours together — that is what the next pages show."
    )
    flat_side = ui.slider("Shrink to at most this many pixels a side, then flatten", 2, 12, 6, "flat")
    flat = pixels.flatten(image.pixels, flat_side)
    focus_row, focus_col = flat.grid.shape[0] // 2, flat.grid.shape[1] // 2
    neighbours = flat.neighbours(focus_row, focus_col)
    grid_column, text_column = st.columns([1, 1])
    with grid_column:
        ui.show_figure(
            figures.value_grid(
                flat.grid, highlight=list(flat.neighbour_cells(focus_row, focus_col).values())
            ),
            "flatten-grid",
            alt=f"The {flat.shape_text} grayscale grid with its values.",
        )
    with text_column:
        st.metric("Numbers in the vector", flat.formula)
        st.markdown(
            f"The outlined cell (row {focus_row}, column {focus_col}) sits at position "
            f"**{neighbours['cell']}** of the vector. Its neighbour just above is at position "
            f"**{neighbours.get('above', '—')}** and the one below at **{neighbours.get('below', '—')}**: "
            f"{flat.grid.shape[1]} places away, though they touched in the picture."
        )
        st.caption(
            f"A colour picture of this size would give {flat.vector.size} × 3 = "
            f"{flat.vector.size * 3} numbers."
        )
    ui.show_figure(
        figures.vector_strip(flat.vector, highlight=neighbours),
        "flatten-vector",
        alt=f"The grid laid out as one row of {flat.vector.size} numbers.",
    )
    # The zoom's settings as the controls above last set them (that section reruns on its own).
    state = st.session_state
    zoom = pixels.clamp_window(
        (height, width), state.get("row", 0), state.get("col", 0), state.get("window", 12)
    )
    ui.download_code(
        snippets.pixels(
            image.pixels,
            channel=state.get("channel", "gray"),
            window=(zoom.top, zoom.left, zoom.height, zoom.width),
            flat_side=flat_side,
        ),
        "pixels.py",
        "pixels_code",
    )


pixel_grid()
channels()
resolution()
flattening()
