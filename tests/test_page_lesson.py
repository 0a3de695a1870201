"""AppTest of the lesson: /lesson, the lesson bar, moving between steps, presenter view, reset."""

import pytest

import classroom
from explorer import lesson
from tests.apptest import open_app, page_text

TOTAL = lesson.step_count()


def script(number: int) -> str:
    return classroom.SCRIPTS[lesson.get_step(number).url_path]


def titles(at) -> list[str]:
    return [title.value for title in at.title]


def link_warnings(at) -> list[str]:
    return [w.value for w in at.warning if "link asked for" in w.value]


def stay(at, number: int):
    """AppTest keeps requesting the page it was first switched to; follow the app's own switch."""
    return at.switch_page(script(number))


def test_lesson_page_lists_every_chapter_and_step():
    at = open_app("pages/lesson.py")
    assert not at.exception
    assert titles(at) == ["The lesson: from pixels to VGG16"]
    text = page_text(at)
    for number, chapter in enumerate(lesson.CHAPTERS, 1):
        assert f"**{number} · {chapter}**" in text
    links = at.get("page_link")
    assert len(links) == TOTAL
    labels = sorted(link.proto.label for link in links)
    assert labels == sorted(f"Step {n}: {lesson.get_step(n).title}" for n in range(1, TOTAL + 1))
    assert "Not started: 20 steps" in [p.proto.text for p in at.get("progress")]


def test_start_opens_step_one_with_its_bar():
    at = open_app("pages/lesson.py")
    at.button(key="lesson_start").click().run()
    assert not at.exception
    assert at.query_params["lesson"] == "1"
    assert titles(at) == ["Images are numbers"]
    assert f"**Step 1 of {TOTAL}** — Images and pixels" in page_text(at)


def test_jump_from_the_lesson_page_and_continue_from_the_step_reached():
    at = open_app("pages/lesson.py")
    at.selectbox(key="lesson_jump").set_value(15).run()
    assert at.query_params["lesson"] == "15" and at.query_params["net"] == "flatten"
    assert titles(at) == ["From layers to VGG16"]
    at.switch_page("pages/lesson.py").run()
    assert "Progress: step 15 of 20" in [p.proto.text for p in at.get("progress")]
    at.button(key="lesson_continue").click().run()
    assert at.query_params["lesson"] == "15"


def test_a_page_opened_with_a_step_shows_that_step():
    at = open_app("pages/convolution.py", lesson="4")
    assert not at.exception
    text = page_text(at)
    step = lesson.get_step(4)
    assert f"**Step 4 of {TOTAL}** — {step.chapter} — **{step.title}**" in text
    assert step.explain in text and step.question in text
    assert at.expander[0].label == "Show the answer"
    assert step.answer in [m.value for m in at.expander[0].markdown]
    assert next(p.proto.value for p in at.get("progress")) == round(4 / TOTAL * 100)
    assert at.button(key="lesson_prev").disabled is False


def test_next_and_previous_switch_page_with_the_step_params():
    at = open_app("pages/convolution.py", lesson="6")
    at.button(key="lesson_next").click().run()
    assert not at.exception
    assert titles(at) == ["Padding and strides"]
    assert at.query_params["lesson"] == "7"
    assert at.slider(key="n_pad").value == 1 and at.slider(key="s").value == 1
    stay(at, 7).button(key="lesson_next").click().run()
    assert at.query_params["lesson"] == "8" and at.query_params["s"] == "2"
    assert at.slider(key="s").value == 2 and at.slider(key="n_pad").value == 0
    stay(at, 8).button(key="lesson_prev").click().run()
    assert at.query_params["lesson"] == "7"
    assert at.slider(key="s").value == 1, "entering a step again starts from its own link"


def test_steps_on_the_same_page_apply_their_own_controls():
    at = open_app("pages/convolution.py", lesson="4")
    at.button(key="lesson_next").click().run()
    assert at.radio(key="view").value == "edges" and at.session_state["image"] == "checkerboard"
    stay(at, 5).button(key="lesson_next").click().run()
    assert at.radio(key="view").value == "steps" and at.slider(key="step").value == 5
    assert at.session_state["image"] == "notes-6x6"


