"""Transfer learning: a base pretrained on many generated digits, reused on a few real ones."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler
from streamlit.delta_generator import DeltaGenerator

import ui
from explorer import datasets, models, snippets, training_views, transfer
from explorer.datasets import ImageDataset
from explorer.synthetic_digits import synthetic_digits

ui.ensure_routed()

GALLERY_CELL = 56  # screen pixels per generated source picture
TARGET_CELL = 56  # screen pixels per target training picture
TARGET_ROWS = 10  # at most this many training pictures of each digit are drawn
SOURCE_PREVIEW_SEED = 7  # a seed of its own, so the preview is not a picture the model trained on
LEARNING_RATES = {rate: rate for rate in ("0.0003", "0.001", "0.003", "0.01", "0.03")}
BASE_RATES = {"1": "the same rate", "0.1": "10 × lower", "0.01": "100 × lower"}
DEFAULTS = transfer.TransferSettings()
FROZEN_COLOUR = "background-color: #d6eaf8"  # light blue behind frozen layers


@dataclass
class Lab:
    """This tab's comparison: the three runs, whether they are running, and what they were built from."""

    comparison: transfer.TransferComparison | None = None
    running: bool = False
    settings: transfer.TransferSettings | None = None
    error: str = ""


def lab() -> Lab:
    """This session's comparison, made on first use."""
    if "transfer_lab" not in st.session_state:
        st.session_state["transfer_lab"] = Lab()
    return st.session_state["transfer_lab"]


# Shared, read-only data ---------------------------------------------------------------------


@st.cache_resource(show_spinner="Loading the pretrained source model…")
def source_model() -> transfer.SourceModel:
    """The shipped source model, loaded once and shared read-only (trainers copy its weights)."""
    return transfer.load_source()


@st.cache_resource(show_spinner="Preparing the real digits…")
def real_digits() -> ImageDataset:
    return datasets.digits()


@st.cache_resource(max_entries=64)
def target_data(per_class: int, seed: int) -> tuple[ImageDataset, ImageDataset]:
    """The few training digits and the fixed validation digits, shared read-only."""
    return transfer.target_split(real_digits(), per_class, seed=seed)


@st.cache_resource
def source_preview() -> ImageDataset:
    """Two generated digits of each class, as the source set makes them."""
    return synthetic_digits(2, seed=SOURCE_PREVIEW_SEED)


@st.cache_data
def source_log() -> str:
    return transfer.SOURCE_LOG.read_text()


# Sections -------------------------------------------------------------------------------------


def source_section(source: transfer.SourceModel) -> None:
    """A few generated source digits, the source set's size, its recorded accuracy and filters."""
    record = source.record
    st.header(f"1 · The source: a CNN pretrained on {record.train_images:,} generated digits")
    gallery, numbers = st.columns([3, 2])
    with gallery:
        preview = source_preview()
        # Two pictures of each digit: the first of each in the top row, the second below.
        tiles = [
            training_views.to_tile(preview.images[label * 2 + copy], GALLERY_CELL)
            for copy in range(2)
            for label in range(len(preview.class_names))
        ]
        st.image(
            training_views.mosaic(tiles, columns=len(preview.class_names)),
            caption="Two generated pictures of each digit: 0, 1, 2 … 9 from left to right.",
        )
        st.caption(
            "Generated digits: seven computer fonts (Hershey, drawn by OpenCV), thick and thin strokes, "
            "turned, slanted, zoomed, shifted, blurred and noisy. Half are shrunk to 8 × 8 and enlarged "
            "again, as scikit-learn's real digits were."
        )
    with numbers:
        first, second = st.columns(2)
        first.metric("Source training images", f"{record.train_images:,}")
        second.metric("Source validation accuracy", f"{record.accuracy:.1%}")
        st.caption(
            f"Recorded after {record.epochs} epochs on {record.validation_images:,} generated digits "
            "it never trained on. Fonts are not handwriting: used as is, with its own head, the "
            f"source model gets only **{record.real_digits_accuracy:.1%}** of the 1,797 real digits right."
        )
        st.image(
            training_views.filter_mosaic(models.first_layer_filters(source.model), cell=40, columns=8),
            caption="Its first-layer filters: edge and stroke detectors learned from the generated "
            "digits. Purple is negative, white 0, orange positive.",
        )
    with st.expander("The source model's training log (scripts/pretrain_source.py)"):
        st.code(source_log(), language=None)
        weights_column, config_column = st.columns(2)
        weights_column.download_button(
            "Download the weights (.safetensors)",
            data=transfer.SOURCE_WEIGHTS.read_bytes(),
            file_name="source_digits.safetensors",
            mime="application/octet-stream",
            key="source_weights",
            on_click="ignore",
            icon=":material/download:",
        )
        config_column.download_button(
            "Download its config (.json)",
            data=transfer.SOURCE_CONFIG.read_text(),
            file_name="source_digits.json",
            mime="application/json",
            key="source_config",
            on_click="ignore",
            icon=":material/download:",
        )
        st.caption("Load the pair on the Training lab page to draw digits for it.")


