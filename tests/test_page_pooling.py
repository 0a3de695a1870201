"""AppTest of the "Pooling" page: every control, the notes' examples, deep links."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.images import encode_png
from tests.apptest import metric, open_app, page_text, shown_code


def open_pooling(**params: str) -> AppTest:
    return open_app("pages/pooling.py", **params)


def test_defaults_pool_the_notes_grid_and_show_the_notes_example():
    at = open_pooling()
    assert not at.exception
    assert at.title[0].value == "Pooling"
    assert metric(at, "Pooled size") == "6 × 6 → 3 × 3"
    text = page_text(at)
    assert "no weights" in text and "halves" in text
    # The notes' 500 × 500 example: 4× fewer multiply–adds after 2 × 2 pooling.
    assert "498 × 498 × 9 = 2,232,036" in text and "248 × 248 × 9 = 553,536" in text
    assert "**4.0× fewer**" in text
    assert metric(at, "Work saved") == "16.0× fewer"  # 4 × 4 × 9 = 144 vs 1 × 1 × 9 = 9
    assert [metric(at, f"{name} average") for name in ("Red", "Green", "Blue")] == ["127.5"] * 3
    assert "6 × 6 × 3 → 1 × 1 × 3" in text
    assert "4 maps of 6 × 6 → **4 numbers**: `[340.0, 0.0, 255.0, 255.0]`" in text
    assert "Original: 6 × 6 pixels" in text
    assert "Max pooling, 2 × 2 window, stride 2: 3 × 3 pixels" in text
    assert at.get("download_button")[0].proto.id.endswith("-pool_png")
    assert len(at.get("plotly_chart")) == 2


def test_a_photo_gets_four_times_fewer_multiply_adds():
    at = open_pooling(image="china")
    assert not at.exception
    assert metric(at, "Work saved") == "4.0× fewer"
    text = page_text(at)
    assert "425 × 638 × 9 = 2,440,350" in text and "211 × 318 × 9 = 603,882" in text
    assert "Original: 640 × 427 pixels (shown shrunk to 512 pixels on the longer side)" in text
    assert "320 × 213 pixels" in text


def test_every_control_changes_the_view():
    at = open_pooling(image="china")
    at.radio(key="pool").set_value("avg")
    at.slider(key="size").set_value(3)
    at.slider(key="pool_crop").set_value(12)
    at.slider(key="pool_row").set_value(100)
    at.slider(key="pool_col").set_value(200)
    at.run()
    assert not at.exception
    assert at.slider(key="pool_stride").value == 3  # the stride follows the window size
    assert metric(at, "Pooled size") == "12 × 12 → 4 × 4"
    text = page_text(at)
    assert "Average pooling, 3 × 3 window, stride 3: 213 × 142 pixels" in text
    assert "The 12 × 12 crop (yellow box) of the 640 × 427 picture" in text
    params = {key: at.query_params[key] for key in at.query_params}
    assert params == {
        "image": "china",
        "pool": "avg",
        "size": "3",
        "pool_crop": "12",
        "pool_row": "100",
        "pool_col": "200",
    }

    at.slider(key="pool_stride").set_value(1).run()
    assert metric(at, "Pooled size") == "12 × 12 → 10 × 10"
    assert "the windows overlap" in page_text(at)
    assert "hardly shrinks" in page_text(at)
    at.slider(key="size").set_value(2).run()
    assert at.slider(key="pool_stride").value == 1  # set on its own, it no longer follows
    assert at.query_params["pool_stride"] == "1"

    reopened = open_pooling(**{key: at.query_params[key] for key in at.query_params})
    assert not reopened.exception
    assert (reopened.slider(key="size").value, reopened.slider(key="pool_stride").value) == (2, 1)
    assert reopened.radio(key="pool").value == "avg"


def test_min_pooling_keeps_the_darkest_value():
    at = open_pooling(pool="min", size="3", pool_stride="3")
    assert not at.exception
    assert metric(at, "Pooled size") == "6 × 6 → 2 × 2"
    assert "Min pooling keeps the smallest number in each window" in page_text(at)


@pytest.mark.parametrize(
    "key, value",
    [("pool", "median"), ("size", "9"), ("pool_stride", "x"), ("pool_crop", "1"), ("pool_row", "99999")],
)
def test_bad_link_parameters_fall_back_with_a_note(key, value):
    at = open_pooling(image="china", **{key: value})
    assert not at.exception
    warnings = "\n".join(w.value for w in at.warning)
    assert f"**{key}**" in warnings and "using" in warnings
    assert metric(at, "Pooled size")


def test_a_picture_smaller_than_the_window_is_explained():
    at = open_pooling(source="upload", size="4")
    at.file_uploader(key="upload").set_value(
        ("tiny.png", encode_png(np.full((3, 5, 3), 90, dtype=np.uint8)), "image/png")
    ).run()
    assert not at.exception
    errors = "\n".join(e.value for e in at.error)
    assert "The 4 × 4 window does not fit this grid" in errors
    assert "The 4 × 4 window does not fit this picture" in errors
    assert [metric(at, f"{name} average") for name in ("Red", "Green", "Blue")] == ["90.0"] * 3


def test_the_code_follows_the_controls():
    at = open_app("pages/pooling.py")
    source = shown_code(at, "Convolution Explorer — pooling")
    assert 'MODE = "max"' in source and "SIZE, STRIDE = 2, 2" in source
    at.radio(key="pool").set_value("min").run()
    at.slider(key="pool_stride").set_value(1).run()
    assert not at.exception
    source = shown_code(at, "Convolution Explorer — pooling")
    assert 'MODE = "min"' in source and "SIZE, STRIDE = 2, 1" in source
    assert "-F.max_pool2d(-x, SIZE, STRIDE)" in source
