"""Classroom tools drawn around every page: the lesson bar, presenter view, copy link and reset.

app.py calls these around ``page.run()``; the lesson's steps themselves are data in
``explorer.lesson``. Everything a teacher sets here lives in the URL (``lesson=`` and
``presenter=``), so a bookmark or a shared link reopens the same step in the same view.
"""

from __future__ import annotations

import streamlit as st

import ui
from explorer import lesson
from explorer.lesson import LESSON_PARAM, PRESENTER, PRESENTER_PARAM

SIDEBAR_KEYS = frozenset({"source", "image"})  # the sidebar's picture: never reset by a page
SCRIPTS = {page.url_path: page.script for page in ui.CONCEPT_PAGES}
LESSON_SCRIPT = "pages/lesson.py"

_APPLIED = "_lesson_applied"  # the step whose link last set the page's controls
_LAST_STEP = "_lesson_last_step"  # the furthest the class has been, for "Continue" on /lesson
_PRESENTER = "_presenter_on"  # presenter view survives moves through the sidebar's page list
_JUMP = "lesson_jump"

_COPY_LINK_HTML = """
<div class="copy-link">
  <button type="button" class="copy">Copy link to this view</button>
  <input class="link" type="text" readonly aria-label="Link to this view" value="">
  <span class="status" role="status" aria-live="polite"></span>
</div>
"""
_COPY_LINK_CSS = """
.copy-link { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem;
  font-family: var(--st-font, sans-serif); font-size: 0.875rem; }
.copy { font: inherit; padding: 0.25rem 0.75rem; min-height: 2.5rem; cursor: pointer; border-radius: 0.5rem;
  border: 1px solid var(--st-border-color, #8a8a8a); background: var(--st-background-color, #fff);
  color: var(--st-text-color, #000); }
.copy:hover { border-color: var(--st-primary-color, #ff4b4b); }
.copy:focus-visible { outline: 3px solid var(--st-primary-color, #ff4b4b); outline-offset: 2px; }
.status { font-weight: 600; color: var(--st-text-color, #000); }
.link { flex: 1 1 10rem; min-width: 0; font: inherit; padding: 0.25rem 0.5rem; border-radius: 0.4rem;
  border: 1px solid var(--st-border-color, #8a8a8a); color: var(--st-text-color, #000);
  background: var(--st-secondary-background-color, #f0f2f6); }
"""
# Reads the address when clicked, so links changed by fragment-only reruns are current too.
_COPY_LINK_JS = """
export default function ({ parentElement }) {
  const button = parentElement.querySelector(".copy");
  const field = parentElement.querySelector(".link");
  const status = parentElement.querySelector(".status");
  const refresh = () => {
    const here = window.location.href;
    if (field.value !== here && document.activeElement !== field) field.value = here;
  };
  refresh();
  // Page moves and fragment reruns change the address without remounting this element.
  const timer = setInterval(refresh, 250);
  const copy = async () => {
    field.value = window.location.href;
    let done = false;
    if (navigator.clipboard && window.isSecureContext) {
      try { await navigator.clipboard.writeText(field.value); done = true; } catch (error) { done = false; }
    }
    if (!done) {
      field.focus();
      field.select();
      try { done = document.execCommand("copy"); } catch (error) { done = false; }
    }
    status.textContent = done ? "Copied" : "Copying was refused: select the link and copy it by hand.";
  };
  button.addEventListener("click", copy);
  return () => { clearInterval(timer); button.removeEventListener("click", copy); };
}
"""
# ← and → press Previous / Next, except while a control that uses the arrow keys has focus.
_ARROW_KEYS_JS = """
export default function () {
  const busy = 'input, textarea, select, [contenteditable="true"], [role="slider"], [role="combobox"], '
    + '[role="listbox"], [role="radio"], [role="radiogroup"], [role="tab"], [role="spinbutton"]';
  const handler = (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    const active = document.activeElement;
    if (active && active.closest && active.closest(busy)) return;
    const key = event.key === "ArrowRight" ? "lesson_next" : "lesson_prev";
    const live = `.st-key-${key}:not([data-stale="true"])`;
    const button = document.querySelector(`${live} button[data-testid^="stBaseButton"]`);
    if (button && !button.disabled) { event.preventDefault(); button.click(); }
  };
  if (window.__lessonArrowKeys) document.removeEventListener("keydown", window.__lessonArrowKeys);
  window.__lessonArrowKeys = handler;
  document.addEventListener("keydown", handler);
  return () => {
    document.removeEventListener("keydown", handler);
    if (window.__lessonArrowKeys === handler) window.__lessonArrowKeys = null;
  };
}
"""

