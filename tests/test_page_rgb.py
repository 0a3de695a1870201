"""AppTest of the "Convolution of colour images" page."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import open_app, page_text, shown_code

NOTES_TRACE = "6 × 6 × 3 → [4 kernels of 3 × 3 × 3] → 4 × 4 × 4 → [3 kernels of 3 × 3 × 4] → 2 × 2 × 3"


def open_rgb(**params: str) -> AppTest:
    return open_app("pages/rgb.py", **params)


def errors(at: AppTest) -> str:
    """The error messages, without the backslashes that escape Markdown in them."""
    return "\n".join(e.value for e in at.error).replace("\\", "")


def test_the_notes_example_is_on_screen_by_default():
    at = open_rgb()
    assert not at.exception and not at.error and not at.warning
    text = page_text(at)
    assert f"### {NOTES_TRACE}" in text
    layer1 = "| 1 | 6 × 6 × 3 | 4 kernels of 3 × 3 × 3 | (6 − 3 + 2·0) / 1 + 1 = 4 | 4 × 4 × 4 |"
    layer2 = "| 2 | 4 × 4 × 4 | 3 kernels of 3 × 3 × 4 | (4 − 3 + 2·0) / 1 + 1 = 2 | 2 × 2 × 3 |"
    assert f"{layer1} 4 × 27 = 108 | 4 | 112 |" in text
    assert f"{layer2} 3 × 36 = 108 | 3 | 111 |" in text
    assert "255·(−1) + 255·(−2) + 255·(−1) = −1020" in text
    assert "−1020 + (−1020) + (−1020) = −3060; + bias 0 = −3060" in text
    assert "gives **−3060** at row 1, column 0: the same number" in text
    assert "this one is **6 × 6 × 3**" in text
    # R, G, B and the picture as images; the 4 × 4 results as grids with their numbers.
    assert len(at.get("image")) == 4
    assert len(at.get("plotly_chart")) == 5 + 6 + 4 + 3
    assert len(at.get("download_button")) == 5 + 4 + 3  # the maps' PNGs; the code's is in its closed expander
    assert at.text_area(key="k_r").value == "1 2 1\n0 0 0\n-1 -2 -1"


def test_every_control_changes_the_view():
    at = open_rgb()
    at.selectbox(key="preset").set_value("red-edges").run()
    assert at.text_area(key="k_g").value == "0 0 0\n0 0 0\n0 0 0"
    assert "−1020 + 0 + 0 = −1020" in page_text(at)

    at.text_area(key="k_r").input("1 1 1; 0 0 0; -1 -1 -1")
    at.text_area(key="k_g").input("0 0 0; 0 1 0; 0 0 0")
    at.text_area(key="k_b").input("0 0 0; 0 0 0; 0 0 -1")
    at.slider(key="bias").set_value(100)
    at.slider(key="row").set_value(2)
    at.slider(key="col").set_value(3)
    at.run()
    assert not at.exception and not at.error
    text = page_text(at)
    # Window rows 2–4, columns 3–5: red −765, green 0 (row 3 is 255: centre 255), blue −255.
    assert "One output value by hand: row 2, column 3" in "\n".join(h.value for h in at.subheader)
    assert "−765 + 255 + (−255) = −765; + bias 100 = −665" in text
    assert "gives **−665** at row 2, column 3: the same number" in text

    at.slider(key="n1").set_value(2)
    at.slider(key="n2").set_value(5)
    at.slider(key="ksize").set_value(2)
    at.run()
    text = page_text(at)
    assert "6 × 6 × 3 → [2 kernels of 2 × 2 × 3] → 5 × 5 × 2 → [5 kernels of 2 × 2 × 2] → 4 × 4 × 5" in text
    assert "| 2 × 12 = 24 | 2 | 26 |" in text and "| 5 × 8 = 40 | 5 | 45 |" in text

    at.toggle(key="wrong").set_value(True).run()
    assert not at.exception
    assert "the kernels are 2×2×3 but the image has 2 channels" in errors(at)


def test_three_slices_happen_to_fit_three_maps():
    at = open_rgb(n1="3", wrong="true")
    assert not at.exception and not at.error
    assert "happen to match" in at.info[0].value


def test_slices_of_different_sizes_get_a_clear_message():
    at = open_rgb()
    at.text_area(key="k_g").input("1 0; 0 1").run()
    assert not at.exception
    message = errors(at)
    assert "same size" in message and "red 3 × 3, green 2 × 2, blue 3 × 3" in message
    # The layers section still works.
    assert NOTES_TRACE in page_text(at)


def test_a_typo_in_a_slice_is_named_and_the_last_good_slice_stays():
    at = open_rgb()
    at.text_area(key="k_b").input("1 2 x; 0 0 0; -1 -2 -1").run()
    assert not at.exception
    assert "row 1, column 3 ('x') is not a number" in errors(at)
    assert "−3060; + bias 0 = −3060" in page_text(at)


def test_a_kernel_bigger_than_the_picture_is_refused():
    at = open_rgb()
    for key in ("k_r", "k_g", "k_b"):
        at.text_area(key=key).input("; ".join(["1 1 1 1 1 1 1"] * 7))
    at.run()
    assert not at.exception
    assert "7 tall but the picture only 6" in errors(at)


def test_a_kernel_too_big_for_layer_two_names_the_formula():
    at = open_rgb(ksize="4")
    assert not at.exception
    assert "layer 2: the kernel does not fit: (3 − 4 + 2·0) / 1 + 1 = 0" in errors(at)
    assert "pick a smaller kernel" in page_text(at)


def test_a_photo_is_shrunk_for_the_layers_and_shown_as_pictures():
    at = open_rgb(image="china", n1="6", ksize="5", row="100", col="200")
    assert not at.exception and not at.error
    text = page_text(at)
    assert "shrunk to 85 × 128 pixels (the picture is 427 × 640)" in text
    assert "85 × 128 × 3 → [6 kernels of 5 × 5 × 3] → 81 × 124 × 6" in text
    assert "Results computed at full size (425 × 638)" in text
    assert "the same number" in text
    assert len(at.get("image")) == 4 + 5 + 6 + 3
    assert at.slider(key="row").value == 100


def test_controls_are_mirrored_in_the_url_and_a_link_reopens_the_view():
    at = open_rgb()
    at.selectbox(key="preset").set_value("brightness")
    at.slider(key="n1").set_value(5)
    at.run()
    params = {key: at.query_params[key] for key in at.query_params}
    assert params["preset"] == "brightness" and params["n1"] == "5"

    reopened = open_rgb(**params)
    assert not reopened.exception
    assert reopened.selectbox(key="preset").value == "brightness"
    assert reopened.text_area(key="k_r").value == "0 0 0\n0 0.333333 0\n0 0 0"
    assert "[5 kernels of 3 × 3 × 3]" in page_text(reopened)


def test_a_link_with_typed_slices_keeps_them():
    at = open_rgb(preset="brightness", k_r="0 0 0;0 2 0;0 0 0")
    assert not at.exception
    assert at.text_area(key="k_r").value == "0 0 0\n0 2 0\n0 0 0"
    assert at.text_area(key="k_g").value == "0 0 0\n0 0.333333 0\n0 0 0"


@pytest.mark.parametrize(
    "key, value",
    [("n1", "99"), ("n2", "0"), ("ksize", "abc"), ("preset", "<b>nope</b>"), ("bias", "1e9"), ("row", "-1")],
)
def test_bad_link_parameters_fall_back_with_a_note(key, value):
    at = open_rgb(**{key: value})
    assert not at.exception
    warnings = "\n".join(w.value for w in at.warning)
    assert f"**{key}**" in warnings and "using" in warnings
    assert NOTES_TRACE in page_text(at)


def test_the_code_follows_the_controls():
    at = open_app("pages/rgb.py")
    source = shown_code(at, "colour images")
    assert "BIAS = 0" in source and "K, FIRST, SECOND = 3, 4, 3" in source
    at.slider(key="bias").set_value(7).run()
    at.slider(key="n1").set_value(2).run()
    assert not at.exception
    source = shown_code(at, "colour images")
    assert "BIAS = 7" in source and "K, FIRST, SECOND = 3, 2, 3" in source