def target_section(
    per_class: int, seed: int, text_area: DeltaGenerator, pictures_area: DeltaGenerator
) -> tuple[ImageDataset, ImageDataset]:
    """The few real training digits (drawn in ``pictures_area``) and the fixed validation set."""
    train, validation = target_data(per_class, seed)
    shown = min(per_class, TARGET_ROWS)
    # Training pictures are grouped by digit; drawn with one column per digit, one row per copy.
    tiles = [
        training_views.to_tile(train.images[label * per_class + copy], TARGET_CELL)
        for copy in range(shown)
        for label in range(len(train.class_names))
    ]
    with pictures_area:
        st.image(
            training_views.mosaic(tiles, columns=len(train.class_names)),
            caption=(
                f"All {len(train)} training pictures, one column per digit 0–9."
                if shown == per_class
                else f"{shown} of the {per_class} training pictures of each digit, one column per digit 0–9."
            ),
        )
    with text_area:
        st.markdown(
            f"**{len(train)} training pictures** ({per_class} per digit), picked by the seed from a fixed "
            f"pool of {transfer.POOL_PER_CLASS} per digit. **Validation: the other {len(validation):,} "
            "real digits**, the same for every setting, so accuracies compare across settings."
        )
    return train, validation


def target_controls() -> tuple[int, int]:
    """How many training pictures per digit, and the seed that picks them."""
    per_class = ui.slider(
        "Training pictures per digit",
        2,
        transfer.POOL_PER_CLASS,
        DEFAULTS.per_class,
        "per",
        help="The fewer pictures, the more a pretrained base helps.",
    )
    seed = ui.slider(
        "Seed",
        0,
        99,
        DEFAULTS.seed,
        "seed",
        help="Picks the training pictures, the new heads' random start and the batch order.",
    )
    return per_class, seed


def budget_controls(per_class: int, seed: int) -> transfer.TransferSettings:
    """The shared budget and the fine-tuned run's base learning rate."""
    first, second, third = st.columns(3)
    with first:
        epochs = ui.slider("Epochs", 5, 60, DEFAULTS.epochs, "epochs")
        batch_size = ui.slider("Batch size", 8, 64, DEFAULTS.batch_size, "batch", step=8)
    with second:
        rate = ui.choice("Learning rate", LEARNING_RATES, f"{DEFAULTS.learning_rate:g}", "lr")
        optimizer = ui.choice("Optimiser", {"adam": "Adam", "sgd": "SGD with momentum 0.9"}, "adam", "opt")
    with third:
        base_rate = ui.choice(
            "Fine-tuning: the base learns at",
            BASE_RATES,
            f"{DEFAULTS.base_rate_factor:g}",
            "baselr",
            help="A lower rate changes the pretrained filters gently; the new head always uses the "
            "full learning rate.",
        )
    return transfer.TransferSettings(
        per_class=per_class,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=float(rate),
        optimizer=optimizer,
        seed=seed,
        base_rate_factor=float(base_rate),
    )


