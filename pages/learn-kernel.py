"""Learn one kernel: gradient descent finds a hidden kernel from a picture and its filtered version."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

import ui
from explorer import figures, kernel_fit, snippets
from explorer.colormaps import diverging_image, symmetric_limit
from explorer.images import enlarge_nearest, to_grayscale
from explorer.kernels import NAMED_KERNELS

ui.ensure_routed()

PLAY_SECONDS = 0.3  # one Play tick
PICTURE_SIDE = 300  # screen pixels for the output pictures
TARGETS = {slug: kernel.name for slug, kernel in NAMED_KERNELS.items() if kernel.weights.shape == (3, 3)}
STEPS_PER_TICK = {"1": "1", "5": "5", "20": "20", "100": "100"}

image = ui.current_image()


def fit_controls() -> tuple[kernel_fit.KernelFitConfig, int]:
    """The hidden kernel, the step size and the seed; returns the config and steps per click."""
    target_column, rate_column, seed_column, pace_column = st.columns(4)
    with target_column:
        target = ui.choice("Hidden target kernel", TARGETS, "sobel-horizontal", "target")
    with rate_column:
        scale = ui.slider(
            "Learning rate (× the safe step 1/λ)",
            0.1,
            2.5,
            1.0,
            "rate",
            step=0.1,
            help="1 never overshoots; between 1 and 2 it zig-zags but still converges; above 2 it blows up.",
        )
    with seed_column:
        seed = ui.slider("Seed of the random start", 0, 99, 0, "seed")
    with pace_column:
        per_click = int(ui.choice("Steps per click", STEPS_PER_TICK, "5", "pace"))
    return kernel_fit.KernelFitConfig(target=target, learning_rate_scale=scale, seed=seed), per_click


def current_fit(config: kernel_fit.KernelFitConfig) -> kernel_fit.KernelFit | None:
    """This tab's fit, started again when the picture or the settings change."""
    key = (image.label, image.pixels.shape, hash(image.pixels.tobytes()), config)
    stored = st.session_state.get("kernel_fit")
    if stored is not None and stored[0] == key:
        return stored[1]
    try:
        fit = kernel_fit.KernelFit(to_grayscale(image.pixels), config)
    except ValueError as error:
        st.error(f"This picture cannot be used here: {ui.plain(str(error))}. Pick a larger picture.")
        return None
    st.session_state["kernel_fit"] = (key, fit)
    st.session_state["kernel_fit_playing"] = False
    return fit


def step(per_click: int) -> None:
    stored = st.session_state.get("kernel_fit")
    if stored is not None:
        stored[1].step(per_click)


def restart() -> None:
    st.session_state.pop("kernel_fit", None)
    st.session_state["kernel_fit_playing"] = False


def toggle_play() -> None:
    st.session_state["kernel_fit_playing"] = not st.session_state.get("kernel_fit_playing", False)


def settled(fit: kernel_fit.KernelFit) -> bool:
    """Nothing more to see: converged, blown up, or nothing to learn from (an all-zero target)."""
    return fit.converged or fit.diverged or not fit.target.any()


def signed_picture(values: np.ndarray, limit: float) -> np.ndarray:
    return enlarge_nearest(diverging_image(values, limit), PICTURE_SIDE)


def loss_figure(history: kernel_fit.FitHistory) -> go.Figure:
    figure = go.Figure(go.Scatter(x=history.steps, y=np.maximum(history.losses, 1e-16), mode="lines"))
    figure.update_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title="Loss (mean squared error) per step",
        xaxis_title="step",
        yaxis={"type": "log", "exponentformat": "power"},
    )
    return figure


