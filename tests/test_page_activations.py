"""AppTest of the "Activation functions" page."""

import pytest
from streamlit.testing.v1 import AppTest

from explorer.activations import ACTIVATIONS
from tests.apptest import open_app, page_text, shown_code


def open_activations(**params: str) -> AppTest:
    return open_app("pages/activations.py", **params)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: str(m.value) for m in at.metric}


def test_relu_on_the_notes_example_by_default():
    at = open_activations()
    assert not at.exception and not at.error and not at.warning
    text = page_text(at)
    assert "**8 of 16 values (50.0%) were negative** and became 0" in text
    shown = metrics(at)
    assert shown["Values in the feature map"] == "16"
    assert shown["Negative before"] == "8 (50.0%)"
    assert shown["Those negatives after ReLU"] == "all 0"
    assert shown["Linear model: points right"] == "88%"
    assert shown["Hidden layer: 16 ReLU units: points right"] == "100%"
    assert r"\max(0, x)" in at.latex[0].value
    assert "From the notes, in English" in [s.value for s in at.subheader]
    assert "negative becomes zero, positive is left as it is" in text
    # Two curve charts, the 4 × 4 map before and after with its numbers, two decision regions.
    assert len(at.get("plotly_chart")) == 6
    assert len(at.get("download_button")) == 2  # before and after; the code's is in its closed expander


def test_the_4x4_grids_hold_the_notes_numbers_before_and_after():
    at = open_activations()
    charts = [chart.proto.spec for chart in at.get("plotly_chart")]
    before, after = charts[2], charts[3]
    assert "-1020" in before and "-1020" not in after


def test_every_control_changes_the_view():
    at = open_activations()
    for slug, activation in ACTIVATIONS.items():
        at.radio(key="focus").set_value(slug).run()
        assert not at.exception
        assert f"Those negatives after {activation.name}" in metrics(at)
    at.slider(key="alpha").set_value(0.25).run()
    assert "were multiplied by α = 0.25" in page_text(at)
    assert metrics(at)["Those negatives after Leaky ReLU"] == "× α = 0.25"

    at.toggle(key="flip").set_value(True).run()
    assert "**0 of 16 values (0.0%) were negative**" in page_text(at)

    at.radio(key="data").set_value("xor")
    at.selectbox(key="hidden").set_value("tanh")
    at.slider(key="units").set_value(8)
    at.run()
    assert not at.exception
    shown = metrics(at)
    assert shown["Linear model: points right"] == "55%"
    assert shown["Hidden layer: 8 tanh units: points right"] == "100%"


def test_without_an_activation_the_page_says_why_it_stays_straight():
    at = open_activations(data="circles", hidden="none")
    assert not at.exception
    assert "still straight" in at.info[0].value
    assert int(metrics(at)["Hidden layer: 16 no-activation units: points right"].rstrip("%")) < 70


def test_a_photo_shows_pictures_and_the_numbers_of_a_patch():
    at = open_activations(image="flower", focus="relu")
    assert not at.exception
    text = page_text(at)
    assert "Before: the 425 × 638 Sobel feature map" in text
    assert "the 8 × 8 patch around the most negative value" in text
    assert len(at.get("image")) == 2
    assert len(at.get("plotly_chart")) == 6
    negatives = metrics(at)["Negative before"]
    assert negatives.endswith("%)") and int(negatives.split()[0].replace(",", "")) > 1000


def test_controls_are_mirrored_in_the_url_and_a_link_reopens_the_view():
    at = open_activations()
    at.radio(key="focus").set_value("leaky-relu")
    at.slider(key="alpha").set_value(0.3)
    at.radio(key="data").set_value("circles")
    at.run()
    params = {key: at.query_params[key] for key in at.query_params}
    assert params == {"focus": "leaky-relu", "alpha": "0.3", "data": "circles"}
    reopened = open_activations(**params)
    assert not reopened.exception
    assert reopened.slider(key="alpha").value == pytest.approx(0.3)
    assert "were multiplied by α = 0.3" in page_text(reopened)


@pytest.mark.parametrize(
    "key, value",
    [
        ("alpha", "2"),
        ("focus", "swish"),
        ("data", "<img>"),
        ("hidden", "gelu"),
        ("units", "0"),
        ("flip", "yes"),
    ],
)
def test_bad_link_parameters_fall_back_with_a_note(key, value):
    at = open_activations(**{key: value})
    assert not at.exception
    warnings = "\n".join(w.value for w in at.warning)
    assert f"**{key}**" in warnings and "using" in warnings
    assert "**8 of 16 values (50.0%) were negative**" in page_text(at)


def test_the_code_follows_the_controls():
    at = open_app("pages/activations.py")
    source = shown_code(at, "activation functions")
    assert (
        "activated = np.maximum(values, 0)  # relu" in source
        and 'DATASET, UNITS, STEPS = "moons", 16' in source
    )
    at.slider(key="units").set_value(4).run()
    at.radio(key="data").set_value("xor").run()
    assert not at.exception
    source = shown_code(at, "activation functions")
    assert 'DATASET, UNITS, STEPS = "xor", 4' in source
