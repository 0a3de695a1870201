"""AppTest of the app shell and the "Images are numbers" page."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.images import encode_jpeg, encode_png, sample_images
from tests.apptest import open_app, page_text, shown_code

SAMPLES = list(sample_images())


def open_pixels(**params: str) -> AppTest:
    return open_app("pages/pixels.py", **params)


def test_home_page_lists_every_concept_page():
    at = open_app()
    assert not at.exception
    assert at.title[0].value == "Convolution Explorer"
    assert "Images are numbers" in [link.label for link in at.get("page_link")]


@pytest.mark.parametrize("slug", SAMPLES)
def test_pixels_page_runs_for_every_sample(slug):
    at = open_pixels(image=slug)
    assert not at.exception
    assert at.selectbox(key="image").value == slug
    height, width = sample_images()[slug].pixels.shape[:2]
    assert f"{height} × {width} × 3 = {height * width * 3:,} numbers" in page_text(at)


def test_notes_example_flattens_to_36():
    at = open_pixels()
    assert not at.exception
    assert any(metric.value == "6 × 6 = 36" for metric in at.metric)
    assert "position **15**" in page_text(at)


def test_every_control_changes_the_view():
    at = open_pixels(image="china")
    at.selectbox(key="channel").set_value("red")
    at.slider(key="window").set_value(8)
    at.slider(key="row").set_value(100)
    at.slider(key="col").set_value(200)
    at.toggle(key="tint").set_value(False)
    at.slider(key="res").set_value(40)
    at.slider(key="flat").set_value(4)
    at.run()
    assert not at.exception
    text = page_text(at)
    assert "rows 100–107, columns 200–207" in text
    assert "40 × 27 = 1,080 pixels" in text
    assert any(metric.value == "3 × 4 = 12" for metric in at.metric)


def test_controls_are_mirrored_in_the_url_and_a_link_reopens_the_view():
    at = open_pixels(image="china")
    at.slider(key="row").set_value(100).run()
    params = {key: at.query_params[key] for key in at.query_params}
    assert params["row"] == "100" and params["image"] == "china"

    reopened = open_pixels(**params)
    assert not reopened.exception
    assert reopened.slider(key="row").value == 100
    assert reopened.selectbox(key="image").value == "china"


@pytest.mark.parametrize(
    "key, value",
    [("row", "99999"), ("window", "abc"), ("channel", "<script>alert(1)</script>"), ("image", "nope")],
)
def test_bad_link_parameters_fall_back_with_a_note(key, value):
    at = open_pixels(**{key: value})
    assert not at.exception
    warnings = "\n".join(w.value for w in at.warning)
    assert f"**{key}**" in warnings and "using" in warnings


def test_upload_replaces_the_picture_and_a_bad_upload_keeps_it():
    at = open_pixels(source="upload")
    assert not at.exception
    assert any("Until a picture arrives" in i.value for i in at.sidebar.info)

    stripes = np.zeros((20, 30, 3), dtype=np.uint8)
    stripes[:, ::2] = 255
    at.file_uploader(key="upload").set_value(("stripes.png", encode_png(stripes), "image/png")).run()
    assert not at.exception
    assert "20 × 30 × 3 = 1,800 numbers" in page_text(at)

    at.file_uploader(key="upload").set_value(("broken.png", b"not really a png", "image/png")).run()
    assert not at.exception
    errors = "\n".join(e.value for e in at.sidebar.error)
    assert "broken\\.png" in errors and "Traceback" not in errors  # the name, escaped for Markdown
    assert "20 × 30 × 3 = 1,800 numbers" in page_text(at)  # the last good picture stays


def test_camera_photo_becomes_the_picture():
    at = open_pixels(source="camera")
    at.camera_input(key="camera").set_value(
        ("photo.jpg", encode_jpeg(np.full((12, 16, 3), 128, dtype=np.uint8)), "image/jpeg")
    ).run()
    assert not at.exception
    assert "12 × 16 × 3 = 576 numbers" in page_text(at)


def test_the_code_follows_the_controls():
    at = open_app("pages/pixels.py")
    source = shown_code(at, "images are numbers")
    assert "FLAT_SIDE = 6" in source and "cv2.COLOR_RGB2GRAY)  # 0.299 R" in source
    at.slider(key="flat").set_value(3).run()
    at.selectbox(key="channel").set_value("red").run()
    at.slider(key="flat").set_value(4).run()
    assert not at.exception
    source = shown_code(at, "images are numbers")
    assert "FLAT_SIDE = 4" in source and "picture[:, :, 0]  # the red channel" in source
