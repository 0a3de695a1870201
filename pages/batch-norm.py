"""Batch normalization: the same CNN trained with and without it, side by side, and measured."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
import streamlit as st

import ui
from explorer import batchnorm, datasets, models, snippets, training, training_views
from explorer.datasets import ImageDataset

ui.ensure_routed()

DATASETS = {
    "digits": "Handwritten digits (1,797 real scans)",
    "edges": "Edges and stripes (generated)",
    "shapes": "Colour shapes (generated)",
}
LEARNING_RATES = {rate: rate for rate in ("0.0003", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3")}
CONTROL_RATES = {rate: rate for rate in ("0.03", "0.1", "0.2", "0.3", "1")}
# Both pairs share one step; with four models and a probe the redraw still starts within ~0.4 s.
STEP_SECONDS = 0.25


@dataclass
class BatchNormLab:
    """This tab's experiment and whether it is running."""

    experiment: batchnorm.Experiment | None = None
    running: bool = False
    recipe: tuple = ()  # the Recipe the run was built from, to notice later changes
    error: str = ""


class Recipe(NamedTuple):
    """Everything the experiment is built from (a tuple, so it survives the page being redefined)."""

    data: str
    model: models.CNNConfig
    train: training.TrainConfig
    control_rate: float | None


def lab() -> BatchNormLab:
    """This session's experiment holder, made on first use."""
    if "bn_lab" not in st.session_state:
        st.session_state["bn_lab"] = BatchNormLab()
    return st.session_state["bn_lab"]


@st.cache_resource(show_spinner="Preparing the data…", max_entries=3)
def built_in_split(name: str) -> tuple[ImageDataset, ImageDataset]:
    """A built-in data set split 80/20 once and shared read-only by every session."""
    dataset = {"digits": datasets.digits, "edges": datasets.edges, "shapes": datasets.shapes}[name]()
    return dataset.split(0.2, seed=0, shuffle=True)


# Controls ------------------------------------------------------------------------------------


def experiment_controls() -> tuple[Recipe, ImageDataset, ImageDataset]:
    """The data, the training settings and the control; returns the recipe and the data."""
    data_column, optimizer_column, control_column = st.columns(3)
    with data_column:
        name = ui.choice("Data set", DATASETS, "digits", "data")
        epochs = ui.slider("Epochs", 1, 30, 8, "epochs")
        batch_size = ui.slider("Batch size", 8, 256, 32, "batch", step=8)
    with optimizer_column:
        optimizer = ui.choice("Optimiser", training.OPTIMIZERS, "sgd", "opt")
        rate = ui.choice("Learning rate", LEARNING_RATES, "0.01", "lr")
        seed = ui.slider("Seed (the same seed repeats the same runs)", 0, 99, 0, "seed")
    with control_column:
        control = ui.toggle("Also run the high-learning-rate control", True, "control")
        control_rate = ui.choice("Control's learning rate", CONTROL_RATES, "0.1", "clr")
        st.caption(
            "The control trains the same two models again with only the learning rate raised: "
            "a test of the notes' *stability*."
        )
    train, validation = built_in_split(name)
    height, width, channels = train.images.shape[1:]
    model = models.CNNConfig(
        input_size=(height, width), in_channels=channels, num_classes=len(train.class_names)
    )
    settings = training.TrainConfig(
        batch_size=batch_size, epochs=epochs, learning_rate=float(rate), optimizer=optimizer, seed=seed
    )
    return Recipe(name, model, settings, float(control_rate) if control else None), train, validation


def network_caption(recipe: Recipe, train: ImageDataset, validation: ImageDataset) -> None:
    """The network in one line, its parameter counts, and the same-start check."""
    config = recipe.model
    with_totals = models.summary_totals(models.summary(replace(config, batch_norm=True)))
    without_totals = models.summary_totals(models.summary(config))
    filters = config.filters
    height, width, channels = train.images.shape[1:]
    st.markdown(
        f"**The network** (the training lab's small CNN): {height} × {width} × {channels} pictures → "
        f"conv 3×3, {filters[0]} filters → *batch norm* → ReLU → max pool → conv 3×3, {filters[1]} "
        f"filters → *batch norm* → ReLU → max pool → dense {config.dense_width} → "
        f"{config.num_classes} classes. With batch norm it has **{with_totals.trainable:,}** trainable and "
        f"**{with_totals.non_trainable:,}** non-trainable parameters; without, "
        f"**{without_totals.trainable:,}** trainable."
    )
    same = batchnorm.same_initial_weights(config, recipe.train.seed)
    start = (
        "Both models start from **identical** convolution and dense weights (checked): the weights are "
        "drawn in the same order from the same seed, and batch norm draws nothing (γ = 1, β = 0)."
        if same
        else "The two models do **not** start from the same weights here."
    )
    st.caption(
        f"{start} The seed also fixes the order of the batches, so both see the same "
        f"{len(train)} training pictures in the same order; {len(validation)} pictures are held out "
        "for validation."
    )


