"""Shared helpers for the AppTest page tests."""

import json
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_app(page: str | None = None, **params: str) -> AppTest:
    """Run the app (through its router) on ``page`` with these URL query parameters."""
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in params.items():
        at.query_params[key] = value
    if page is not None:
        # Like opening the page's own link: the first run already lands on it. (Page
        # files are named after their URL path so the router resolves them at once.)
        at.switch_page(page)
    return at.run()


def page_text(at: AppTest) -> str:
    """All markdown, captions (image captions too) and metric values, for text assertions."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [str(m.value) for m in at.metric]
    parts += [caption for image in at.get("image") for caption in image.captions]
    parts += [shown["caption"] for shown in slider_pictures(at)]
    return "\n".join(parts)


def slider_pictures(at: AppTest) -> list[dict]:
    """What each ``ui.slider_pictures`` on the page was sent in the last run.

    ``current`` is the slider's value and ``caption`` the caption of its picture.
    ``pictures`` maps each slider value (as text) to its ``src``, ``caption``, ``width``
    and ``height``; it is None when the set (named by ``set``) was sent before.
    """
    return [
        json.loads(node.proto.json)
        for node in at.get("bidi_component")
        if node.proto.component_name == "slider_pictures"
    ]


def metric(at: AppTest, label: str) -> str:
    """The value shown by the metric with this label."""
    return next(str(m.value) for m in at.metric if m.label == label)


_WIDGET_ID = re.compile(r"^\$\$ID-[0-9a-f]+-(?P<key>.+)$")


def shown_code(at: AppTest, marker: str) -> str:
    """The script in "The code for this view" that contains ``marker``.

    The script is drawn only while its expander is open, so the expander is opened
    (and the page rerun) first, as a reader clicking it would.
    """
    closed = [
        match["key"]
        for box in at.expander
        if box.label == "The code for this view" and (match := _WIDGET_ID.match(box.proto.id))
        if not at.session_state[match["key"]]
    ]
    for key in closed:
        at.session_state[key] = True
    if closed:
        at.run()
    return next(code.value for code in at.code if marker in code.value)
