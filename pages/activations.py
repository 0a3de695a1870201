"""Activation functions: their curves and slopes, ReLU on a feature map, and why bending matters."""

import streamlit as st

import ui
from explorer import figures, layers, nonlinearity, snippets
from explorer.activations import ACTIVATIONS

ui.ensure_routed()

MAP_SIDE = 420  # screen pixels for the longer side of a feature-map picture
GRID_CELLS = 12  # maps up to this many cells a side are drawn as grids with their numbers
CROP = 8  # a big map's numbers are shown for a crop this many cells a side

image = ui.current_image()


@st.cache_data(max_entries=64, show_spinner="Training both models…")
def trained_models(dataset: str, activation: str, units: int, alpha: float) -> nonlinearity.ModelComparison:
    """Both models on one data set; cached on the small settings, never on a picture."""
    return nonlinearity.compare_models(dataset, activation, units, alpha=alpha)


def signed_grid(values, key: str, alt: str, title: str, *, row_offset: int = 0, col_offset: int = 0) -> None:
    """A small signed map with its numbers written in, a tick on every row and column."""
    grid = figures.value_grid(
        values, signed=True, value_format=".4~g", title=title, row_offset=row_offset, col_offset=col_offset
    )
    grid.update_xaxes(dtick=1)
    grid.update_yaxes(dtick=1)
    ui.show_figure(grid, key, alt=alt)


def curve_controls() -> tuple[str, float]:
    """The activation to focus on and leaky ReLU's slope α."""
    focus = ui.choice(
        "Activation to focus on",
        {slug: activation.name for slug, activation in ACTIVATIONS.items()},
        "relu",
        "focus",
        widget="radio",
        horizontal=False,
    )
    alpha = ui.slider(
        "Leaky ReLU slope α for negative inputs",
        0.0,
        0.5,
        0.01,
        "alpha",
        step=0.01,
        help="Only leaky ReLU uses it; with α = 0 it is plain ReLU.",
    )
    return focus, alpha


def experiment_controls() -> tuple[str, str, int]:
    """The data set, the hidden layer's activation and its width."""
    data_column, hidden_column, units_column = st.columns(3)
    with data_column:
        dataset = ui.choice("Data set", nonlinearity.DATASETS, "moons", "data", widget="radio")
    with hidden_column:
        hidden = ui.choice("Hidden layer's activation", nonlinearity.HIDDEN_ACTIVATIONS, "relu", "hidden")
    with units_column:
        units = ui.slider("Hidden units", 1, 32, 16, "units")
    return dataset, hidden, units


# Introduction ---------------------------------------------------------------------------
st.title("Activation functions")
st.markdown(
    "After a convolution, every number of the feature map goes through an **activation function**. "
    "Its job is to bring in **non-linearity** — a bend — because most real data is non-linear: "
    "often no straight line can separate the classes, and a curve is needed. Four famous ones: "
    "**sigmoid, ReLU, tanh and leaky ReLU**."
)

# The curves -----------------------------------------------------------------------------
st.header("Four activation functions and their slopes")
controls, focus_chart, all_chart = st.columns([1, 1.6, 1.6])
with controls:
    focus, alpha = curve_controls()
    st.markdown(f"**{ACTIVATIONS[focus].name}:** {ACTIVATIONS[focus].meaning}")
with focus_chart:
    ui.show_figure(
        nonlinearity.curve_figure(focus, alpha),
        "curve",
        alt=f"{ACTIVATIONS[focus].name} and its derivative for x from −6 to 6.",
    )
with all_chart:
    ui.show_figure(
        nonlinearity.all_curves_figure(focus, alpha),
        "all-curves",
        alt="Sigmoid, ReLU, tanh and leaky ReLU on one chart, for x from −6 to 6.",
    )
st.latex(nonlinearity.FORMULAS[focus])
st.markdown(
    "The **derivative** (the dashed slope) is what training uses when it goes backwards through the "
    "network to fix the weights. ReLU's slope is just 1 for positive inputs and 0 for negative ones — "
    "no exponentials to compute — which is why **ReLU is the default in CNNs**. Sigmoid's and tanh's "
    "slopes fade to almost 0 for large inputs, so learning slows down there."
)

# A real feature map -------------------------------------------------------------------
st.header(f"{ACTIVATIONS[focus].name} on a real feature map")
st.markdown(
    "The horizontal Sobel kernel on the grayscale picture gives a feature map of negative, zero and "
    f"positive numbers. {ACTIVATIONS[focus].name} then runs on **every value, one at a time**."
)
upside_down = ui.toggle(
    "Turn the Sobel kernel upside down (dark-above-bright edges come out positive)", False, "flip"
)
feature_map = nonlinearity.sobel_feature_map(image.pixels, upside_down=upside_down)
effect = nonlinearity.apply_activation(feature_map, focus, alpha)
map_h, map_w = feature_map.shape

counts = st.columns(3)
counts[0].metric("Values in the feature map", f"{effect.total:,}", help=f"{map_h} × {map_w}")
counts[1].metric("Negative before", f"{effect.negatives:,} ({effect.negative_percent:.1f}%)")
counts[2].metric(
    f"Those negatives after {ACTIVATIONS[focus].name}", nonlinearity.negative_fate(focus, alpha, short=True)
)
st.markdown(
    f"**{effect.negatives:,} of {effect.total:,} values ({effect.negative_percent:.1f}%) were negative** "
    f"and {nonlinearity.negative_fate(focus, alpha)}; positive values "
    + ("stay exactly as they were." if focus in ("relu", "leaky-relu") else "were squashed too.")
)

