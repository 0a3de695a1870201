"""AppTest of the "Padding and strides" page: every control, the notes' examples, deep links."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.images import encode_png
from tests.apptest import metric, open_app, page_text, shown_code

PAGE = "pages/padding-stride.py"


def open_padding(**params: str) -> AppTest:
    """Run the app on this page with these URL parameters, as its own link would."""
    return open_app(PAGE, **params)


def test_defaults_show_the_notes_padding_example():
    at = open_padding()
    assert not at.exception
    assert at.title[0].value == "Padding and strides"
    text = page_text(at)
    assert "(6 − 3 + 2·1) / 1 + 1 = 6" in text  # the notes' padding (1, 1) keeps 6 × 6
    assert metric(at, "Output size") == "6 × 6"
    assert "applies now" in next(m.value for m in at.markdown if "(ii) Padding + kernel" in m.value)
    assert "rounded down" not in text.split("The notes' examples")[0]
    assert len(at.get("plotly_chart")) == 3  # padded grid, output grid, visit counts
    assert any(button.proto.id.endswith("-pad_png") for button in at.get("download_button"))
    assert "6 × 6 input padded to 8 × 8 (zeros)" in text


def test_notes_stride_button_gives_two_by_two_and_says_rounded_down():
    at = open_padding()
    at.button(key="stride_example").click().run()
    assert not at.exception
    assert (at.slider(key="s").value, at.slider(key="n_pad").value, at.slider(key="k").value) == (2, 0, 3)
    assert metric(at, "Output size") == "2 × 2"
    text = page_text(at)
    assert "(6 − 3 + 2·0) / 2 + 1 = 2.5 → 2" in text
    warning = "\n".join(w.value for w in at.warning)
    assert "rounded down to 2" in warning and "row 5 and column 5 are never used" in warning
    assert at.query_params["s"] == "2" and at.query_params["n_pad"] == "0"

    at.button(key="pad_example").click().run()
    assert metric(at, "Output size") == "6 × 6"
    assert (at.slider(key="s").value, at.slider(key="n_pad").value) == (1, 1)


def test_every_control_changes_the_view():
    at = open_padding(image="china")
    at.slider(key="pad_crop").set_value(10)
    at.slider(key="pad_row").set_value(100)
    at.slider(key="pad_col").set_value(200)
    at.slider(key="n_pad").set_value(3)
    at.radio(key="pad_mode").set_value("reflect")
    at.slider(key="k").set_value(5)
    at.slider(key="s").set_value(3)
    at.run()
    assert not at.exception
    text = page_text(at)
    assert "(10 − 5 + 2·3) / 3 + 1 = 4.66667 → 4" in text
    assert metric(at, "Output size") == "4 × 4"
    assert "The 10 × 10 crop (yellow box) of the 640 × 427 picture" in text
    assert "Reflect: mirror the image at its edge" in text
    params = {key: at.query_params[key] for key in at.query_params}
    assert params == {
        "image": "china",
        "pad_crop": "10",
        "pad_row": "100",
        "pad_col": "200",
        "n_pad": "3",
        "pad_mode": "reflect",
        "k": "5",
        "s": "3",
    }

    reopened = open_padding(**params)
    assert not reopened.exception
    assert reopened.slider(key="pad_row").value == 100
    assert "(10 − 5 + 2·3) / 3 + 1 = 4.66667 → 4" in page_text(reopened)


def test_size_table_highlights_the_current_settings():
    at = open_padding(s="2", n_pad="0")
    table = at.table[0].value
    assert table.loc["stride 2", "padding 0"] == "2.5 → 2"
    assert table.loc["stride 1", "padding 1"] == "6"
    assert "Yellow: your settings" in page_text(at)


def test_a_kernel_that_does_not_fit_is_explained():
    at = open_padding(k="7", n_pad="0")
    assert not at.exception
    assert "does not fit in the 6 × 6 padded input: (6 − 7 + 2·0) / 1 + 1 = 0" in at.error[0].value
    assert "the kernel does not fit" in page_text(at)
    assert "Padding 0: the 7 × 7 kernel is wider than the padded input" in page_text(at)


def test_reflect_padding_wider_than_the_crop_falls_back_to_zeros():
    at = open_padding(pad_crop="3", n_pad="3", pad_mode="reflect")
    assert not at.exception
    assert any("showing zero padding instead" in w.value for w in at.warning)


@pytest.mark.parametrize(
    "key, value",
    [
        ("n_pad", "9"),
        ("pad_mode", "<b>bold</b>"),
        ("k", "abc"),
        ("s", "0"),
        ("pad_crop", "99"),
        ("pad_row", "-1"),
    ],
)
def test_bad_link_parameters_fall_back_with_a_note(key, value):
    at = open_padding(image="china", **{key: value})
    assert not at.exception
    warnings = "\n".join(w.value for w in at.warning)
    assert f"**{key}**" in warnings and "using" in warnings
    assert metric(at, "Output size")  # the page still shows its result


def test_a_tiny_upload_still_works():
    at = open_padding(source="upload")
    at.file_uploader(key="upload").set_value(
        ("tiny.png", encode_png(np.full((2, 5, 3), 200, dtype=np.uint8)), "image/png")
    ).run()
    assert not at.exception
    assert "Input size n (a square crop of the picture): 2 (the only possible value here)" in page_text(at)
    assert metric(at, "Output size") == "2 × 2"  # 2 × 2 padded by 1, 3 × 3 kernel


def test_the_code_follows_the_controls():
    at = open_padding()
    source = shown_code(at, "padding and strides")
    assert "N, K, P, S = 6, 3, 1, 1" in source and 'PAD_MODE = "zeros"' in source
    at.slider(key="s").set_value(2).run()
    at.radio(key="pad_mode").set_value("replicate").run()
    assert not at.exception
    source = shown_code(at, "padding and strides")
    assert "N, K, P, S = 6, 3, 1, 2" in source and 'PAD_MODE = "replicate"' in source
    assert "output side: (6 − 3 + 2·1) / 2 + 1 = 3.5 → 3" in source