_copy_link = st.components.v2.component(
    "explorer.copy_link", html=_COPY_LINK_HTML, css=_COPY_LINK_CSS, js=_COPY_LINK_JS
)
_arrow_keys = st.components.v2.component("explorer.arrow_keys", html="<span></span>", js=_ARROW_KEYS_JS)


# Where we are ---------------------------------------------------------------------------


def _shown(raw: str) -> str:
    return ui.plain(raw if len(raw) <= 40 else raw[:40] + "…")


def requested_step(*, warn: bool = True) -> int | None:
    """The step named by ``lesson=`` in the address; a bad value is reported and ignored."""
    raw = st.query_params.get(LESSON_PARAM)
    if raw is None:
        return None
    try:
        return lesson.parse_step(raw)
    except ValueError:
        if warn:
            st.warning(
                f"The link asked for lesson step “{_shown(raw)}”, but the lesson has steps 1 to "
                f"{lesson.step_count()}: showing the page without the lesson.",
                icon=":material/school:",
            )
            del st.query_params[LESSON_PARAM]  # so a copied link does not pass the bad value on
        return None


def presenter_on() -> bool:
    """Presenter view: ``presenter=`` in the address, else what this tab chose last."""
    raw = st.query_params.get(PRESENTER_PARAM)
    if raw is not None and raw.lower() in ("true", "false"):
        st.session_state[_PRESENTER] = raw.lower() == "true"
    elif raw is not None:
        st.warning(
            f"The link asked for **presenter** = “{_shown(raw)}”, but it must be true or false; "
            "presenter view stays as it was.",
            icon=":material/co_present:",
        )
        del st.query_params[PRESENTER_PARAM]
    on = bool(st.session_state.get(_PRESENTER, False))
    if on and st.query_params.get(PRESENTER_PARAM) != "true":
        st.query_params[PRESENTER_PARAM] = "true"  # keep it bookmarkable after a move via the page list
    return on


def start_run(url_path: str) -> int | None:
    """Before anything is drawn: the lesson step of this run, with its controls applied on entry.

    Entering a step (a new ``lesson=`` value) clears every URL-synced control this tab
    has used, so the page starts from its defaults plus the step's own link values.
    """
    number = requested_step() if url_path in SCRIPTS else None
    if number is None:
        st.session_state[_APPLIED] = None
        return None
    if st.session_state.get(_APPLIED) != number:
        step = lesson.get_step(number)
        known = set().union(*st.session_state.get(ui.URL_KEYS, {}).values())
        for key in (known - SIDEBAR_KEYS) | set(step.query):
            st.session_state.pop(key, None)
        st.session_state[_APPLIED] = number
    st.session_state[_LAST_STEP] = number
    return number


def last_step() -> int | None:
    """The step this tab was last on, if any."""
    return st.session_state.get(_LAST_STEP)


# Moving between steps -------------------------------------------------------------------


def go_to_step(number: int, *, presenter: bool) -> None:
    """Open a step's page in the step's state (never returns)."""
    step = lesson.get_step(number)
    st.switch_page(SCRIPTS[step.url_path], query_params=lesson.step_query(number, presenter=presenter))


_GOTO = "_lesson_goto"  # the step a click asked for; opened on the next run


