"""Training lab: train a small CNN live and watch its filters and feature maps learn."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
import streamlit as st

import ui
from explorer import datasets, filter_match, models, snippets, training, training_views, tryit
from explorer.augment import (
    MAX_BRIGHTNESS,
    MAX_ROTATION_DEGREES,
    MAX_SCALE,
    MAX_TRANSLATION,
    AugmentConfig,
    preview_grid,
)
from explorer.datasets import DatasetError, ImageDataset
from explorer.images import ImageLoadError, load_image

ui.ensure_routed()

GALLERY_CELL = 84  # screen pixels per small picture in galleries
DATASETS = {
    "digits": "Handwritten digits (1,797 real scans)",
    "edges": "Edges and stripes (generated)",
    "shapes": "Colour shapes (generated)",
    "zip": "Your own images (.zip)",
}
LEARNING_RATES = {rate: rate for rate in ("0.0001", "0.0003", "0.001", "0.003", "0.01", "0.03", "0.1")}
PADDINGS = {"same": "same (keep the size)", "valid": "valid (no padding)", "1": "1", "2": "2"}
ZIP_LIMIT_MB = 25
TRY_SOURCES = {"draw": "Draw", "upload": "Upload a picture", "camera": "Take a photo"}
CANVAS_SIDE = 280  # the drawing pad, ten times the digits' 28 pixels


@dataclass
class Lab:
    """This tab's training run: the trainers, whether they are running, and a loaded model."""

    trainer: training.Trainer | None = None
    baseline: training.Trainer | None = None  # the MLP trained on the same budget, when compared
    running: bool = False
    recipe: tuple = ()  # the Recipe the run was built from, to notice later changes
    loaded: training.Model | None = None
    loaded_name: str = ""
    error: str = ""


class Recipe(NamedTuple):
    """Everything a run is built from: data, model, training settings and the comparison.

    A tuple, so runs built before a rerun (which redefines this class) still compare equal.
    """

    data_key: tuple
    model: models.CNNConfig
    train: training.TrainConfig
    baseline: models.MLPConfig | None


def lab() -> Lab:
    """This session's lab, made on first use (session state is never shared between tabs)."""
    if "lab" not in st.session_state:
        st.session_state["lab"] = Lab()
    return st.session_state["lab"]


# Data ------------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Preparing the data…", max_entries=12)
def built_in_split(name: str, validation: float, shuffle: bool) -> tuple[ImageDataset, ImageDataset]:
    """A built-in data set split once per setting and shared read-only by every session."""
    dataset = {"digits": datasets.digits, "edges": datasets.edges, "shapes": datasets.shapes}[name]()
    return dataset.split(validation, seed=0, shuffle=shuffle)


def zip_controls() -> tuple[bytes | None, tuple[int, int], str]:
    """The zip upload and how to read it (target size and colour mode)."""
    upload_column, size_column, mode_column = st.columns([2, 1, 1])
    with upload_column:
        upload = st.file_uploader(
            "A .zip with one folder of images per class, e.g. cats/… and dogs/…",
            type=["zip"],
            key="zip",
            help=f"Up to {ZIP_LIMIT_MB} MB. Images are read in memory; nothing is stored on the server.",
        )
    with size_column:
        side = ui.slider("Target size (pixels a side)", 16, 64, 32, "side", step=8)
    with mode_column:
        mode = ui.choice("Colour", {"rgb": "RGB", "grayscale": "Grayscale"}, "rgb", "colour", widget="radio")
    return (upload.getvalue() if upload is not None else None), (side, side), mode


def zip_dataset(data: bytes, size: tuple[int, int], mode: str) -> datasets.ZipLoadResult | None:
    """Read the zip once per file and setting, kept in this session only; errors shown in words."""
    key = (hash(data), size, mode)
    cached = st.session_state.get("zip_result")
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        result = datasets.from_zip(data, target_size=size, color_mode=mode, name="Your images")
    except DatasetError as error:
        st.error(f"That zip cannot be used: {ui.plain(str(error))}", icon=":material/folder_off:")
        return None
    st.session_state["zip_result"] = (key, result)
    return result


