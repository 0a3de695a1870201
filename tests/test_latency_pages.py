"""The three bare pages ``benchmarks/latency.py`` times the app against still work."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_the_floor_echoes_the_slider():
    at = AppTest.from_file(str(BENCHMARKS / "echo_app.py")).run()
    at.slider(key="stride").set_value(3).run()
    assert not at.exception
    assert at.markdown[0].value == "Echo: **3**"


def test_the_picture_floor_shows_a_new_picture_for_each_stride():
    at = AppTest.from_file(str(BENCHMARKS / "echo_picture_app.py"), default_timeout=30).run()
    first = at.get("image")[0].proto.imgs[0]
    at.slider(key="stride").set_value(2).run()
    assert not at.exception
    second = at.get("image")[0].proto.imgs[0]
    assert second.caption == "Output: every 2 pixels."
    assert second.url != first.url and second.url.endswith(".jpg")


def test_the_output_alone_shows_the_labs_output_for_each_stride():
    at = AppTest.from_file(str(BENCHMARKS / "echo_output_app.py"), default_timeout=30).run()
    first = at.get("image")[0].proto.imgs[0]
    assert first.caption == "Output: 1022 × 1022, min–max."  # 1024 − 3 + 1, as the app shows it
    at.slider(key="stride").set_value(2).run()
    assert not at.exception
    second = at.get("image")[0].proto.imgs[0]
    assert second.caption == "Output: 511 × 511, min–max."
    assert second.url != first.url and second.url.endswith(".jpg")
    at.slider(key="stride").set_value(8).run()  # 128 pixels, blown up 5×: sharp-edged PNG
    assert at.get("image")[0].proto.imgs[0].url.endswith(".png")