def _ask_for_step(number: int) -> None:
    st.session_state[_GOTO] = number


def _jumped() -> None:
    st.session_state[_GOTO] = st.session_state[_JUMP]


def jump_picker(current: int | None, *, label: str = "Jump to step") -> None:
    """A picker of every step; choosing one opens it."""
    numbers = list(range(1, lesson.step_count() + 1))
    if current is not None:
        st.session_state[_JUMP] = current
    elif _JUMP not in st.session_state:
        st.session_state[_JUMP] = 1
    st.selectbox(label, numbers, format_func=lesson.step_label, key=_JUMP, on_change=_jumped)


def step_button(label: str, number: int | None, key: str, **options: object) -> None:
    """A button that opens step ``number`` (disabled when there is none)."""
    st.button(
        label,
        key=key,
        on_click=_ask_for_step,
        args=(number,),
        disabled=number is None,
        **options,
    )


def follow_request(*, presenter: bool) -> None:
    """If the last click asked for a step (a button or the picker), open it."""
    target = st.session_state.pop(_GOTO, None)
    if target is not None:
        go_to_step(int(target), presenter=presenter)


def _leave_lesson() -> None:
    for param in (LESSON_PARAM,):
        if param in st.query_params:
            del st.query_params[param]
    st.session_state[_APPLIED] = None


def lesson_bar(number: int, *, presenter: bool) -> lesson.Step:
    """The bar at the top of a page opened by a lesson step."""
    step = lesson.get_step(number)
    total = lesson.step_count()
    previous, following = lesson.neighbours(number)
    follow_request(presenter=presenter)
    with st.container(border=True, key="lesson_bar"):
        st.markdown(f"**Step {number} of {total}** — {step.chapter} — **{step.title}**")
        st.progress(number / total)
        st.markdown(step.explain)
        point, ask = st.columns(2)
        point.markdown(f":material/ads_click: **Point at:** {step.point_at}")
        ask.markdown(f":material/record_voice_over: **Ask the class:** {step.question}")
        with st.expander("Show the answer", icon=":material/lightbulb:"):
            st.markdown(step.answer)
        back, forward, jump, overview, leave = st.columns([1, 1, 2.2, 0.9, 1.4], vertical_alignment="bottom")
        with back:
            step_button(
                "Previous",
                previous,
                "lesson_prev",
                icon=":material/arrow_back:",
                width="stretch",
                help="Or press ← in presenter view.",
            )
        with forward:
            step_button(
                "Next",
                following,
                "lesson_next",
                icon=":material/arrow_forward:",
                type="primary",
                width="stretch",
                help="Or press → in presenter view.",
            )
        with jump:
            jump_picker(number)
        overview.page_link(
            LESSON_SCRIPT,
            label="All steps",
            icon=":material/list:",
            query_params={LESSON_PARAM: str(number)} | ({PRESENTER_PARAM: "true"} if presenter else {}),
        )
        leave.button("Leave the lesson", key="lesson_leave", icon=":material/logout:", on_click=_leave_lesson)
        if presenter:
            _arrow_keys(key="lesson_arrow_keys", height=0)
    return step


# Presenter view -------------------------------------------------------------------------


def _set_presenter(widget_key: str) -> None:
    on = bool(st.session_state[widget_key])
    st.session_state[_PRESENTER] = on
    if on:
        st.query_params[PRESENTER_PARAM] = "true"
    elif PRESENTER_PARAM in st.query_params:
        del st.query_params[PRESENTER_PARAM]


def presenter_toggle(where: str, on: bool) -> None:
    """A presenter-view switch; several may be on screen, all showing the same state."""
    key = f"presenter_{where}"
    st.session_state[key] = on
    st.toggle(
        "Presenter view",
        key=key,
        on_change=_set_presenter,
        args=(key,),
        help="Bigger text, high contrast, no sidebar, and only this step's controls; ← → move "
        "between lesson steps. Bookmarkable: the link carries presenter=true.",
    )