def data_section() -> tuple[tuple[ImageDataset, ImageDataset] | None, tuple]:
    """Choose, split and show the data; returns (train, validation) or None, and a key of the choice."""
    st.header("1 · The data")
    choice_column, split_column, shuffle_column = st.columns([2, 1, 1])
    with choice_column:
        name = ui.choice("Data set", DATASETS, "digits", "data")
    with split_column:
        validation = ui.slider("Validation share", 0.1, 0.5, 0.2, "val", step=0.05)
    with shuffle_column:
        shuffle = ui.toggle("Shuffle before splitting", True, "shuffle")
    if name != "zip":
        train, valid = built_in_split(name, validation, shuffle)
        show_dataset(train, valid)
        return (train, valid), (name, validation, shuffle)
    data, size, mode = zip_controls()
    if data is None:
        st.info("Upload a zip to train on your own pictures.", icon=":material/upload:")
        return None, ("zip",)
    result = zip_dataset(data, size, mode)
    if result is None:
        return None, ("zip",)
    for note in result.notes:
        st.caption(ui.plain(note))
    if result.skipped:
        with st.expander(f"{len(result.skipped)} file(s) left out, and why"):
            st.text("\n".join(result.skipped[:200]))
    try:
        train, valid = result.dataset.split(validation, seed=0, shuffle=shuffle)
    except ValueError as error:
        st.error(f"These images cannot be split for validation: {ui.plain(str(error))}")
        return None, ("zip",)
    show_dataset(train, valid)
    return (train, valid), ("zip", hash(data), size, mode, validation, shuffle)


def show_dataset(train: ImageDataset, validation: ImageDataset) -> None:
    """Class counts and nine random pictures with their labels."""
    counts_column, samples_column = st.columns([1, 2])
    with counts_column:
        counts = train.class_counts()
        held_out = validation.class_counts()
        st.dataframe(
            [{"class": name, "training": counts[name], "validation": held_out[name]} for name in counts],
            hide_index=True,
            width="stretch",
        )
        height, width, channels = train.images.shape[1:]
        st.caption(
            f"{len(train)} training and {len(validation)} validation images of {height} × {width} × "
            f"{channels} ({'colour' if channels == 3 else 'grey'})."
        )
    with samples_column:
        picks = train.sample(9, seed=0)
        st.image(
            [training_views.to_tile(train.images[index], GALLERY_CELL) for index in picks],
            caption=[ui.plain(train.class_names[train.labels[index]]) for index in picks],
        )


def augment_section(sample: np.ndarray) -> AugmentConfig:
    """Augmentation ranges, with one training picture shown nine ways."""
    with st.expander("Augmentation (training batches only)", icon=":material/auto_awesome:"):
        st.markdown(
            "Each training batch is changed a little at random — turned, shifted, zoomed, mirrored, "
            "brightened — so the network sees more variety than the data holds. Validation pictures "
            "are never changed."
        )
        controls, preview = st.columns([1, 1.3])
        with controls:
            config = AugmentConfig(
                rotation_degrees=ui.slider("Rotation ± degrees", 0, int(MAX_ROTATION_DEGREES), 0, "rot"),
                translation=ui.slider(
                    "Shift ± share of the size", 0.0, MAX_TRANSLATION, 0.0, "shift", step=0.05
                ),
                scale=ui.slider("Zoom ± share", 0.0, MAX_SCALE, 0.0, "zoom", step=0.05),
                horizontal_flip=ui.toggle("Mirror left–right half the time", False, "flip"),
                brightness=ui.slider("Brightness ±", 0.0, MAX_BRIGHTNESS, 0.0, "bright", step=0.05),
            )
        with preview:
            grid = preview_grid(sample, config, seed=0)
            st.image(
                [training_views.to_tile(image, GALLERY_CELL) for image in grid],
                caption=["original"] + [""] * 8,
            )
            if config.is_identity:
                st.caption("All ranges are 0, so the nine pictures are the same.")
    return config


