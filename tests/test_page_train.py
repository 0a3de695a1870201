"""The training lab page: data, model, live training in steps, pause/stop/reset, results, save and load."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from explorer.images import encode_jpeg, encode_png
from tests.apptest import metric, open_app, page_text, shown_code

# A small, quick set-up: generated edges, one block, few epochs.
QUICK = {"data": "edges", "blocks": "1", "epochs": "3", "batch": "64"}
# Long enough that one step (a third of a second) cannot finish it.
LONG = {"epochs": "50"}


def lab(at):
    return at.session_state["lab"]


def start(at):
    at.button(key="start").click().run()
    return at


def test_defaults_show_the_digits_and_the_network():
    at = open_app("pages/train.py")
    assert not at.exception
    text = page_text(at)
    assert "1438 training and 359 validation images of 28 × 28 × 1 (grey)." in text
    assert "Total parameters: 26,698 = 26,698 trainable + 0 non-trainable" in text
    assert len(at.get("image")[0].captions) == 9  # nine labelled samples
    assert at.button(key="pause").disabled and not at.button(key="start").disabled
    assert "Press Start to train." in text


def test_fragment_runs_advance_training_and_pause_resume_stop_work():
    at = start(open_app("pages/train.py", **LONG))
    trainer = lab(at).trainer
    assert lab(at).running and trainer.batches_done > 0
    done_before = trainer.batches_done
    at.run()
    assert trainer.batches_done > done_before
    at.button(key="pause").click().run()
    paused_at = trainer.batches_done
    at.run()
    at.run()
    assert trainer.batches_done == paused_at and not lab(at).running
    assert "Paused · epoch" in at.get("progress")[0].proto.text
    at.button(key="resume").click().run()
    assert trainer.batches_done > paused_at
    at.button(key="stop").click().run()
    assert trainer.done and trainer.stop_reason == "stopped"
    stopped_at = trainer.batches_done
    at.run()
    assert trainer.batches_done == stopped_at
    assert at.button(key="resume").disabled and at.button(key="stop").disabled
    assert "Stopped by the user" in "\n".join(trainer.events)


def test_a_finished_run_shows_curves_diagnosis_and_results():
    at = start(open_app("pages/train.py", **QUICK))
    for _ in range(20):
        if lab(at).trainer.done:
            break
        at.run()
    trainer = lab(at).trainer
    assert trainer.done and trainer.epoch == 3
    at.run()
    assert not at.exception
    assert metric(at, "Validation accuracy").endswith("%")
    text = page_text(at)
    assert "Finished" in at.get("progress")[0].proto.text
    assert any(m in text for m in ("Looks fine", "Overfitting", "Underfitting")) or at.success or at.warning
    assert "block 1: after convolution — 28 × 28 × 8" in text
    assert "block 1: after pooling — 14 × 14 × 8" in text
    figures = at.get("plotly_chart")
    assert len(figures) >= 2  # the curves and the confusion matrix
    assert "At epoch 3" in text
    assert at.get("download_button")


def test_same_seed_gives_the_same_run_and_start_again_rewinds():
    at = start(open_app("pages/train.py", **LONG))
    first = lab(at).trainer
    at.button(key="stop").click().run()
    at.button(key="start").click().run()
    second = lab(at).trainer
    assert second is not first
    # Both runs begin from the same seeded weights.
    assert np.array_equal(first.filter_history[0], second.filter_history[0])


def test_reset_forgets_the_run():
    at = start(open_app("pages/train.py", **LONG))
    at.button(key="reset").click().run()
    assert lab(at).trainer is None and not lab(at).running
    assert "Press Start to train." in page_text(at)


def test_comparing_with_the_mlp_states_the_gap():
    at = start(open_app("pages/train.py", compare="true", **QUICK))
    for _ in range(20):
        if lab(at).trainer.done:
            break
        at.run()
    state = lab(at)
    assert state.baseline is not None and state.baseline.done
    assert state.baseline.batches_done == state.trainer.batches_done  # the same budget
    at.run()
    assert "the CNN is **" in page_text(at)
    assert '"MLP validation"' in at.get("plotly_chart")[0].proto.spec
    assert "The MLP baseline" in "\n".join(e.proto.label for e in at.expander)


def test_colour_shapes_show_colour_filters_per_channel():
    at = start(open_app("pages/train.py", data="shapes", blocks="1", epochs="50"))
    at.button(key="pause").click().run()
    text = page_text(at)
    assert "32 × 32 × 3 (colour)" in text
    assert "split into their R, G and B slices" in text


def test_a_network_that_does_not_fit_is_explained_and_cannot_start():
    at = open_app("pages/train.py", blocks="3", ksize="7", pad="valid")
    assert not at.exception
    assert any("cannot be built" in error.value for error in at.error)
    assert at.button(key="start").disabled


def test_deep_links_good_and_bad():
    at = open_app("pages/train.py", data="shapes", epochs="7", lr="0.01", opt="sgd", bn="true")
    assert at.selectbox(key="data").value == "shapes" and at.slider(key="epochs").value == 7
    assert at.selectbox(key="lr").value == "0.01" and at.toggle(key="bn").value
    assert "non-trainable (batch norm" in page_text(at)
    bad = open_app("pages/train.py", epochs="many", data="cats", lr="7")
    assert not bad.exception
    warnings = "\n".join(w.value for w in bad.warning)
    assert "**epochs**" in warnings and "**data**" in warnings and "**lr**" in warnings
    assert bad.slider(key="epochs").value == 12


def test_augmentation_preview_changes_with_the_ranges():
    at = open_app("pages/train.py", rot="30", flip="true")
    text = page_text(at)
    assert "All ranges are 0" not in text
    at = open_app("pages/train.py")
    assert "All ranges are 0" in page_text(at)


def folder_zip(classes: dict[str, int]) -> bytes:
    buffer = io.BytesIO()
    rng = np.random.default_rng(0)
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, count in classes.items():
            for index in range(count):
                pixels = rng.integers(0, 256, size=(20, 20, 3), dtype=np.uint8)
                archive.writestr(f"{name}/{index}.png", encode_png(pixels))
        archive.writestr("notes.txt", "not a picture")
    return buffer.getvalue()


def test_own_zip_is_read_counted_and_trainable():
    at = open_app("pages/train.py", data="zip", side="16", epochs="1")
    assert "Upload a zip" in "\n".join(i.value for i in at.info)
    at.file_uploader(key="zip").set_value(
        ("pets.zip", folder_zip({"cats": 10, "dogs": 10}), "application/zip")
    )
    at.run()
    assert not at.exception
    text = page_text(at)
    assert "16 training and 4 validation images of 16 × 16 × 3 (colour)." in text
    assert "file(s) left out" in "\n".join(e.proto.label for e in at.expander)
    start(at)
    assert lab(at).trainer.batches_done > 0


def test_a_bad_zip_is_named_and_the_page_keeps_working():
    at = open_app("pages/train.py", data="zip")
    at.file_uploader(key="zip").set_value(("one.zip", folder_zip({"cats": 5}), "application/zip")).run()
    assert not at.exception
    assert any("cannot be used" in error.value for error in at.error)
    at.file_uploader(key="zip").set_value(("junk.zip", b"PK not a zip at all", "application/zip")).run()
    assert any("cannot be used" in error.value for error in at.error)
    assert at.button(key="start").disabled


def test_save_then_load_restores_the_model():
    at = start(open_app("pages/train.py", **QUICK))
    weights, config = lab(at).trainer.save()
    at.file_uploader(key="load_weights").set_value(("m.safetensors", weights, "application/octet-stream"))
    at.file_uploader(key="load_config").set_value(("m.json", config.encode(), "application/json")).run()
    assert not at.exception
    assert any("pictures, 4 classes. Try it below." in s.value for s in at.success)
    assert lab(at).loaded is not None


@pytest.mark.parametrize(
    ("weights", "config", "says"),
    [
        (b"not safetensors", json.dumps({"kind": "cnn"}), "not a readable safetensors"),
        (b"x", "{not json", "not valid JSON"),
        (b"x", json.dumps({"kind": "rnn"}), "kind"),
    ],
)
def test_a_bad_model_upload_gets_a_message(weights, config, says):
    at = open_app("pages/train.py")
    at.file_uploader(key="load_weights").set_value(("m.safetensors", weights, "application/octet-stream"))
    at.file_uploader(key="load_config").set_value(("m.json", config.encode(), "application/json")).run()
    assert not at.exception
    assert any(says in error.value for error in at.error)


def test_edge_filters_are_named_after_the_kernel_they_resemble():
    at = start(open_app("pages/train.py", **QUICK))
    labels = "\n".join(e.proto.label for e in at.expander)
    assert "Which hand-made kernel does each filter look like?" in labels
    table = next(frame.value for frame in at.dataframe if "looks most like" in frame.value.columns)
    assert len(table) == 8 and table["similarity"].abs().le(1).all()


def test_try_it_classifies_an_upload_and_explains_a_bad_one():
    at = start(open_app("pages/train.py", tryin="upload", **QUICK))
    picture = np.full((120, 120, 3), 255, np.uint8)
    picture[10:110, 55:65] = 0  # one dark vertical stroke
    at.file_uploader(key="try_upload").set_value(("line.png", encode_png(picture), "image/png")).run()
    assert not at.exception
    assert any("The model says" in m.value for m in at.markdown)
    assert any("What the model sees: 28 × 28" in c for image in at.get("image") for c in image.captions)
    at.file_uploader(key="try_upload").set_value(("bad.png", b"not a picture", "image/png")).run()
    assert not at.exception
    assert any("cannot be read" in error.value for error in at.error)


def test_try_it_waits_for_a_model():
    at = open_app("pages/train.py")
    assert "Train or load a model first" in page_text(at)


def test_a_full_server_makes_the_tab_wait_in_line_then_train():
    import ui

    slots = ui.trainer_slots()
    others = [f"other-tab-{index}" for index in range(slots.capacity)]
    try:
        for other in others:
            slots.request(other)
        at = start(open_app("pages/train.py", **LONG))
        waiting = "\n".join(i.value for i in at.info)
        assert "Waiting for a free trainer" in waiting and "number 1 in line" in waiting
        assert lab(at).trainer.batches_done == 0 and lab(at).running
        for other in others:
            slots.release(other)
        at.run()
        assert lab(at).trainer.batches_done > 0
        at.button(key="stop").click().run()
        assert slots.training_sessions() == 0  # Stop gave the slot back
    finally:
        for other in others:
            slots.release(other)


def test_changing_a_setting_mid_run_loses_nothing():
    at = start(open_app("pages/train.py", **LONG))
    trainer = lab(at).trainer
    done = trainer.batches_done
    at.slider(key="dense").set_value(64).run()
    assert lab(at).trainer is trainer and lab(at).running and trainer.batches_done > done
    assert "The settings above changed since this run started" in page_text(at)


def test_try_it_with_the_camera():
    at = start(open_app("pages/train.py", tryin="camera", **QUICK))
    photo = np.full((90, 120, 3), 230, np.uint8)
    photo[20:70, 40:80] = 20
    at.camera_input(key="try_camera").set_value(("photo.jpg", encode_jpeg(photo), "image/jpeg")).run()
    assert not at.exception
    assert any("The model says" in m.value for m in at.markdown)


def test_the_code_follows_the_controls():
    at = open_app("pages/train.py")
    source = shown_code(at, "training lab")
    assert "FILTERS = (8, 16)" in source and 'OPTIMIZER = "adam"' in source
    assert "BATCH_SIZE, LEARNING_RATE, SEED = 32, 0.003, 0" in source
    at.slider(key="blocks").set_value(3).run()
    at.selectbox(key="opt").set_value("sgd").run()
    at.selectbox(key="lr").set_value("0.01").run()
    assert not at.exception
    source = shown_code(at, "training lab")
    assert "FILTERS = (8, 16, 32)" in source and 'OPTIMIZER = "sgd"' in source
    assert "BATCH_SIZE, LEARNING_RATE, SEED = 32, 0.01, 0" in source