def test_first_and_last_steps_disable_the_missing_neighbour():
    first = open_app(script(1), lesson="1")
    assert first.button(key="lesson_prev").disabled and not first.button(key="lesson_next").disabled
    last = open_app(script(TOTAL), lesson=str(TOTAL))
    assert last.button(key="lesson_next").disabled and not last.button(key="lesson_prev").disabled


def test_presenter_view_is_carried_by_next_and_hides_other_controls():
    at = open_app(script(7), **lesson.step_query(7, presenter=True))
    assert not at.exception and at.query_params["presenter"] == "true"
    styles = " ".join(h.proto.body for h in at.get("html"))
    assert "stSidebar" in styles and "font-size" in styles
    assert ".st-key-pad_crop" in styles and ".st-key-n_pad" not in styles
    at.button(key="lesson_next").click().run()
    assert at.query_params["lesson"] == "8" and at.query_params["presenter"] == "true"


def test_presenter_toggle_writes_and_clears_the_query_param():
    at = open_app("pages/pixels.py")
    assert "presenter" not in at.query_params
    at.toggle(key="presenter_tools").set_value(True).run()
    assert at.query_params["presenter"] == "true"
    assert at.toggle(key="presenter_sidebar").value is True
    at.toggle(key="presenter_tools").set_value(False).run()
    assert "presenter" not in at.query_params


def test_leave_the_lesson_keeps_the_page():
    at = open_app("pages/pooling.py", lesson="9")
    at.button(key="lesson_leave").click().run()
    assert "lesson" not in at.query_params and titles(at) == ["Pooling"]
    assert not at.get("progress")


@pytest.mark.parametrize("bad", ["abc", "0", "999", "-3", "2.5"])
def test_bad_lesson_values_warn_and_the_page_still_works(bad):
    at = open_app("pages/pixels.py", lesson=bad)
    assert not at.exception
    assert titles(at) == ["Images are numbers"]
    assert any("lesson step" in w and "1 to 20" in w for w in link_warnings(at))
    assert "lesson" not in at.query_params and not at.get("progress")


def test_a_bad_presenter_value_warns():
    at = open_app("pages/pixels.py", presenter="maybe")
    assert not at.exception
    assert any("presenter" in w for w in link_warnings(at))
    assert "presenter" not in at.query_params


def test_reset_to_defaults_restores_a_control_and_its_query_param():
    at = open_app("pages/padding-stride.py", s="2", image="checkerboard")
    assert at.slider(key="s").value == 2
    at.slider(key="k").set_value(5).run()
    assert at.query_params["k"] == "5"
    at.button(key="page_reset").click().run()
    assert not at.exception
    assert at.slider(key="s").value == 1 and at.slider(key="k").value == 3
    assert "s" not in at.query_params and "k" not in at.query_params
    assert at.query_params["image"] == "checkerboard", "the sidebar's picture is not the page's"


def test_the_start_page_links_to_the_lesson():
    at = open_app(None)
    assert next(link.proto.page for link in at.get("page_link")) == "lesson"


@pytest.mark.parametrize("number", range(1, TOTAL + 1))
def test_every_step_link_renders_without_warnings_or_exceptions(number):
    at = open_app(script(number), **lesson.step_query(number, presenter=True))
    assert not at.exception, at.exception
    assert not link_warnings(at), link_warnings(at)
    assert f"**Step {number} of {TOTAL}**" in page_text(at)
    query = dict(at.query_params)
    assert query["lesson"] == str(number) and query["presenter"] == "true"
    step = lesson.get_step(number)
    for key, value in step.query.items():
        if key != "image":
            assert at.session_state[key] == type(at.session_state[key])(
                value == "true" if value in ("true", "false") else value
            ), key
    drawn = set().union(*at.session_state["_url_keys"].values())
    assert set(step.controls) <= drawn, set(step.controls) - drawn