# Model and training settings -------------------------------------------------------------


def model_section(train: ImageDataset) -> models.CNNConfig | None:
    """The CNN's settings and its summary table; None (with the reason shown) when they do not fit."""
    st.header("2 · The model")
    height, width, channels = train.images.shape[1:]
    shape_column, block_column, head_column = st.columns(3)
    with shape_column:
        blocks = ui.slider("Convolution blocks", 1, 3, 2, "blocks")
        filters = tuple(
            ui.slider(f"Filters in block {number}", 1, 32, min(8 * 2 ** (number - 1), 32), f"f{number}")
            for number in range(1, blocks + 1)
        )
    with block_column:
        kernel = ui.slider("Kernel size", 1, 7, 3, "ksize")
        padding = ui.choice("Padding", PADDINGS, "1", "pad")
        stride = ui.slider("Stride", 1, 3, 1, "stride")
        pooling = ui.choice("Pooling after each block (2 × 2)", models.POOLINGS, "max", "pool")
    with head_column:
        activation = ui.choice("Activation", models.ACTIVATIONS, "relu", "act")
        batch_norm = ui.toggle("Batch normalisation", False, "bn")
        dropout = ui.slider("Dropout before the dense layers", 0.0, 0.8, 0.0, "drop", step=0.1)
        dense = ui.slider("Hidden dense units (0 = none)", 0, 128, 32, "dense", step=8)
    try:
        config = models.CNNConfig(
            input_size=(height, width),
            in_channels=channels,
            num_classes=len(train.class_names),
            conv_blocks=blocks,
            filters=filters,
            kernel_size=kernel,
            padding=padding if padding in ("same", "valid") else int(padding),
            stride=stride,
            pooling=pooling,
            activation=activation,
            batch_norm=batch_norm,
            dropout=dropout,
            dense_width=dense,
        )
    except ValueError as error:
        st.error(f"This network cannot be built: {ui.plain(str(error))}", icon=":material/block:")
        return None
    summary_table(config, "The network, layer by layer")
    return config


def summary_table(config: models.CNNConfig | models.MLPConfig, title: str) -> None:
    """Each layer's output shape and parameters, with the totals."""
    rows = models.summary(config)
    totals = models.summary_totals(rows)
    with st.expander(f"{title} — {totals.trainable:,} trainable parameters", expanded=False):
        st.dataframe(
            [
                {
                    "layer": row.name,
                    "output shape": " × ".join(map(str, row.output_shape)),
                    "trainable": row.trainable,
                    "non-trainable": row.non_trainable,
                }
                for row in rows
            ],
            hide_index=True,
            width="stretch",
        )
        st.caption(
            f"Total parameters: {totals.total:,} = {totals.trainable:,} trainable + "
            f"{totals.non_trainable:,} non-trainable (batch norm's running mean and variance). "
            "Pooling, activations and flattening have none."
        )