before_column, after_column = st.columns(2)
if max(map_h, map_w) <= GRID_CELLS:
    with before_column:
        signed_grid(feature_map, "map-before", f"The {map_h} × {map_w} feature map.", "Before")
        before_picture = layers.signed_picture(feature_map, MAP_SIDE)
        ui.download_png(before_picture, "feature-map-before.png", "download-before")
    with after_column:
        signed_grid(
            effect.after,
            "map-after",
            f"The map after {ACTIVATIONS[focus].name}.",
            f"After {ACTIVATIONS[focus].name}",
        )
        after_picture = layers.signed_picture(effect.after, MAP_SIDE)
        ui.download_png(after_picture, "feature-map-after.png", "download-after")
else:
    with before_column:
        before_picture = layers.signed_picture(feature_map, MAP_SIDE)
        st.image(before_picture, caption=f"Before: the {map_h} × {map_w} Sobel feature map")
        ui.download_png(before_picture, "feature-map-before.png", "download-before")
    with after_column:
        after_picture = layers.signed_picture(effect.after, MAP_SIDE)
        st.image(after_picture, caption=f"After {ACTIVATIONS[focus].name}")
        ui.download_png(after_picture, "feature-map-after.png", "download-after")
    st.caption(
        f"Purple is negative, white 0, orange positive; each picture has its own scale (the strongest 1% "
        f"of values at full colour) and is shown at most {MAP_SIDE} pixels a side. Below, the numbers of "
        f"the {CROP} × {CROP} patch around the most negative value."
    )
    window = nonlinearity.negative_window(feature_map, CROP)
    place = {"row_offset": window.top, "col_offset": window.left}
    crop_before, crop_after = st.columns(2)
    with crop_before:
        signed_grid(window.of(feature_map), "crop-before", "Numbers of the patch, before.", "Before", **place)
    with crop_after:
        signed_grid(
            window.of(effect.after),
            "crop-after",
            "Numbers of the patch, after.",
            f"After {ACTIVATIONS[focus].name}",
            **place,
        )

st.subheader("From the notes, in English")
with st.container(border=True):
    st.markdown(
        "**ReLU:** if a value is less than zero, make it zero; if it is greater than zero, keep it as x.\n\n"
        "**Why ReLU in a CNN?** Take a 6 × 6 image and run a 3 × 3 convolution over it; that is how the "
        "model learns something, and it gives a 4 × 4 matrix in which every value is a pixel value that "
        "can be anything — negative, zero or positive. Then ReLU runs over that 4 × 4 matrix: it takes "
        "the first value, and if it is less than zero it makes it zero; then it goes to the next value — "
        "negative becomes zero, positive is left as it is. So ReLU is applied to every pixel value.\n\n"
        "**Why do all this?** A CNN is trained by forward propagation, then computing the loss, then "
        "minimising the loss by backward propagation. That process takes a great many derivatives, and "
        "ReLU's simple derivative removes a lot of mathematical complexity, so training is faster."
    )

# Why bending matters -------------------------------------------------------------------
st.header("Why non-linearity matters")
st.markdown(
    "Below, two models learn to separate two classes of points. The **linear model** computes "
    "w₁·x + w₂·y + b, so it can only draw a **straight line**. The other has **one hidden layer** "
    "with an activation, which lets it **bend** the boundary. Both train here, in a fraction of a "
    "second, with a fixed seed."
)
dataset, hidden, units = experiment_controls()
comparison = trained_models(dataset, hidden, units, alpha if hidden == "leaky-relu" else 0.01)
linear_column, hidden_model_column = st.columns(2)
with linear_column:
    ui.show_figure(
        nonlinearity.decision_figure(comparison, comparison.linear),
        "linear-model",
        alt=f"The linear model's straight boundary on {nonlinearity.DATASETS[dataset]}: "
        f"{comparison.linear.accuracy:.0%} right.",
    )
with hidden_model_column:
    ui.show_figure(
        nonlinearity.decision_figure(comparison, comparison.hidden),
        "hidden-model",
        alt=f"The hidden-layer model's boundary on {nonlinearity.DATASETS[dataset]}: "
        f"{comparison.hidden.accuracy:.0%} right.",
    )
accuracy_linear, accuracy_hidden = st.columns(2)
accuracy_linear.metric("Linear model: points right", f"{comparison.linear.accuracy:.0%}")
accuracy_hidden.metric(f"{comparison.hidden.name}: points right", f"{comparison.hidden.accuracy:.0%}")
if hidden == "none":
    st.info(
        "With no activation the hidden layer is just another straight-line step, and straight steps "
        "stacked together are still straight: the boundary cannot bend. That is why networks need "
        "activation functions."
    )
st.caption(
    f"{len(comparison.labels)} points, half of each class; accuracy is counted on these same points. "
    "Shaded by each model's probability, boundary in black."
)
ui.download_code(
    snippets.activations(
        image.pixels,
        focus=focus,
        alpha=alpha,
        upside_down=upside_down,
        dataset=dataset,
        hidden=hidden,
        units=units,
    ),
    "activations.py",
    "act_code",
)

st.header("In short")
st.markdown(
    "- Activation functions bring in **non-linearity**: real data is rarely separable by a straight "
    "line, and without a bend a network of any depth can only draw straight boundaries.\n"
    "- **ReLU** turns negatives into 0 and keeps positives. Its derivative is 0 or 1, cheap to "
    "compute millions of times during training, so it is the default in CNNs.\n"
    "- **Sigmoid** squashes into 0..1, **tanh** into −1..1; both barely change for large inputs.\n"
    "- **Leaky ReLU** keeps a small slope α for negatives, so those units still learn."
)
