"""The batch-norm page: controls in the URL, both models advancing together, the measured verdicts."""

from __future__ import annotations

from tests.apptest import metric, open_app, page_text, shown_code

# Generated edges (640 training pictures), ten batches an epoch.
QUICK = {"data": "edges", "batch": "64", "epochs": "2"}
# Long enough that a few steps cannot finish it.
LONG = {"data": "edges", "batch": "64", "epochs": "30"}


def experiment(at):
    return at.session_state["bn_lab"].experiment


def batches(at) -> list[int]:
    return [trainer.batches_done for trainer in experiment(at).trainers]


def finish(at):
    for _ in range(60):
        if experiment(at).done:
            break
        at.run()
    at.run()
    return at


def test_defaults_show_the_network_the_same_start_and_one_channel():
    at = open_app("pages/batch-norm.py")
    assert not at.exception
    text = page_text(at)
    assert "With batch norm it has **26,746** trainable and **48** non-trainable parameters" in text
    assert "without, **26,698** trainable" in text
    assert "start from **identical** convolution and dense weights (checked)" in text
    assert "128 probe pictures × 28 × 28 positions = **100,352** values" in text
    assert "the untrained model with batch norm" in text
    assert "y has mean β = 0.0000 and spread |γ| = 1.0000" in text
    assert "**48** trainable numbers" in text and "**48** non-trainable ones" in text
    assert at.get("plotly_chart")  # the channel histogram
    assert not at.button(key="start").disabled
    assert at.button(key="stop").disabled and at.button(key="reset").disabled
    assert "Press Start to train both models." in text


def test_start_advances_both_models_equally_then_stop_and_reset():
    at = open_app("pages/batch-norm.py", **LONG)
    at.button(key="start").click().run()
    assert not at.exception
    state = at.session_state["bn_lab"]
    assert state.running and len(experiment(at).trainers) == 4  # the control is on by default
    seen = []
    for _ in range(3):
        done = batches(at)
        assert len(set(done)) == 1  # every model has trained the same number of batches
        seen.append(done[0])
        at.run()
    assert seen[0] > 0 and seen[-1] > seen[0]
    assert "Training · epoch" in at.get("progress")[0].proto.text
    assert at.button(key="start").disabled
    at.button(key="stop").click().run()
    assert experiment(at).done and not at.session_state["bn_lab"].running
    stopped = batches(at)
    at.run()
    assert batches(at) == stopped and len(set(stopped)) == 1
    assert "Stopped · epoch" in at.get("progress")[0].proto.text
    assert at.button(key="start").label == "Start again"
    at.button(key="reset").click().run()
    assert experiment(at) is None
    assert "Press Start to train both models." in page_text(at)


def test_a_finished_run_states_each_claim_with_numbers():
    at = open_app("pages/batch-norm.py", **QUICK)
    at.button(key="start").click().run()
    finish(at)
    assert not at.exception
    assert experiment(at).done and {t.epoch for t in experiment(at).trainers} == {2}
    text = page_text(at)
    assert "Finished · epoch" in at.get("progress")[0].proto.text
    assert "**Faster training?** After epoch 1 the validation accuracy was" in text
    assert "the lowest level both runs reached" in text
    assert "**A regularizing effect?** After 2 epochs:" in text
    assert "**Stability?** Block 1: without batch norm the spread" in text
    assert "**Stability?** Block 2:" in text
    assert "At learning rate **0.1**, after 2 epochs" in text
    assert metric(at, "Validation accuracy, with batch norm").endswith("%")
    assert metric(at, "Validation loss, without") != "–"
    # Curves, layer statistics, the control's curves and statistics, the channel histogram.
    assert len(at.get("plotly_chart")) == 5
    assert '"with batch norm validation"' in at.get("plotly_chart")[0].proto.spec
    assert "after 20 training batches" in text  # the last two sections look at the trained model