def training_section(train: ImageDataset) -> tuple[training.TrainConfig, models.MLPConfig | None]:
    """Optimiser, schedule, callbacks and the MLP comparison."""
    st.header("3 · Training")
    run_column, callback_column, compare_column = st.columns(3)
    with run_column:
        batch_size = ui.slider("Batch size", 8, 256, 32, "batch", step=8)
        epochs = ui.slider("Epochs", 1, 50, 12, "epochs")
        rate = ui.choice("Learning rate", LEARNING_RATES, "0.003", "lr")
        optimizer = ui.choice("Optimiser", training.OPTIMIZERS, "adam", "opt")
        seed = ui.slider("Seed (the same seed repeats the same run)", 0, 99, 0, "seed")
    with callback_column:
        checkpoint = ui.toggle("Checkpoint the best validation loss", True, "ckpt")
        early = ui.toggle("Early stopping", False, "es")
        patience = ui.slider("Patience (epochs)", 0, 10, 3, "patience")
        delta = ui.slider("min_delta", 0.0, 0.1, 0.0, "delta", step=0.005)
        restore = ui.toggle("Restore the best weights at the end", True, "restore")
    with compare_column:
        compare = ui.toggle("Also train an MLP on the flattened pixels", False, "compare")
        hidden = ui.slider("MLP hidden units", 8, 256, 64, "hidden", step=8)
        st.caption(
            "The MLP sees the same pictures, epochs, batch size, learning rate and optimiser, "
            "so the two curves compare like for like."
        )
    settings = training.TrainConfig(
        batch_size=batch_size,
        epochs=epochs,
        learning_rate=float(rate),
        optimizer=optimizer,
        seed=seed,
        early_stopping=early,
        patience=patience,
        min_delta=delta,
        restore_best_weights=restore,
        checkpoint_best=checkpoint,
    )
    height, width, channels = train.images.shape[1:]
    baseline = (
        models.MLPConfig(
            input_size=(height, width),
            in_channels=channels,
            num_classes=len(train.class_names),
            hidden_width=hidden,
        )
        if compare
        else None
    )
    return settings, baseline


# Running ---------------------------------------------------------------------------------


def start(recipe: Recipe, train: ImageDataset, validation: ImageDataset) -> None:
    """Build fresh trainers from the recipe (same seed, same start) and set them running."""
    state = lab()
    state.error = ""
    try:
        state.trainer = training.Trainer(recipe.model, recipe.train, train, validation)
        state.baseline = (
            training.Trainer(recipe.baseline, recipe.train, train, validation) if recipe.baseline else None
        )
    except ValueError as error:
        state.trainer = state.baseline = None
        state.error = str(error)
        return
    state.recipe = recipe
    state.running = True


def pause() -> None:
    lab().running = False
    ui.release_trainer()


def resume() -> None:
    lab().running = True


def stop() -> None:
    state = lab()
    state.running = False
    for trainer in (state.trainer, state.baseline):
        if trainer is not None:
            trainer.stop()
    ui.release_trainer()


def reset() -> None:
    stop()
    state = lab()
    state.trainer = state.baseline = None
    state.recipe = ()


def advance(state: Lab) -> None:
    """One bounded step of training (if this tab holds a trainer), then the baseline catches up."""
    if not ui.may_train():
        return
    trainer = state.trainer
    trainer.run_steps(max_batches=100_000, max_seconds=training_views.STEP_SECONDS)
    baseline = state.baseline
    if baseline is not None and not baseline.done:
        behind = trainer.batches_done - baseline.batches_done
        if behind > 0:
            baseline.run_steps(max_batches=behind)
        if trainer.done and not baseline.done:
            baseline.stop()  # the CNN stopped early: the MLP gets the same number of batches
    if trainer.done:
        state.running = False
        ui.release_trainer()
        st.rerun()


def run_controls(recipe: Recipe | None, data: tuple[ImageDataset, ImageDataset] | None) -> None:
    """Start, Pause, Resume, Stop and Reset, enabled as the run's state allows."""
    state = lab()
    trainer = state.trainer
    started = trainer is not None
    finished = started and trainer.done
    columns = st.columns(5)
    columns[0].button(
        "Start" if not started else "Start again",
        key="start",
        icon=":material/play_arrow:",
        type="primary",
        disabled=recipe is None or data is None or (started and state.running),
        on_click=start,
        args=(recipe, *data) if recipe is not None and data is not None else None,
    )
    columns[1].button(
        "Pause", key="pause", icon=":material/pause:", disabled=not state.running, on_click=pause
    )
    columns[2].button(
        "Resume",
        key="resume",
        icon=":material/resume:",
        disabled=not started or state.running or finished,
        on_click=resume,
    )
    columns[3].button(
        "Stop", key="stop", icon=":material/stop:", disabled=not started or finished, on_click=stop
    )
    columns[4].button(
        "Reset", key="reset", icon=":material/restart_alt:", disabled=not started, on_click=reset
    )
    if state.error:
        st.error(f"Training could not start: {ui.plain(state.error)}")
    if started and recipe is not None and state.recipe != recipe:
        st.caption(
            "The settings above changed since this run started; it keeps its own. "
            "Press **Start again** to train with the new ones."
        )


