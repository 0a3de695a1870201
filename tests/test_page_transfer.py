"""The transfer page: the source side, the target slider, the three runs in steps, start/stop/reset, links."""

from __future__ import annotations

import pytest

from explorer.transfer import load_source
from tests.apptest import metric, open_app, page_text, shown_code

# Small and quick: two pictures per digit, few epochs, big batches.
QUICK = {"per": "2", "epochs": "5", "batch": "64"}
# Long enough that one step (a third of a second) cannot finish it.
LONG = {"per": "50", "epochs": "60", "batch": "8"}


def lab(at):
    return at.session_state["transfer_lab"]


def start(at):
    at.button(key="start").click().run()
    return at


def run_to_the_end(at, limit: int = 40):
    for _ in range(limit):
        if not lab(at).running:
            break
        at.run()
    at.run()
    return at


def table(at):
    return at.dataframe[0].value


def test_defaults_show_the_source_the_target_and_the_table():
    at = open_app("pages/transfer.py")
    assert not at.exception
    record = load_source().record
    text = page_text(at)
    assert "VGG16 trained on ImageNet" in text and "new head" in text and "fine-tune" in text
    assert metric(at, "Source training images") == f"{record.train_images:,}"
    assert metric(at, "Source validation accuracy") == f"{record.accuracy:.1%}"
    assert f"{record.real_digits_accuracy:.1%}" in text
    assert "**100 training pictures** (10 per digit)" in text
    assert "the other 1,297 real digits" in text
    assert "All 100 training pictures, one column per digit 0–9." in text
    assert "Two generated pictures of each digit" in text
    assert "from scratch **26,698** · frozen base **25,450** · fine-tuned **26,698**" in text
    frame = table(at)
    assert list(frame.columns) == [
        "layer",
        "output shape",
        "parameters",
        "from scratch",
        "frozen base",
        "fine-tuned",
    ]
    frozen = frame[frame["frozen base"].str.contains("frozen")]
    assert list(frozen["layer"]) == [
        "block 1: convolution 3×3, 8 filters",
        "block 2: convolution 3×3, 16 filters",
    ]
    assert frame["fine-tuned"].iloc[0] == "pretrained → trained slower"
    assert "Fine-tuning trains the base at 0.1 × the learning rate" in text
    assert "Press Start" in text
    assert at.button(key="stop").disabled and at.button(key="reset").disabled
    assert len(at.get("download_button")) == 2  # weights and config (the code's: in its expander)


def test_a_quick_comparison_runs_in_steps_and_finishes_with_a_verdict():
    at = start(open_app("pages/transfer.py", **QUICK))
    comparison = lab(at).comparison
    assert sum(t.batches_done for t in comparison.runs.values()) > 0
    run_to_the_end(at)
    assert not at.exception and comparison.done and not lab(at).running
    assert "Finished · epoch 5 of 5" in at.get("progress")[0].proto.text
    for label in ("From scratch", "Frozen base", "Fine-tuned"):
        assert metric(at, f"{label}: validation accuracy").endswith("%")
    text = page_text(at)
    assert "With 2 training pictures per class, the frozen pretrained base reached" in text
    assert "25,450 trainable parameters" in text
    spec = at.get("plotly_chart")[0].proto.spec
    assert all(f'"{name} validation"' in spec for name in ("from scratch", "frozen base", "fine-tuned"))


def test_stop_then_reset():
    at = start(open_app("pages/transfer.py", **LONG))
    comparison = lab(at).comparison
    at.run()
    at.button(key="stop").click().run()
    assert comparison.done and not lab(at).running
    assert all(t.stop_reason == "stopped" for t in comparison.runs.values())
    stopped_at = [t.batches_done for t in comparison.runs.values()]
    at.run()
    assert [t.batches_done for t in comparison.runs.values()] == stopped_at
    assert "Stopped · epoch" in at.get("progress")[0].proto.text
    at.button(key="reset").click().run()
    assert lab(at).comparison is None and "Press Start" in page_text(at)


