"""From layers to VGG16: compose a network and follow every shape, parameter and multiply–add."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import ui
from explorer import architecture as arch

ui.ensure_routed()

MAX_TEXT = 1500  # characters of layer text (VGG16 takes about 420)
PRESET_LABELS = {slug: preset.label for slug, preset in arch.PRESETS.items()}
SYNTAX = """
| line | layer |
|---|---|
| `input 28 28 1` | the picture: height, width, channels (1 gray, 3 colour) |
| `conv 8 3 same 1` | convolution: filters, kernel size, padding (a number, `same` or `valid`), stride |
| `maxpool 2` · `avgpool 3 2` | pooling: window size, then the stride (the window size if left out) |
| `relu` · `leaky_relu` · `tanh` · `sigmoid` | activation |
| `batchnorm` | batch normalization |
| `flatten` | the maps laid end to end as one vector |
| `dense 32` | fully connected layer with 32 units |
| `dropout 0.2` | drop 20 % of the values while training |
| `softmax` | class scores → probabilities |

Blank lines and anything after `#` are ignored; `;` separates layers written on one line.
"""
PROBLEM_STYLE = "background-color: #fde0dd; font-weight: bold"
NOT_COMPUTED_STYLE = "color: #9e9e9e"


@st.cache_data(max_entries=64, show_spinner=False)
def read_network(text: str) -> arch.ComposedNetwork | str:
    """The network a text describes, or the reason it cannot be read (naming the line)."""
    try:
        return arch.compose(text)
    except arch.NetworkTextError as error:
        return str(error)


@st.cache_data(max_entries=64, show_spinner=False)
def cost_figure(text: str, log_scale: bool) -> go.Figure:
    """The parameter and multiply–add bars of a (readable) network text."""
    return arch.cost_figure(read_network(text).report, log_scale=log_scale)


@st.cache_data(max_entries=32, show_spinner=False)
def flatten_figure(shape: tuple[int, int, int], order: str) -> go.Figure:
    return arch.flatten_figure(shape, order=order)


def load_preset() -> None:
    """A new preset replaces the layer text."""
    st.session_state["layers"] = arch.PRESETS[st.session_state["net"]].text


def network_controls() -> tuple[str, arch.ComposedNetwork]:
    """The preset and the layer text; a text that cannot be read keeps the last one that could."""
    slug = ui.choice("Start from", PRESET_LABELS, "small-cnn", "net", on_change=load_preset)
    preset = arch.PRESETS[slug]
    st.caption(preset.about)
    text = ui.text(
        "The network, one layer per line",
        preset.text,
        "layers",
        max_chars=MAX_TEXT,
        help="Edit, add or delete lines; the table follows. See “How to write a layer” below.",
    )
    if text != preset.text:
        note, reset = st.columns([3, 1])
        note.caption("Edited from the preset — the link carries your layers.")
        reset.button("Undo edits", key="arch_reset", on_click=load_preset, icon=":material/undo:")
    with st.expander("How to write a layer"):
        st.markdown(SYNTAX)
    view = read_network(text)
    if isinstance(view, str):
        st.error(f"This network cannot be read: {ui.plain(view)}", icon=":material/edit_off:")
        text = st.session_state.get("arch_last_good", preset.text)
        view = read_network(text)
        st.caption("Still showing the last network that could be read.")
    st.session_state["arch_last_good"] = text
    return text, view


def shape_words(shape: tuple[int, ...]) -> str:
    return " × ".join(str(side) for side in shape) if len(shape) == 3 else f"{shape[0]:,} numbers"


def totals(view: arch.ComposedNetwork) -> None:
    """The headline numbers and, if any, the impossible layer with its formula."""
    report = view.report
    first, second = st.columns(2)
    first.metric("Parameters", f"{report.total_params:,}")
    second.metric("Multiply–adds per picture", f"{report.mult_adds:,}")
    first.metric("Trainable", f"{report.trainable:,}")
    second.metric("Non-trainable", f"{report.non_trainable:,}")
    st.metric("Output" if report.ok else "Output, up to the flagged layer", shape_words(report.output_shape))
    problem = report.problem
    if problem is not None:
        st.error(
            f"**Layer {problem.index} ({ui.plain(problem.name)}) cannot work here:** "
            f"{ui.plain(problem.problem)}. The layers after it are not computed, so the totals stop "
            "before it.",
            icon=":material/block:",
        )
    st.markdown(
        "**How the counts work.** A convolution learns (kernel × kernel × input channels + 1 bias) "
        "numbers per filter; a dense layer (inputs + 1) per unit. **Pooling trains nothing**: it only "
        "keeps the largest or the average value of each window. **Batch norm** learns a scale and a "
        "shift per channel, and also keeps a running mean and variance per channel that are measured, "
        "not trained: those are its non-trainable parameters."
    )


def table(view: arch.ComposedNetwork) -> None:
    """Every layer's output shape, parameters, work and receptive field."""
    rows = view.report.rows
    frame = pd.DataFrame(
        [
            {
                "no.": row.index,
                "layer": row.name,
                "output shape": row.shape_text,
                "trainable": f"{row.trainable:,}" if row.status == "ok" else "—",
                "non-trainable": f"{row.non_trainable:,}" if row.status == "ok" else "—",
                "multiply–adds": f"{row.mult_adds:,}" if row.status == "ok" else "—",
                "receptive field": row.receptive_text,
                "size formula": row.problem or row.formula or ("not computed" if row.status != "ok" else ""),
            }
            for row in rows
        ]
    )
    styles = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for row in rows:
        if row.status == "impossible":
            styles.iloc[row.index] = PROBLEM_STYLE
        elif row.status == "not computed":
            styles.iloc[row.index] = NOT_COMPUTED_STYLE
    st.table(frame.style.apply(lambda _: styles, axis=None))  # the index is the layer number
    st.caption(
        "Shapes are height × width × channels, then the length of the flat vector. Multiply–adds count "
        "each product-and-sum of a convolution or dense layer for one picture (bias additions and the "
        "cheap element-wise layers are left out). The receptive field is the patch of the input picture "
        "one value can see; the jump is how far apart, in input pixels, two neighbouring values look."
    )


