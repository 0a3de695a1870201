"""The start page: what the app is and what each page teaches."""

import streamlit as st

import ui

ui.ensure_routed()

st.title("Convolution Explorer")
st.markdown(
    "See how a convolutional neural network looks at a picture — one number at a time. "
    "Pick a picture in the sidebar (a built-in sample, your own file, or a photo) and every "
    "page works on it. Each page explains one idea from the lecture notes and lets you change "
    "the numbers and watch what happens. Every control is kept in the page address, so copying "
    "the link shares exactly what you see."
)

st.subheader("The pages")
for page in ui.CONCEPT_PAGES:
    with st.container(border=True):
        st.page_link(page.script, label=page.title, icon=page.icon)
        st.write(page.teaches)