# Running ---------------------------------------------------------------------------------------


def start(recipe: Recipe, train: ImageDataset, validation: ImageDataset) -> None:
    state = lab()
    state.error = ""
    try:
        state.experiment = batchnorm.Experiment(
            recipe.model, recipe.train, train, validation, control_learning_rate=recipe.control_rate
        )
    except ValueError as error:
        state.experiment = None
        state.error = str(error)
        return
    state.recipe = recipe
    state.running = True


def stop() -> None:
    state = lab()
    state.running = False
    if state.experiment is not None:
        state.experiment.stop()
    ui.release_trainer()


def reset() -> None:
    stop()
    state = lab()
    state.experiment = None
    state.recipe = ()


def run_controls(recipe: Recipe, train: ImageDataset, validation: ImageDataset) -> None:
    """Start, Stop and Reset, enabled as the run's state allows."""
    state = lab()
    experiment = state.experiment
    started = experiment is not None
    columns = st.columns([1, 1, 1, 3])
    columns[0].button(
        "Start" if not started else "Start again",
        key="start",
        icon=":material/play_arrow:",
        type="primary",
        disabled=state.running,
        on_click=start,
        args=(recipe, train, validation),
    )
    columns[1].button("Stop", key="stop", icon=":material/stop:", disabled=not state.running, on_click=stop)
    columns[2].button(
        "Reset", key="reset", icon=":material/restart_alt:", disabled=not started, on_click=reset
    )
    if state.error:
        st.error(f"The experiment could not start: {ui.plain(state.error)}")
    if started and state.recipe != recipe:
        st.caption(
            "The settings above changed since this run started; it keeps its own. "
            "Press **Start again** to run with the new ones."
        )


def advance(state: BatchNormLab) -> None:
    """One bounded step of every run, if this tab may train now."""
    if not ui.may_train():
        return
    state.experiment.run_steps(max_seconds=STEP_SECONDS)
    if state.experiment.done:
        state.running = False
        ui.release_trainer()
        st.rerun()


def status_line(state: BatchNormLab) -> None:
    experiment = state.experiment
    trainer = experiment.main.with_bn
    epochs = trainer.config.epochs
    if experiment.done:
        phase = "Finished" if trainer.stop_reason == "finished" else "Stopped"
    else:
        phase = "Training" if state.running else "Waiting"
    runs = len(experiment.trainers)
    st.progress(
        experiment.progress,
        text=f"{phase} · epoch {min(trainer.epoch + 1, epochs)} of {epochs} · {experiment.batches_done} "
        f"batches of {trainer.config.batch_size} for each of the {runs} models",
    )


def live_view() -> None:
    """The part redrawn while training: progress, curves, statistics, the control."""
    state = lab()
    if state.experiment is None:
        return
    if state.running:
        advance(state)
    experiment = state.experiment
    status_line(state)
    main = experiment.main
    with_bn, without = main.with_bn.history, main.without.history

    st.header("2 · Loss and accuracy")
    histories = {"with batch norm": with_bn, "without": without}
    metrics = st.columns(4)
    for column, (label, history) in zip(metrics[:2], histories.items(), strict=True):
        column.metric(
            f"Validation accuracy, {label}", f"{history.val_accuracy[-1]:.1%}" if history.epochs else "–"
        )
    for column, (label, history) in zip(metrics[2:], histories.items(), strict=True):
        column.metric(f"Validation loss, {label}", f"{history.val_loss[-1]:.3f}" if history.epochs else "–")
    ui.show_figure(
        training_views.curves_figure(histories), "curves", alt=training_views.curves_description(histories)
    )
    st.markdown("**Faster training?** " + batchnorm.speed_verdict(with_bn, without))
    st.markdown("**A regularizing effect?** " + batchnorm.regularization_verdict(with_bn, without))

    st.header("3 · Inside the layers")
    st.markdown(
        "The same probe of validation pictures goes through both models every quarter epoch. For each "
        "block the chart shows the mean and the spread (standard deviation) of all its values: before "
        "batch norm (the convolution's output) and after it, and the convolution's output of the model "
        "without batch norm."
    )
    ui.show_figure(
        batchnorm.statistics_figure(
            main.statistics_with, main.statistics_without, epochs=main.with_bn.config.epochs
        ),
        "statistics",
        alt=statistics_alt(main),
    )
    for block in range(1, experiment.model_config.conv_blocks + 1):
        st.markdown(
            "**Stability?** " + batchnorm.spread_verdict(main.statistics_with, main.statistics_without, block)
        )
    st.caption(
        f"Probe: {len(experiment.probe)} validation pictures. Batch norm divides them by their own mean "
        "and spread, as it does with each mini-batch while training; at validation it uses running "
        "averages instead (section 5). Spreads are population standard deviations."
    )

    st.header("4 · Stability at a high learning rate")
    control = experiment.control
    if control is None:
        st.caption("Switch on the high-learning-rate control above, then press Start again.")
        return
    control_histories = {"with batch norm": control.with_bn.history, "without": control.without.history}
    ui.show_figure(
        training_views.curves_figure(control_histories),
        "control_curves",
        alt=training_views.curves_description(control_histories),
    )
    st.markdown(
        batchnorm.stability_verdict(
            control.with_bn.history,
            control.without.history,
            control.learning_rate,
            experiment.model_config.num_classes,
        )
    )
    with st.expander("The control's layer statistics"):
        ui.show_figure(
            batchnorm.statistics_figure(
                control.statistics_with, control.statistics_without, epochs=control.with_bn.config.epochs
            ),
            "control_statistics",
            alt=statistics_alt(control),
        )
        for block in range(1, experiment.model_config.conv_blocks + 1):
            st.markdown(batchnorm.spread_verdict(control.statistics_with, control.statistics_without, block))