def test_every_control_changes_what_the_runs_use():
    at = open_app("pages/transfer.py")
    at.slider(key="per").set_value(40).run()
    at.slider(key="seed").set_value(3).run()
    at.slider(key="epochs").set_value(55).run()
    at.slider(key="batch").set_value(8).run()
    at.selectbox(key="lr").set_value("0.01").run()
    at.selectbox(key="opt").set_value("sgd").run()
    at.selectbox(key="baselr").set_value("0.01").run()
    assert not at.exception
    assert "**400 training pictures** (40 per digit)" in page_text(at)
    assert "Fine-tuning trains the base at 0.01 × the learning rate" in page_text(at)
    start(at)
    settings = lab(at).comparison.settings
    assert (settings.per_class, settings.seed, settings.epochs, settings.batch_size) == (40, 3, 55, 8)
    assert (settings.learning_rate, settings.optimizer, settings.base_rate_factor) == (0.01, "sgd", 0.01)
    assert at.query_params["per"] in ("40", ["40"])
    at.selectbox(key="baselr").set_value("1").run()
    assert "The settings above changed since these runs started" in page_text(at)
    assert table(at)["fine-tuned"].iloc[0] == "pretrained → trained"
    at.button(key="stop").click().run()  # gives the server-wide trainer slot back


def test_more_pictures_than_drawn_says_how_many_are_shown():
    at = open_app("pages/transfer.py", per="30")
    assert "10 of the 30 training pictures of each digit" in page_text(at)


def test_deep_links_good_and_bad():
    at = open_app("pages/transfer.py", per="4", seed="9", epochs="6", lr="0.001", opt="sgd", baselr="1")
    assert not at.exception and not at.warning
    assert "**40 training pictures** (4 per digit)" in page_text(at)
    for key, value in [
        ("per", "1"),
        ("per", "abc"),
        ("seed", "-3"),
        ("lr", "5"),
        ("opt", "rmsprop"),
        ("baselr", "2"),
    ]:
        at = open_app("pages/transfer.py", **{key: value})
        assert not at.exception
        assert any(key in warning.value for warning in at.warning), (key, value)
    assert "**100 training pictures** (10 per digit)" in page_text(open_app("pages/transfer.py", per="abc"))


def test_a_full_server_makes_the_tab_wait_in_line_then_train():
    import ui

    slots = ui.trainer_slots()
    others = [f"other-tab-{index}" for index in range(slots.capacity)]
    try:
        for other in others:
            slots.request(other)
        at = start(open_app("pages/transfer.py", **LONG))
        waiting = "\n".join(i.value for i in at.info)
        assert "Waiting for a free trainer" in waiting and "number 1 in line" in waiting
        comparison = lab(at).comparison
        assert all(t.batches_done == 0 for t in comparison.runs.values()) and lab(at).running
        assert "Waiting · epoch" in at.get("progress")[0].proto.text
        for other in others:
            slots.release(other)
        at.run()
        assert sum(t.batches_done for t in comparison.runs.values()) > 0
        at.button(key="stop").click().run()
        assert slots.training_sessions() == 0  # Stop gave the slot back
    finally:
        for other in others:
            slots.release(other)


def test_a_missing_source_model_is_explained_not_a_traceback(monkeypatch, tmp_path):
    import streamlit as st

    import explorer.transfer

    monkeypatch.setattr(explorer.transfer, "SOURCE_WEIGHTS", tmp_path / "missing.safetensors")
    st.cache_resource.clear()
    try:
        at = open_app("pages/transfer.py")
        assert not at.exception
        assert any("python -m scripts.pretrain_source" in error.value for error in at.error)
    finally:
        monkeypatch.undo()
        st.cache_resource.clear()


@pytest.mark.parametrize("key", ["start", "stop", "reset"])
def test_buttons_exist(key):
    at = open_app("pages/transfer.py", **QUICK)
    assert at.button(key=key) is not None


def test_the_code_follows_the_controls():
    at = open_app("pages/transfer.py")
    source = shown_code(at, "transfer learning")
    assert "PER_CLASS, POOL_PER_CLASS, SPLIT_SEED = 10, 50, 0" in source
    assert "BASE_RATE_FACTOR = 0.1" in source
    at.slider(key="per").set_value(3).run()
    assert not at.exception
    source = shown_code(at, "transfer learning")
    assert "PER_CLASS, POOL_PER_CLASS, SPLIT_SEED = 3, 50, 0" in source