def where_it_lives(text: str, view: arch.ComposedNetwork) -> None:
    """The parameter and multiply–add charts, and why the first dense layer is so big."""
    st.header("3 · Where the parameters and the work live")
    report = view.report
    chart, words = st.columns([3, 2])
    with words:
        log_scale = ui.toggle("Logarithmic scale (small layers stay visible)", False, "log")
        leaders = arch.cost_leaders(report)
        if leaders is not None:
            biggest, busiest = leaders.biggest, leaders.busiest
            st.markdown(
                f"Layer {biggest.index} (**{biggest.name}**) holds **{leaders.parameter_share:.0%}** of the "
                f"parameters, and layer {busiest.index} (**{busiest.name}**) does the most work: "
                f"**{leaders.work_share:.0%}** of the multiply–adds."
            )
            if isinstance(biggest.layer, arch.Dense):
                inputs = report.rows[biggest.index - 1].output_shape[0]
                st.markdown(
                    f"A dense layer connects every one of its **{inputs:,}** inputs to each of its "
                    f"**{biggest.layer.units:,}** units: {inputs:,} × {biggest.layer.units:,} weights. "
                    "A convolution reuses one small kernel at every position, so it needs few "
                    "parameters but does a lot of work on big maps; the dense layer after flatten is "
                    "the opposite."
                )
        else:
            st.markdown("This network has nothing to learn yet: add a convolution or a dense layer.")
    with chart:
        ui.show_figure(
            cost_figure(text, log_scale),
            "arch-costs",
            alt=f"Bar charts of parameters ({report.total_params:,} in all) and multiply–adds "
            f"({report.mult_adds:,} in all) for each layer that has them.",
        )


def flatten_section(view: arch.ComposedNetwork) -> None:
    """The last feature maps laid end to end: the image embedding."""
    st.header("4 · Flatten: the feature maps become the embedding")
    st.markdown(
        "After the convolutions, the picture has become a block of feature maps. **Flatten** lays "
        "them end to end as one long vector — the **image embedding** — which a dense network (or any "
        "machine-learning model) can take. The notes' example: maps of 4 × 9 × 5 become a vector of "
        "4 × 9 × 5 = **180** numbers (the preset “The notes' 4 × 9 × 5 → 180 embedding”)."
    )
    row = view.report.flatten_row
    if row is None:
        st.info(
            "This network has no flatten after its feature maps (or it stops before one): add a "
            "`flatten` line after the last pooling to see its embedding.",
            icon=":material/info:",
        )
        return
    maps = view.report.rows[row.index - 1].output_shape
    height, width, channels = maps
    length, choice, words = st.columns([1, 1, 2])
    length.metric(f"Embedding length: {height} × {width} × {channels}", f"{row.output_shape[0]:,}")
    with choice:
        order = ui.choice("Order", arch.FLATTEN_ORDERS, "pytorch", "order", widget="radio", horizontal=False)
    words.caption(
        "Each cell shows where it lands in the vector. PyTorch lays out map 1, then map 2, …; Keras "
        "takes all channels of one pixel, then the next pixel. Either works, as long as the order "
        "never changes: the dense layer after it learns one weight per position."
    )
    ui.show_figure(
        flatten_figure(maps, order),
        "arch-flatten",
        alt=f"{channels} feature maps of {height} × {width}, each cell numbered with its position "
        f"in the {row.output_shape[0]:,}-number vector below.",
    )


def vgg_section() -> None:
    """VGG16's pattern in words."""
    st.header("5 · VGG16's pattern")
    st.markdown(
        "VGG16 uses one recipe throughout: **3 × 3 convolutions, stride 1, same padding**, so a "
        "convolution never changes the size; only the **2 × 2 max pooling with stride 2** halves it: "
        "224 → 112 → 56 → 28 → 14 → 7. Each time the maps shrink, the number of filters doubles "
        "(64, 128, 256, 512, then 512 again), so the network trades where for what. Two 3 × 3 "
        "convolutions in a row see a 5 × 5 patch and three see 7 × 7 (the receptive-field column), with "
        "fewer weights than one big kernel. Its 16 layers with weights — 13 convolutions and 3 dense "
        "layers (4096, 4096, 1000) — give the name and the **138,357,544** parameters."
    )


def code_section(view: arch.ComposedNetwork) -> None:
    """The network as a PyTorch module to copy."""
    st.header("6 · The network in PyTorch")
    if not view.code:
        st.info("Fix the flagged layer first: an impossible network has no code.", icon=":material/code_off:")
        return
    st.markdown(
        "The same layers as a PyTorch module you can copy (button at the top right of the code) and "
        "run. PyTorch puts the channels first: pictures go in as (N, C, H, W)."
    )
    ui.download_code(view.code, "network.py", "arch_code", label="Download network.py")


st.title("From layers to VGG16")
st.markdown(
    "A network is a stack of layers, and each layer changes the shape of what flows through it. "
    "Write one layer per line and follow, for every layer, the shape it makes, the parameters it "
    "learns, the multiply–adds it costs and how much of the picture one of its numbers can see."
)
st.header("1 · Compose the network")
compose, summary = st.columns([2, 3])
with compose:
    network_text, network = network_controls()
with summary:
    totals(network)
st.header("2 · Layer by layer")
table(network)
where_it_lives(network_text, network)
flatten_section(network)
vgg_section()
code_section(network)