def status_line(state: Lab) -> None:
    trainer = state.trainer
    if trainer.done:
        reason = {"finished": "finished", "early_stopping": "stopped early", "stopped": "stopped"}
        phase = reason[trainer.stop_reason]
    else:
        phase = "training" if state.running else "paused"
    st.progress(
        trainer.progress,
        text=f"{phase.capitalize()} · epoch {min(trainer.epoch + 1, trainer.config.epochs)} of "
        f"{trainer.config.epochs} · {trainer.batches_done} batches of {trainer.config.batch_size}",
    )


def live_view() -> None:
    """The part redrawn while training: progress, curves, filters, feature maps, diagnosis."""
    state = lab()
    if state.trainer is None:
        return
    if state.running:
        advance(state)
    trainer = state.trainer
    status_line(state)
    history = trainer.history
    metrics = st.columns(4)
    last = history.epochs > 0
    metrics[0].metric("Training accuracy", f"{history.train_accuracy[-1]:.1%}" if last else "–")
    metrics[1].metric("Validation accuracy", f"{history.val_accuracy[-1]:.1%}" if last else "–")
    metrics[2].metric("Validation loss", f"{history.val_loss[-1]:.3f}" if last else "–")
    metrics[3].metric("Best epoch (lowest val. loss)", trainer.best_epoch or "–")
    histories = {"": history} if state.baseline is None else {"CNN": history, "MLP": state.baseline.history}
    curves_area, filters_area, maps_area = st.container(), st.container(), st.container()
    with maps_area:
        index = feature_picker(trainer)
    views = training_views.live_views(trainer, index)
    with curves_area:
        curves = views.curves if state.baseline is None else training_views.curves_figure(histories)
        ui.show_figure(curves, "curves", alt=training_views.curves_description(histories))
        if state.baseline is not None:
            comparison(history, state.baseline.history)
        diagnosis = trainer.diagnosis()
        show = {"overfitting": st.warning, "underfitting": st.warning, "fine": st.success}.get(
            diagnosis.verdict, st.info
        )
        show(diagnosis.message)
    with filters_area:
        filters_panel(trainer, views.filters, state.recipe.data_key[0] == "edges")
    with maps_area:
        for label, mosaic in views.feature_maps:
            st.image(mosaic, caption=label)
    if trainer.events:
        with st.expander("Callback log (as Keras' verbose=1 prints it)"):
            st.code("\n".join(trainer.events[-30:]), language=None)


def comparison(cnn: training.TrainingHistory, mlp: training.TrainingHistory) -> None:
    """The notes' claim made concrete: the accuracy gap between the CNN and the MLP."""
    epochs = min(cnn.epochs, mlp.epochs)
    if epochs == 0:
        st.caption("The gap between the CNN and the MLP appears after the first epoch.")
        return
    gap = cnn.val_accuracy[epochs - 1] - mlp.val_accuracy[epochs - 1]
    if abs(gap) < 0.005:
        verdict = "the two are level: this data is easy enough for both"
    else:
        verdict = f"the CNN is **{abs(gap):.1%} {'ahead' if gap > 0 else 'behind'}**"
    st.markdown(
        f"After {epochs} epoch(s) on the same budget the CNN's validation accuracy is "
        f"**{cnn.val_accuracy[epochs - 1]:.1%}** and the MLP's **{mlp.val_accuracy[epochs - 1]:.1%}**: "
        f"{verdict}. The MLP sees the pixels as one long list and has lost who was next to whom; "
        "the CNN's kernels look at neighbours."
    )


