"""Convolution Explorer: the router and the sidebar every page shares."""

import streamlit as st

import ui

st.set_page_config(page_title="Convolution Explorer", page_icon=":material/grid_on:", layout="wide")
ui.configure_runtime()

home = st.Page("pages/home.py", title="Start here", icon=":material/home:", default=True)
concept_pages = [
    st.Page(page.script, title=page.title, icon=page.icon, url_path=page.url_path)
    for page in ui.CONCEPT_PAGES
]
page = st.navigation({"Convolution Explorer": [home], "Concepts": concept_pages})

with st.sidebar:
    ui.image_source_sidebar()

ui.mark_routed()
page.run()