def architecture_table(config: models.CNNConfig, base_rate_factor: float) -> None:
    """The shared network, layer by layer, with what each run does with it; frozen layers shaded."""
    rows = transfer.architecture_rows(config, base_rate_factor)
    counts = transfer.trainable_from_rows(config)
    table = [
        {
            "layer": row.name,
            "output shape": " × ".join(map(str, row.output_shape)),
            "parameters": row.parameters,
            transfer.RUNS["scratch"]: row.scratch,
            transfer.RUNS["frozen"]: ("🔒 " if row.frozen.endswith("frozen") else "") + row.frozen,
            transfer.RUNS["finetune"]: row.finetune,
        }
        for row in rows
    ]
    frozen_column = transfer.RUNS["frozen"]
    styled = _frozen_style(table, frozen_column)
    st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        column_config={
            "layer": st.column_config.TextColumn(width=200),
            "output shape": st.column_config.TextColumn(width=85),
            "parameters": st.column_config.NumberColumn(width=70),
            transfer.RUNS["scratch"]: st.column_config.TextColumn(width=120),
            transfer.RUNS["frozen"]: st.column_config.TextColumn(width=140),
            transfer.RUNS["finetune"]: st.column_config.TextColumn(width=190),
        },
    )
    slower = (
        ""
        if base_rate_factor == 1
        else f" Fine-tuning trains the base at {base_rate_factor:g} × the learning rate, the new head at "
        "the full rate."
    )
    st.caption(
        "Trainable parameters: "
        + " · ".join(f"{transfer.RUNS[name]} **{count:,}**" for name, count in counts.items())
        + ". The shaded layers are frozen: copied from the source model and never changed."
        + slower
        + " As in VGG16 "
        "(about 124 of its 138 million in the three dense layers), most numbers sit in the head; the few "
        "in the convolution blocks are the filters worth reusing."
    )


def _frozen_style(table: list[dict], frozen_column: str) -> Styler:
    """The table as a pandas Styler with frozen cells shaded."""
    frame = pd.DataFrame(table)
    return frame.style.format({"parameters": "{:,}"}).map(
        lambda value: FROZEN_COLOUR if isinstance(value, str) and value.startswith("🔒") else "",
        subset=[frozen_column],
    )


# Running --------------------------------------------------------------------------------------


def start(settings: transfer.TransferSettings, train: ImageDataset, validation: ImageDataset) -> None:
    state = lab()
    state.error = ""
    try:
        state.comparison = transfer.TransferComparison(source_model(), settings, train, validation)
    except ValueError as error:
        state.comparison = None
        state.error = str(error)
        return
    state.settings = settings
    state.running = True


def stop() -> None:
    state = lab()
    state.running = False
    if state.comparison is not None:
        state.comparison.stop()
    ui.release_trainer()


def reset() -> None:
    stop()
    state = lab()
    state.comparison = state.settings = None


def run_controls(settings: transfer.TransferSettings, data: tuple[ImageDataset, ImageDataset]) -> None:
    state = lab()
    comparison = state.comparison
    started = comparison is not None
    columns = st.columns([1, 1, 1, 3])
    columns[0].button(
        "Start" if not started else "Start again",
        key="start",
        icon=":material/play_arrow:",
        type="primary",
        disabled=state.running,
        on_click=start,
        args=(settings, *data),
    )
    columns[1].button("Stop", key="stop", icon=":material/stop:", disabled=not state.running, on_click=stop)
    columns[2].button(
        "Reset", key="reset", icon=":material/restart_alt:", disabled=not started, on_click=reset
    )
    if state.error:
        st.error(f"The runs could not start: {ui.plain(state.error)}")
    if started and state.settings != settings:
        st.caption(
            "The settings above changed since these runs started; they keep their own. "
            "Press **Start again** to compare with the new ones."
        )