def filters_panel(trainer: training.Trainer, current: np.ndarray | None, compare_kernels: bool) -> None:
    """The first layer's filters now, a replay of every past epoch, and the named kernels they resemble."""
    if current is None:
        return
    current_filters = trainer.current_filters()
    st.subheader("The first layer's filters, learning")
    now_column, replay_column = st.columns(2)
    with now_column:
        st.image(current, caption="Now. Purple is negative, white 0, orange positive.")
    with replay_column:
        epoch = ui.slider(
            "Replay the filters at epoch", 0, trainer.config.epochs, trainer.config.epochs, "replay"
        )
        shown = min(epoch, len(trainer.filter_history) - 1)
        st.image(
            training_views.filter_mosaic(trainer.filter_history[shown]),
            caption=f"At epoch {shown}"
            + (" (the random start)" if shown == 0 else "")
            + (f" — epoch {epoch} has not happened yet" if shown < epoch else ""),
        )
    matches = [match for match in filter_match.closest_named_kernels(current_filters) if match is not None]
    if matches:
        with st.expander("Which hand-made kernel does each filter look like?", expanded=compare_kernels):
            st.caption(
                "Each learned filter beside the named kernel it most resembles (cosine similarity: 1 is "
                "the same pattern, 0 nothing alike; a minus sign means light and dark swapped)."
            )
            st.dataframe(
                [
                    {
                        "filter": m.filter_index + 1,
                        "looks most like": m.label,
                        "similarity": round(m.similarity, 2),
                    }
                    for m in matches
                ],
                hide_index=True,
            )
    if current_filters.shape[2] == 3:
        st.image(
            training_views.channel_mosaic(current_filters),
            caption="The same colour filters split into their R, G and B slices (one row each).",
        )


def feature_picker(trainer: training.Trainer) -> int:
    """Choose the validation picture whose feature maps are drawn below it; returns its index."""
    validation = trainer.validation_set
    if not isinstance(trainer.model, models.ConvNet):
        return 0
    st.subheader("Feature maps of one validation picture")
    st.caption("After the convolution, after the activation and after pooling, block by block.")
    pick_column, picture_column = st.columns([3, 1])
    with pick_column:
        index = ui.slider("Validation picture", 0, len(validation) - 1, 0, "valimg")
    with picture_column:
        st.image(
            training_views.to_tile(validation.images[index], 84),
            caption=f"Label: {ui.plain(validation.class_names[validation.labels[index]])}",
        )
    return index


# After training ----------------------------------------------------------------------------


def results_section(trainer: training.Trainer) -> None:
    """Confusion matrix, per-class accuracy and the most confident mistakes."""
    st.header("4 · What the model gets wrong")
    validation = trainer.validation_set
    names = validation.class_names
    matrix_column, accuracy_column = st.columns([3, 2])
    with matrix_column:
        matrix = trainer.confusion_matrix()
        ui.show_figure(
            training_views.confusion_figure(matrix, names),
            "confusion",
            alt=f"Confusion matrix: {int(np.trace(matrix))} of {int(matrix.sum())} validation pictures "
            "right.",
        )
    with accuracy_column:
        accuracy = trainer.per_class_accuracy()
        st.dataframe(
            [
                {"class": name, "accuracy": f"{value:.1%}"}
                for name, value in zip(names, accuracy, strict=True)
            ],
            hide_index=True,
            width="stretch",
        )
    mistakes = trainer.most_confident_mistakes(9)
    if len(mistakes) == 0:
        st.success("No validation picture is wrong.")
        return
    st.markdown("**The most confident mistakes** — wrong, and sure of it:")
    st.image(
        [training_views.to_tile(validation.images[index], GALLERY_CELL) for index in mistakes.indices],
        caption=[
            f"{ui.plain(names[true])} → {ui.plain(names[predicted])} ({confidence:.0%})"
            for true, predicted, confidence in zip(
                mistakes.true, mistakes.predicted, mistakes.confidence, strict=True
            )
        ],
    )


