"""Convolution Explorer: the router and the sidebar every page shares."""

import streamlit as st

import classroom
import ui

st.set_page_config(page_title="Convolution Explorer", page_icon=":material/grid_on:", layout="wide")
ui.configure_runtime()

home = st.Page("pages/home.py", title="Start here", icon=":material/home:", default=True)
lesson_page = st.Page(
    classroom.LESSON_SCRIPT, title="The lesson", icon=":material/co_present:", url_path="lesson"
)
concept_pages = [
    st.Page(page.script, title=page.title, icon=page.icon, url_path=page.url_path)
    for page in ui.CONCEPT_PAGES
]
page = st.navigation({"Convolution Explorer": [home, lesson_page], "Concepts": concept_pages})

# The lesson step is read first: entering a step resets the controls its link sets.
step_number = classroom.start_run(page.url_path)
presenter = classroom.presenter_on()
classroom.base_styles()
if presenter:
    classroom.presenter_styles()

with st.sidebar:
    classroom.presenter_toggle("sidebar", presenter)
    ui.image_source_sidebar()

step = classroom.lesson_bar(step_number, presenter=presenter) if step_number is not None else None
classroom.page_tools(resettable=page.url_path in classroom.SCRIPTS, presenter=presenter)

ui.mark_routed()
page.run()

if presenter:
    classroom.hide_other_controls(step)