def base_styles() -> None:
    """Styles for every view: captions dark enough to read (Streamlit draws them at 60 %
    opacity, about 3:1 on white; here about 7:1, above the 4.5:1 that body text needs)."""
    st.html(
        """<style>
[data-testid="stCaptionContainer"], [data-testid="stImageCaption"] {
  color: rgba(49, 51, 63, 0.85) !important; }
</style>"""
    )


def presenter_styles() -> None:
    """Projector styles: large type, near-black on white (≥ 7:1), no sidebar."""
    p = PRESENTER
    st.html(
        f"""<style>
html {{ font-size: 20px; }}
[data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stHeader"] {{
  background: {p.background}; color: {p.text}; }}
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label,
[data-testid="stMain"] h1, [data-testid="stMain"] h2, [data-testid="stMain"] h3,
[data-testid="stMain"] h4, [data-testid="stMain"] td, [data-testid="stMain"] th,
[data-testid="stWidgetLabel"] p, [data-testid="stMetricValue"], [data-testid="stMetricLabel"] p {{
  color: {p.text} !important; }}
[data-testid="stMain"] [data-testid="stCaptionContainer"],
[data-testid="stMain"] [data-testid="stCaptionContainer"] p,
[data-testid="stMain"] [data-testid="stImageCaption"], [data-testid="stMain"] .slider-picture figcaption {{
  color: {p.muted} !important; opacity: 1 !important; font-size: 0.95rem; }}
[data-testid="stMain"] a, [data-testid="stMain"] a p {{ color: {p.link} !important; }}
[data-testid="stMain"] .stMarkdown {{ font-size: 1.1rem; }}
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"] {{ display: none !important; }}
[data-testid="stMainBlockContainer"] {{ max-width: 100%; padding: 4.5rem 2.5rem 4rem; }}
[data-testid="stMain"] [data-testid="stBaseButton-primary"] {{
  background: {p.accent}; border-color: {p.accent}; color: {p.background}; }}
[data-testid="stMain"] [data-testid="stBaseButton-primary"] p {{ color: {p.background} !important; }}
.st-key-lesson_bar {{ border: 3px solid {p.accent} !important; }}
[data-testid="stMain"] [data-testid="stImage"] img, [data-testid="stMain"] .slider-picture img {{
  width: 100% !important; height: auto !important; max-height: 75vh; object-fit: contain;
  object-position: left top; }}
.st-key-lesson_bar [data-testid="stProgress"] div[role="progressbar"] div div {{ background: {p.accent}; }}
</style>"""
    )


def hide_other_controls(step: lesson.Step | None) -> None:
    """Presenter view in a lesson: hide the page's URL-synced controls this step does not use."""
    if step is None:
        return
    hidden = sorted(ui.url_keys(ui.page_hash()) - SIDEBAR_KEYS - set(step.controls))
    if hidden:
        selectors = ", ".join(f".st-key-{key}" for key in hidden)
        st.html(f"<style>{selectors} {{ display: none !important; }}</style>")


# Sharing on every page ------------------------------------------------------------------


def _reset(page: str) -> None:
    """Back to the page's defaults: forget its URL-synced controls, in the tab and the address."""
    for key in ui.url_keys(page) - SIDEBAR_KEYS:
        st.session_state.pop(key, None)
        if key in st.query_params:
            del st.query_params[key]


def page_tools(*, resettable: bool, presenter: bool) -> None:
    """Copy link, reset to defaults and the presenter switch, in one row above the page."""
    with st.container(key="page_tools"):
        link, reset, switch = st.columns([3, 1.1, 1.1], vertical_alignment="center")
        with link:
            _copy_link(key="copy_link")
        if resettable:
            reset.button(
                "Reset to defaults",
                key="page_reset",
                icon=":material/restart_alt:",
                on_click=_reset,
                args=(ui.page_hash(),),
                help="Put this page's controls back as they start; the sidebar's picture stays.",
            )
        with switch:
            presenter_toggle("tools", presenter)