def save_section(state: Lab) -> None:
    """Download the model as safetensors + JSON; upload such a pair to use it below."""
    st.header("5 · Save and load")
    save_column, load_column = st.columns(2)
    with save_column:
        if state.trainer is None:
            st.caption("Train a model to download it.")
        else:
            weights, config = state.trainer.save()
            st.download_button(
                "Download weights (.safetensors)",
                data=weights,
                file_name="convolution-explorer-model.safetensors",
                mime="application/octet-stream",
                key="save_weights",
                on_click="ignore",
                icon=":material/download:",
            )
            st.download_button(
                "Download its config (.json)",
                data=config,
                file_name="convolution-explorer-model.json",
                mime="application/json",
                key="save_config",
                on_click="ignore",
                icon=":material/download:",
            )
            st.caption("Safetensors holds only numbers: loading it can never run code, unlike a pickle.")
    with load_column:
        weights_file = st.file_uploader("Weights (.safetensors)", type=["safetensors"], key="load_weights")
        config_file = st.file_uploader("Config (.json)", type=["json"], key="load_config")
        if weights_file is not None and config_file is not None:
            marker = (weights_file.file_id, config_file.file_id)
            if st.session_state.get("loaded_marker") != marker:
                st.session_state["loaded_marker"] = marker
                try:
                    state.loaded = training.load(
                        weights_file.getvalue(), config_file.getvalue().decode("utf-8")
                    )
                    state.loaded_name = weights_file.name
                    state.error = ""
                except (ValueError, UnicodeDecodeError) as error:
                    state.loaded = None
                    st.session_state["load_error"] = str(error)
            if state.loaded is None and st.session_state.get("load_error"):
                st.error(f"That model cannot be loaded: {ui.plain(st.session_state['load_error'])}")
        if state.loaded is not None:
            config = state.loaded.config
            st.success(
                f"Loaded {ui.plain(state.loaded_name)}: takes {config.input_size[0]} × "
                f"{config.input_size[1]} × {config.in_channels} pictures, {config.num_classes} classes. "
                "Try it below."
            )


def try_input(digit_like: bool) -> np.ndarray | None:
    """The picture to classify, from the drawing pad, an upload or the camera (RGB or RGBA uint8)."""
    source = ui.choice("Input", TRY_SOURCES, "draw" if digit_like else "upload", "tryin", widget="radio")
    if source == "draw":
        try:
            from streamlit_drawable_canvas import st_canvas

            drawing = st_canvas(
                stroke_width=22,
                stroke_color="#000000",
                background_color="#FFFFFF",
                width=CANVAS_SIDE,
                height=CANVAS_SIDE,
                drawing_mode="freedraw",
                return_image_data=True,
                key="canvas",
            )
        except Exception as error:  # a third-party widget must not take the page down
            st.warning(
                f"The drawing pad is not available here ({ui.plain(type(error).__name__)}); upload a picture."
            )
            return None
        st.caption("Draw one digit, large, in the middle. Use the pad's bin icon to clear it.")
        return drawing.image_data
    if source == "upload":
        file = st.file_uploader("A picture", type=ui.UPLOAD_TYPES, key="try_upload")
    else:
        file = st.camera_input("Take a photo", key="try_camera")
    if file is None:
        return None
    try:
        return load_image(file.getvalue()).pixels
    except ImageLoadError as error:
        st.error(f"That picture cannot be read: {ui.plain(str(error))}")
        return None