def statistics_alt(pair: batchnorm.Pair) -> str:
    rows = batchnorm.spreads(pair.statistics_with, pair.statistics_without)
    parts = [f"block {row.block}, {row.label}: spread from {row.start:.2f} to {row.end:.2f}" for row in rows]
    return "Mean and standard deviation per block through training. " + "; ".join(parts)


# One channel, and what is trained ------------------------------------------------------------


class Subject(NamedTuple):
    """The model with batch norm the last two sections look into, its probe, and what it is."""

    model: models.ConvNet
    probe: np.ndarray  # (P, H, W, C) float32
    which: str


def subject(recipe: Recipe, validation: ImageDataset) -> Subject:
    """This tab's trained model with batch norm, or (before Start) a fresh one from the settings."""
    experiment = lab().experiment
    if experiment is not None:
        trainer = experiment.main.with_bn
        which = f"the model with batch norm after {trainer.batches_done} training batches"
        return Subject(trainer.model, experiment.probe, which)
    model = models.build_model(replace(recipe.model, batch_norm=True), recipe.train.seed)
    which = "the untrained model with batch norm (press Start to train it)"
    return Subject(model, batchnorm.probe_batch(validation), which)


def plain_decimal(value: float) -> str:
    """A small number written out without an exponent, e.g. 1e-05 as 0.00001."""
    return f"{value:.10f}".rstrip("0").rstrip(".")


def one_channel_section(looked_at: Subject) -> int:
    """Batch norm's arithmetic on one real channel; returns the chosen block."""
    st.header("5 · What batch norm computes, on one channel")
    model, probe, which = looked_at
    pick_column, channel_column = st.columns(2)
    with pick_column:
        block = ui.slider("Block", 1, model.config.conv_blocks, 1, "block")
    with channel_column:
        channel = ui.slider("Channel", 1, model.config.filters[block - 1], 1, "channel")
    try:
        example = batchnorm.channel_example(model, probe, block, channel - 1)
    except ValueError:
        st.warning(
            f"The values in block {block} are no longer finite numbers: training blew up, so there is "
            "nothing left to normalize. Press Reset, or lower the learning rate and start again.",
            icon=":material/warning:",
        )
        return block
    moments = example.moments()
    st.markdown(
        f"For one channel, batch norm takes all its values in the mini-batch — here the {len(probe)} probe "
        f"pictures × {example.values.shape[1]} × {example.values.shape[2]} positions = **{example.count:,}** "
        "values — and subtracts their mean μ, divides by their spread, then scales by γ and shifts by β. "
        f"Numbers from {which}, block {block}, channel {channel}:"
    )
    mu, variance, eps = example.batch_mean, example.batch_variance, example.epsilon
    epsilon = plain_decimal(eps)
    st.latex(
        rf"\hat{{x}} = \frac{{x - \mu_\text{{batch}}}}{{\sqrt{{\sigma^2_\text{{batch}} + \varepsilon}}}}"
        rf" = \frac{{x - ({mu:.4f})}}{{\sqrt{{{variance:.4f} + {epsilon}}}}}"
        rf" = \frac{{x - ({mu:.4f})}}{{{example.denominator:.4f}}}"
        rf"\qquad y = \gamma\,\hat{{x}} + \beta = {example.gamma:.4f}\,\hat{{x}} + ({example.beta:.4f})"
    )
    index = int(example.values.argmax())
    x, x_hat, y = (float(a.flat[index]) for a in (example.values, example.normalized, example.output))
    st.markdown(
        f"The largest value of this channel, x = **{x:.4f}**, becomes x̂ = ({x:.4f} − {mu:.4f}) / "
        f"{example.denominator:.4f} = **{x_hat:.4f}** and y = {example.gamma:.4f} × {x_hat:.4f} + "
        f"({example.beta:.4f}) = **{y:.4f}**."
    )
    table_column, chart_column = st.columns([1, 1.8])
    with table_column:
        st.dataframe(
            [
                {
                    "values": label,
                    "mean": f"{moments[key][0]:.4f}",
                    "standard deviation": f"{moments[key][1]:.4f}",
                }
                for key, label in (
                    ("x", "before: x"),
                    ("x̂", "normalized: x̂"),
                    ("y", "after: y = γ·x̂ + β"),
                )
            ],
            hide_index=True,
            width="stretch",
        )
        st.caption(
            f"x̂ has mean 0 and spread 1 (just under: ε = {epsilon}); y has mean β = {example.beta:.4f} and "
            f"spread |γ| = {abs(example.gamma):.4f}. PyTorch's BatchNorm in training mode gives the same y "
            f"(largest difference {batchnorm.torch_difference(example):.1e})."
        )
        st.caption(
            f"At validation the layer uses its running mean {example.running_mean:.4f} and running variance "
            f"{example.running_variance:.4f} instead of this batch's μ and σ²."
        )
    with chart_column:
        ui.show_figure(
            batchnorm.channel_histogram(example),
            "channel_histogram",
            alt=f"Histogram of block {block} channel {channel}: before, mean {moments['x'][0]:.3f} and "
            f"spread {moments['x'][1]:.3f}; after, mean {moments['y'][0]:.3f} and "
            f"spread {moments['y'][1]:.3f}.",
        )
    return block


