"""The two bare pages ``benchmarks/latency.py`` times the app against still work."""

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