def try_section(state: Lab) -> None:
    """Classify a drawing, an upload or a photo with the trained (or loaded) model."""
    st.header("6 · Try it")
    model = state.loaded if state.loaded is not None else state.trainer.model if state.trainer else None
    if model is None:
        st.caption("Train or load a model first; then draw a digit or show it a picture here.")
        return
    config = model.config
    names = class_names_for(state, config.num_classes)
    digit_like = config.input_size == (28, 28) and config.in_channels == 1 and config.num_classes == 10
    input_column, seen_column, answer_column = st.columns([1.2, 0.8, 1.2])
    with input_column:
        picture = try_input(digit_like)
    if picture is None:
        return
    try:
        prepared = (
            tryit.prepare_digit(picture)
            if digit_like
            else tryit.prepare_image(picture, size=config.input_size, channels=config.in_channels)
        )
    except tryit.EmptyDrawingError:
        with seen_column:
            st.info("Draw a digit first.")
        return
    probabilities = training.class_probabilities(model, prepared[None])[0]  # (K,)
    with seen_column:
        st.image(
            training_views.to_tile(prepared, 168),
            caption=f"What the model sees: {prepared.shape[0]} × {prepared.shape[1]}"
            + (", white ink on black like the training digits" if digit_like else ""),
        )
    with answer_column:
        best = int(np.argmax(probabilities))
        st.markdown(f"The model says **{ui.plain(names[best])}** ({probabilities[best]:.0%} sure).")
        ui.show_figure(
            training_views.probabilities_figure(probabilities, names),
            "try_probabilities",
            alt=", ".join(f"{name}: {p:.0%}" for name, p in zip(names, probabilities, strict=True)),
        )
    if isinstance(model, models.ConvNet):
        with st.expander("The feature maps of this input", expanded=False):
            for stage in models.feature_maps(model, prepared[None]):
                maps = stage.maps[0]  # (H, W, C)
                st.image(
                    training_views.map_mosaic(maps, cell=56, columns=16),
                    caption=f"{stage.name} — {maps.shape[0]} × {maps.shape[1]} × {maps.shape[2]}",
                )


def class_names_for(state: Lab, count: int) -> tuple[str, ...]:
    """The class names of the run's data when they fit the model, else the class numbers."""
    if state.trainer is not None and len(state.trainer.validation_set.class_names) == count:
        return state.trainer.validation_set.class_names
    return tuple(str(index) for index in range(count))


# The page ------------------------------------------------------------------------------------

st.title("Training lab")
st.markdown(
    "On the other pages we chose the kernels by hand. Here a small CNN **learns its own kernels** "
    "from examples: it starts from random numbers, and after every batch gradient descent nudges "
    "each kernel value to make fewer mistakes. Pick the data, press **Start**, and watch the loss fall, "
    "the accuracy rise and the first layer's filters take shape."
)

data, data_key = data_section()
recipe = None
if data is not None:
    train_set, validation_set = data
    augmentation = augment_section(train_set.images[train_set.sample(1, seed=0)[0]])
    model_config = model_section(train_set)
    train_config, baseline_config = training_section(train_set)
    train_config = replace(train_config, augment=augmentation)
    if model_config is not None:
        recipe = Recipe(data_key, model_config, train_config, baseline_config)
        ui.download_code(
            snippets.train(
                model_config,
                train_config,
                validation=st.session_state.get("val", 0.2),
                shuffle=st.session_state.get("shuffle", True),
                dataset=st.session_state.get("data", "digits"),
            ),
            "train.py",
            "train_code",
        )
        if baseline_config is not None:
            summary_table(baseline_config, "The MLP baseline")

st.header("Train", anchor="train")
run_controls(recipe, data)
current = lab()
if current.trainer is not None:
    st.fragment(live_view, run_every=training_views.REFRESH_SECONDS if current.running else None)()
    if not current.running and current.trainer.epoch > 0:
        results_section(current.trainer)
else:
    st.caption("Press Start to train. Nothing is downloaded: everything runs on this server's CPU.")
save_section(current)
try_section(current)
