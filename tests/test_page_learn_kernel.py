"""The learn-one-kernel page: gradient descent finds the hidden kernel, step by step, on screen."""

from __future__ import annotations

import numpy as np

from tests.apptest import open_app, page_text, shown_code


def fit(at):
    return at.session_state["kernel_fit"][1]


def messages(at) -> str:
    return "\n".join(m.value for kind in (at.info, at.success, at.warning, at.error) for m in kind)


def test_a_photo_gives_back_the_hidden_sobel_kernel():
    at = open_app("pages/learn-kernel.py", image="china", target="sobel-vertical", pace="100")
    assert not at.exception
    assert "Step 0: loss" in messages(at)
    for _ in range(5):
        at.button(key="step").click().run()
    learned = fit(at).kernel
    np.testing.assert_allclose(learned, [[1, 0, -1], [2, 0, -2], [1, 0, -1]], atol=0.01)
    assert "Converged in" in messages(at) and "Gradient descent found it" in messages(at)
    # The learned numbers are written in the grid on screen.
    learned_grid = at.get("plotly_chart")[0].proto.spec
    assert "Learned, step 500" in learned_grid or "Learned, step" in learned_grid


def test_each_click_takes_the_chosen_number_of_steps_and_the_loss_falls():
    at = open_app("pages/learn-kernel.py", image="china", pace="20")
    before = fit(at).loss
    at.button(key="step").click().run()
    assert fit(at).steps == 20 and fit(at).loss < before
    at.button(key="restart").click().run()
    assert fit(at).steps == 0


def test_play_advances_on_every_refresh_and_pause_stops_it():
    at = open_app("pages/learn-kernel.py", image="china", pace="1")
    at.button(key="play").click().run()
    after_play = fit(at).steps
    at.run()
    assert fit(at).steps > after_play >= 1
    at.button(key="play").click().run()  # now labelled Pause
    paused = fit(at).steps
    at.run()
    assert fit(at).steps == paused


def test_the_notes_picture_is_too_plain_to_pin_the_kernel_down():
    at = open_app("pages/learn-kernel.py")
    at.button(key="step").click().run()
    assert "does not show enough different patterns" in messages(at)
    zero = open_app("pages/learn-kernel.py", target="sobel-vertical")
    assert "turns this picture into all zeros" in messages(zero)
    assert zero.button(key="play").disabled


def test_too_large_a_learning_rate_blows_up():
    at = open_app("pages/learn-kernel.py", image="china", rate="2.5", pace="100")
    for _ in range(3):
        at.button(key="step").click().run()
    assert not at.exception
    assert "The kernel blew up" in messages(at)


def test_hiding_the_kernel_and_bad_links():
    at = open_app("pages/learn-kernel.py", reveal="false")
    assert "Hidden. The learner only sees" in page_text(at)
    bad = open_app("pages/learn-kernel.py", target="nope", rate="9", seed="x")
    assert not bad.exception
    warnings = "\n".join(w.value for w in bad.warning)
    assert "**target**" in warnings and "**rate**" in warnings and "**seed**" in warnings


def test_the_code_follows_the_controls():
    at = open_app("pages/learn-kernel.py")
    source = shown_code(at, "learn a kernel")
    assert "RATE_SCALE, SEED, MAX_SIDE, SIGMA = 1, 0, 64, 2" in source
    assert "[1, 2, 1]," in source
    at.slider(key="rate").set_value(1.5).run()
    at.slider(key="seed").set_value(7).run()
    assert not at.exception
    source = shown_code(at, "learn a kernel")
    assert "RATE_SCALE, SEED, MAX_SIDE, SIGMA = 1.5, 7, 64, 2" in source