def trained_section(looked_at: Subject, block: int) -> None:
    """γ and β are trained; the running mean and variance are not — counted from the model."""
    st.header("6 · What is trained, and what is not")
    model, _, which = looked_at
    layers = batchnorm.batch_norm_layers(model)
    trainable = sum(layer.trainable for layer in layers)
    non_trainable = sum(layer.non_trainable for layer in layers)
    st.markdown(
        f"Counted from the model: its batch-norm layers hold **{trainable}** trainable numbers (a scale γ "
        f"and a shift β per channel, learned by gradient descent like the kernels) and **{non_trainable}** "
        "non-trainable ones (a running mean and variance per channel, updated by averaging each batch's "
        "mean and variance, never by gradients). Keras lists these as *non-trainable parameters*."
    )
    layer = next(layer for layer in layers if layer.block == block)
    st.dataframe(
        [
            {
                "channel": channel + 1,
                "γ (trained)": round(float(layer.gamma[channel]), 4),
                "β (trained)": round(float(layer.beta[channel]), 4),
                "running mean (not trained)": round(float(layer.running_mean[channel]), 4),
                "running variance (not trained)": round(float(layer.running_variance[channel]), 4),
            }
            for channel in range(layer.gamma.shape[0])
        ],
        hide_index=True,
        width="stretch",
    )
    st.caption(
        f"Block {block} of {which}. Every one starts at γ = 1, β = 0, running mean 0 and running variance 1."
    )


# The page ------------------------------------------------------------------------------------

st.title("Batch normalization")
st.markdown(
    "Batch normalization takes each channel's values over a mini-batch and shifts and scales them to a "
    "mean of 0 and a standard deviation of 1; then the network may rescale them with two numbers it "
    "learns, γ and β. The notes promise three things from it: **stability**, **faster training** and a "
    "**regularizing effect**. Here the same CNN trains twice, with and without batch norm, from the same "
    "start on the same batches — and the page measures each promise instead of taking it on trust."
)

st.header("1 · The experiment")
current_recipe, train_set, validation_set = experiment_controls()
network_caption(current_recipe, train_set, validation_set)
ui.download_code(
    snippets.batch_norm(current_recipe.model, current_recipe.train, dataset=current_recipe.data),
    "batch_norm.py",
    "bn_code",
)
run_controls(current_recipe, train_set, validation_set)
current = lab()
if current.experiment is not None:
    st.fragment(live_view, run_every=training_views.REFRESH_SECONDS if current.running else None)()
else:
    st.caption(
        "Press Start to train both models. Nothing is downloaded: every model trains on this server's "
        "CPU, a few batches at a time, and the charts fill in as it goes."
    )
looked_at = subject(current_recipe, validation_set)
chosen_block = one_channel_section(looked_at)
trained_section(looked_at, chosen_block)