def fit_view(per_click: int) -> None:
    """The kernel, its output beside the target, and the loss — advanced by Play when it is on."""
    stored = st.session_state.get("kernel_fit")
    if stored is None:
        return
    fit = stored[1]
    playing = st.session_state.get("kernel_fit_playing", False)
    if playing:
        fit.step(per_click)
        if settled(fit):
            st.session_state["kernel_fit_playing"] = False
            st.rerun()
    status(fit)
    kernel_column, hidden_column, gradient_column = st.columns(3)
    limit = symmetric_limit(fit.target_kernel)
    with kernel_column:
        grid = figures.value_grid(
            fit.kernel, signed=True, value_format=".2f", title=f"Learned, step {fit.steps}"
        )
        grid.data[0].update(zmin=-limit, zmax=limit)
        ui.show_figure(
            grid, "learned", alt=f"Learned kernel after {fit.steps} steps: {fit.kernel.round(2).tolist()}"
        )
    with hidden_column:
        if ui.toggle("Reveal the hidden kernel", True, "reveal"):
            grid = figures.value_grid(
                fit.target_kernel, signed=True, value_format=".2f", title="Hidden target"
            )
            ui.show_figure(grid, "hidden", alt=f"Hidden target kernel: {fit.target_kernel.tolist()}")
        else:
            st.caption("Hidden. The learner only sees the picture and the target output.")
    with gradient_column:
        gradient = fit.gradient()
        grid = figures.value_grid(
            gradient, signed=True, value_format=".2g", title="Gradient (slope of the loss)"
        )
        ui.show_figure(grid, "gradient", alt=f"Gradient of the loss: {gradient.round(3).tolist()}")
        st.caption("Each step moves every number a little against its slope: new = old − rate × gradient.")
    output_limit = symmetric_limit(fit.target)
    picture_column, target_column, loss_column = st.columns(3)
    with picture_column:
        learned_picture = signed_picture(fit.output, output_limit)
        st.image(learned_picture, caption="The learned kernel's output")
        ui.download_png(learned_picture, "learned-output.png", "output_png")
    with target_column:
        st.image(signed_picture(fit.target, output_limit), caption="The target: the hidden kernel's output")
    with loss_column:
        ui.show_figure(
            loss_figure(fit.history()), "loss", alt=f"Loss after {fit.steps} steps: {fit.loss:.3g}"
        )


def status(fit: kernel_fit.KernelFit) -> None:
    """Where the fit stands, in words."""
    distance = float(np.abs(fit.kernel - fit.target_kernel).max())
    if not fit.target.any():
        st.warning(
            "The hidden kernel turns this picture into all zeros (it finds nothing it responds to "
            "here), so every kernel that also gives zeros is just as good and the hidden one cannot "
            "be found. Choose another target, or a photo in the sidebar."
        )
    elif fit.diverged:
        st.error(
            "The kernel blew up: the learning rate is above 2 × the safe step, so every step "
            "overshoots further. Lower it and press Restart."
        )
    elif fit.converged:
        best = fit.exact_solution()
        if np.abs(best - fit.target_kernel).max() > 0.05:
            st.warning(
                f"Converged in {fit.steps} steps — the output matches the target, but the kernel is not "
                "the hidden one: this picture does not show enough different patterns (edges in one "
                "direction only, say) to tell the kernels apart. Try a photo from the sidebar."
            )
        else:
            st.success(
                f"Converged in {fit.steps} steps: the output matches the target and every number is "
                f"within {distance:.2g} of the hidden kernel. Gradient descent found it from examples alone."
            )
    else:
        st.info(
            f"Step {fit.steps}: loss {fit.loss:.3g}; the largest difference from the hidden kernel "
            f"is {distance:.2f}."
        )


st.title("Learn one kernel")
st.markdown(
    "On the other pages we typed the Sobel kernel in by hand. A CNN is never told its kernels: "
    "it **learns** them. Here a kernel is hidden. The learner sees only the picture and what the "
    "hidden kernel made of it, starts from nine random numbers, and after every step of **gradient "
    "descent** changes them a little to shrink the difference (the loss). Watch the numbers find "
    "the hidden kernel."
)
st.caption(
    f"Picture: {ui.plain(image.label)}, in grey, shrunk to at most 64 pixels a side, with its slow "
    "shading removed so the edges stand out (that makes the learning fast)."
)
config, per_click = fit_controls()
fit = current_fit(config)
if fit is not None:
    playing = st.session_state.get("kernel_fit_playing", False)
    buttons = st.columns(4)
    buttons[0].button(
        f"Step × {per_click}", key="step", icon=":material/skip_next:", on_click=step, args=(per_click,)
    )
    buttons[1].button(
        "Pause" if playing else "Play",
        key="play",
        icon=":material/pause:" if playing else ":material/play_arrow:",
        on_click=toggle_play,
        disabled=not playing and settled(fit),
    )
    buttons[2].button("Restart", key="restart", icon=":material/restart_alt:", on_click=restart)
    buttons[3].caption(f"Step size {fit.learning_rate:.3g} (= {config.learning_rate_scale:g} / λ_max).")
    st.fragment(fit_view, run_every=PLAY_SECONDS if playing else None)(per_click)
    ui.download_code(
        snippets.learn_kernel(
            image.pixels,
            config.target_weights,
            learning_rate_scale=config.learning_rate_scale,
            seed=config.seed,
            max_side=config.max_side,
            highpass_sigma=config.highpass_sigma,
        ),
        "learn_kernel.py",
        "learn_code",
    )