def advance(state: Lab) -> bool:
    """One bounded step of all three runs, if this tab may train now; False while it waits in line."""
    if not ui.may_train():
        return False
    state.comparison.step(training_views.STEP_SECONDS)
    if state.comparison.done:
        state.running = False
        ui.release_trainer()
        st.rerun()
    return True


def live_view() -> None:
    """Progress, the three final accuracies with their trainable counts, and the curves side by side."""
    state = lab()
    comparison = state.comparison
    if comparison is None:
        return
    trained = advance(state) if state.running else False
    settings = comparison.settings
    if comparison.done:
        phase = (
            "Finished" if all(t.stop_reason == "finished" for t in comparison.runs.values()) else "Stopped"
        )
    else:
        phase = "Training" if trained else "Waiting"
    st.progress(
        comparison.progress,
        text=f"{phase} · epoch {min(comparison.epoch + 1, settings.epochs)} of {settings.epochs} · "
        f"three runs of {settings.per_class * 10} pictures, batches of {settings.batch_size}",
    )
    accuracies = comparison.final_accuracies()
    trainable = comparison.trainable_parameters()
    scratch = accuracies["scratch"]
    for column, (name, label) in zip(st.columns(3), transfer.RUNS.items(), strict=True):
        value = accuracies[name]
        delta = None
        if name != "scratch" and value is not None and scratch is not None:
            delta = f"{(value - scratch) * 100:+.1f} points vs from scratch"
        column.caption(f"{trainable[name]:,} trainable parameters")
        column.metric(
            f"{label.capitalize()}: validation accuracy",
            "–" if value is None else f"{value:.1%}",
            delta=delta,
        )
    histories = comparison.histories()
    ui.show_figure(
        training_views.curves_figure(histories), "curves", alt=training_views.curves_description(histories)
    )
    st.markdown(transfer.verdict(accuracies, settings.per_class))


# The page -------------------------------------------------------------------------------------

st.title("Transfer learning")
st.markdown(
    "The notes take **VGG16 trained on ImageNet**: its convolution layers already know edges, strokes "
    "and textures, so we **freeze** them and train only a **new head** on our small data set — or "
    "**fine-tune** every layer gently. This app downloads nothing, so here is the same thing at "
    "classroom scale: a small CNN pretrained on many digits drawn in computer fonts is reused on a "
    "handful of real handwritten digits, and compared with training from scratch."
)

try:
    source = source_model()
except (OSError, ValueError) as error:
    st.error(
        f"The pretrained source model cannot be read ({ui.plain(str(error))}). Run "
        "`python -m scripts.pretrain_source` to make it again.",
        icon=":material/error:",
    )
    st.stop()

source_section(source)

st.header("2 · The target: a few real handwritten digits")
controls_column, pictures_column = st.columns([2, 3])
with controls_column:
    per_class, seed = target_controls()
data = target_section(per_class, seed, controls_column, pictures_column)

st.header("3 · Three runs, one budget")
st.markdown(
    "All three train the same network on the same pictures, in the same order, for the same number of "
    "epochs: **from scratch** starts from random numbers; **frozen base** copies the source model's "
    "convolution blocks, locks them, and trains only a new head; **fine-tuned** copies them too but "
    "lets every layer learn."
)
budget = budget_controls(per_class, seed)
architecture_table(source.config, budget.base_rate_factor)
ui.download_code(snippets.transfer(source.config, budget), "transfer.py", "transfer_code")
run_controls(budget, data)
current = lab()
if current.comparison is not None:
    st.fragment(live_view, run_every=training_views.REFRESH_SECONDS if current.running else None)()
else:
    st.caption(
        "Press Start: the three runs train side by side, a few seconds in all. Then try 2 and 50 "
        "pictures per digit — a pretrained base helps most when pictures are few."
    )
