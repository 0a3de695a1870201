"""``ui.slider_pictures``: pictures for every value of a slider, sized as the app's others, sent once."""

import base64

import cv2
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import ui
from tests.apptest import slider_pictures

RNG = np.random.default_rng(7)


def photo_like(height: int, width: int) -> np.ndarray:
    """Noise, which JPEG stores far smaller than PNG: (height, width, 3) uint8."""
    return RNG.integers(0, 256, (height, width, 3), dtype=np.uint8)


def drawing(height: int, width: int) -> np.ndarray:
    """Flat black and white squares, which PNG stores far smaller than JPEG."""
    rows, cols = np.indices((height, width)) // 7  # edges off JPEG's 8 × 8 grid
    return np.repeat((((rows + cols) % 2) * 255).astype(np.uint8)[..., None], 3, axis=2)


def decoded_shape(data: bytes) -> tuple[int, ...]:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).shape


@pytest.mark.parametrize("shape", [(4, 4), (6, 6), (64, 64), (128, 128), (146, 90), (341, 341), (511, 511),
                                   (640, 640), (1022, 1022), (427, 640), (1024, 300)])  # fmt: skip
def test_pictures_take_the_size_on_screen_the_apps_other_pictures_take(shape):
    pixels = photo_like(*shape)
    picture = ui.slider_picture(pixels, "c", 640)
    _, framed_size = ui.framed_picture(pixels, 640)
    assert (picture.width, picture.height) == framed_size


def test_tiny_results_travel_as_png_at_their_own_size_and_are_blown_up_in_blocks():
    picture = ui.slider_picture(photo_like(6, 6), "The notes' output.", 640)
    assert ui.file_format(picture.data) == "PNG"
    assert decoded_shape(picture.data) == (6, 6, 3)
    assert (picture.width, picture.height, picture.pixelated) == (636, 636, True)  # 106 × 106 blocks


def test_mid_sized_results_travel_as_the_smaller_of_png_and_jpeg():
    photo = ui.slider_picture(photo_like(128, 128), "c", 640)
    flat = ui.slider_picture(drawing(128, 128), "c", 640)
    assert (ui.file_format(photo.data), ui.file_format(flat.data)) == ("JPEG", "PNG")
    assert decoded_shape(photo.data) == decoded_shape(flat.data) == (128, 128, 3)
    assert photo.pixelated and flat.pixelated and photo.width == 640


def test_big_results_are_shrunk_and_travel_as_jpeg():
    picture = ui.slider_picture(photo_like(1022, 1022), "c", 640)
    assert ui.file_format(picture.data) == "JPEG"
    assert decoded_shape(picture.data) == (640, 640, 3)
    assert not picture.pixelated


def follow_slider_page():
    import numpy as np
    import streamlit as st

    import ui

    side = st.slider("Side", 1, 4, 1, key="side")
    shade = st.session_state.get("shade", 0)
    pictures = {
        value: ui.slider_picture(np.full((value, value, 3), shade, np.uint8), f"{value} × {value}", 64)
        for value in range(1, 5)
    }
    ui.slider_pictures("Side", pictures, side, "follow")


def test_a_set_of_pictures_is_sent_once_and_then_named_only():
    at = AppTest.from_function(follow_slider_page).run()
    (first,) = slider_pictures(at)
    assert first["slider"] == "Side" and first["current"] == 1 and first["caption"] == "1 × 1"
    assert sorted(first["pictures"]) == ["1", "2", "3", "4"]
    three = first["pictures"]["3"]
    assert three["src"].startswith("data:image/png;base64,")
    assert decoded_shape(base64.b64decode(three["src"].split(",", 1)[1])) == (3, 3, 3)
    assert (three["caption"], three["width"], three["height"], three["pixelated"]) == ("3 × 3", 63, 63, True)

    at.slider(key="side").set_value(3).run()  # the slider moves: the same set, named only
    (moved,) = slider_pictures(at)
    assert (moved["current"], moved["caption"], moved["set"], moved["pictures"]) == (
        3,
        "3 × 3",
        first["set"],
        None,
    )

    at.session_state["shade"] = 255  # new pictures: a new set, sent whole
    at.run()
    (changed,) = slider_pictures(at)
    assert changed["set"] != first["set"] and sorted(changed["pictures"]) == ["1", "2", "3", "4"]

    del at.session_state["follow-sent"]  # what the browser's "missing" report does: send it again
    at.run()
    (again,) = slider_pictures(at)
    assert again["set"] == changed["set"] and again["pictures"] == changed["pictures"]
    assert not at.exception
