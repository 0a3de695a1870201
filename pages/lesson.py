"""The lesson: the notes' chapters in order, each step a link into the page that shows it."""

import streamlit as st

import classroom
import ui
from explorer import lesson

ui.ensure_routed()

total = lesson.step_count()
presenter = classroom.presenter_on()
current = classroom.requested_step() or classroom.last_step()

st.title("The lesson: from pixels to VGG16")
st.markdown(
    f"A guided path through the lecture notes in **{total} steps**, chapter by chapter. Each step opens "
    "the right page already set up, with a bar at the top: what to explain, what to point at on the "
    "screen, and one question for the class. **Previous** and **Next** move along the path, and the "
    "step is kept in the address, so a bookmark reopens it. Turn on **presenter view** for the "
    "projector: bigger text, high contrast, only the step's controls, and the ← → keys move between steps."
)

classroom.follow_request(presenter=presenter)
done = current or 0
st.progress(done / total, text=f"Progress: step {done} of {total}" if done else f"Not started: {total} steps")

start, resume, _ = st.columns([1, 1, 2], vertical_alignment="center")
with start:
    classroom.step_button("Start the lesson", 1, "lesson_start", icon=":material/play_arrow:", type="primary")
with resume:
    if current is not None:
        classroom.step_button(
            f"Continue at step {current}", current, "lesson_continue", icon=":material/redo:"
        )
classroom.jump_picker(current, label="Jump to any step")

st.header("The path")
titles = {page.url_path: page.title for page in ui.CONCEPT_PAGES}
columns = st.columns(2)
for chapter_number, (chapter, numbers) in enumerate(lesson.chapters(), start=1):
    with columns[(chapter_number - 1) % 2].container(border=True):
        st.markdown(f"**{chapter_number} · {chapter}**")
        for number in numbers:
            step = lesson.get_step(number)
            reached = current is not None and number <= current
            st.page_link(
                classroom.SCRIPTS[step.url_path],
                label=f"Step {number}: {step.title}" + (" (you are here)" if number == current else ""),
                icon=":material/check_circle:" if reached else ":material/radio_button_unchecked:",
                query_params=lesson.step_query(number, presenter=presenter),
                help=f"Opens “{titles[step.url_path]}”.",
            )