def test_without_the_control_only_two_models_train():
    at = open_app("pages/batch-norm.py", control="false", **QUICK)
    at.button(key="start").click().run()
    assert len(experiment(at).trainers) == 2
    assert "Switch on the high-learning-rate control" in page_text(at)


def test_every_control_can_be_driven():
    at = open_app("pages/batch-norm.py", **QUICK)
    at.slider(key="epochs").set_value(3).run()
    at.slider(key="batch").set_value(128).run()
    at.slider(key="seed").set_value(9).run()
    at.selectbox(key="opt").set_value("adam").run()
    at.selectbox(key="lr").set_value("0.001").run()
    at.toggle(key="control").set_value(False).run()
    at.selectbox(key="clr").set_value("0.3").run()
    at.slider(key="block").set_value(2).run()
    at.slider(key="channel").set_value(16).run()
    assert not at.exception
    assert "block 2, channel 16" in page_text(at)
    # Back to block 1, whose convolution has 8 channels: the channel moves into range.
    at.slider(key="block").set_value(1).run()
    assert at.slider(key="channel").value == 8 and "block 1, channel 8" in page_text(at)
    at.button(key="start").click().run()
    config = experiment(at).main.with_bn.config
    assert (config.epochs, config.batch_size, config.seed, config.optimizer) == (3, 128, 9, "adam")
    assert config.learning_rate == 0.001 and experiment(at).control is None
    at.selectbox(key="data").set_value("shapes").run()
    assert not at.exception
    assert "it keeps its own. Press **Start again**" in page_text(at)
    assert at.query_params["data"] == "shapes" and at.query_params["clr"] == "0.3"
    assert at.query_params["control"] == "false"


def test_deep_links_good_and_bad():
    at = open_app(
        "pages/batch-norm.py",
        data="shapes",
        epochs="3",
        lr="0.03",
        opt="adam",
        seed="5",
        control="false",
        clr="0.3",
        block="2",
        channel="16",
    )
    assert not at.exception
    assert at.selectbox(key="data").value == "shapes" and at.slider(key="epochs").value == 3
    assert at.selectbox(key="lr").value == "0.03" and at.selectbox(key="opt").value == "adam"
    assert at.slider(key="seed").value == 5 and not at.toggle(key="control").value
    assert at.selectbox(key="clr").value == "0.3" and at.slider(key="channel").value == 16
    text = page_text(at)
    assert "32 × 32 × 3 pictures" in text and "→ 5 classes" in text
    assert "block 2, channel 16" in text
    bad = open_app("pages/batch-norm.py", epochs="many", data="cats", lr="7", block="9", control="maybe")
    assert not bad.exception
    warnings = "\n".join(w.value for w in bad.warning)
    for key in ("epochs", "data", "lr", "block", "control"):
        assert f"**{key}**" in warnings
    assert bad.slider(key="epochs").value == 8 and bad.selectbox(key="data").value == "digits"
    assert bad.slider(key="block").value == 1 and bad.toggle(key="control").value


def test_a_blown_up_model_is_explained_not_a_traceback():
    at = open_app("pages/batch-norm.py", control="false", **QUICK)
    at.button(key="start").click().run()
    finish(at)
    model = experiment(at).main.with_bn.model
    model.blocks[0].convolution.weight.data.fill_(float("nan"))
    at.run()
    assert not at.exception
    assert any("no longer finite numbers" in warning.value for warning in at.warning)


def test_the_code_follows_the_controls():
    at = open_app("pages/batch-norm.py")
    source = shown_code(at, "batch normalisation")
    assert 'OPTIMIZER = "sgd"' in source and "BATCH_SIZE, LEARNING_RATE, SEED = 32, 0.01, 0" in source
    at.slider(key="epochs").set_value(3).run()
    at.slider(key="seed").set_value(5).run()
    assert not at.exception
    source = shown_code(at, "batch normalisation")
    assert "else 3  #" in source and "BATCH_SIZE, LEARNING_RATE, SEED = 32, 0.01, 5" in source
