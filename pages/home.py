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

with st.container(border=True):
    st.page_link("pages/lesson.py", label="Teaching a class? Follow the lesson", icon=":material/co_present:")
    st.write(
        "A guided path through the notes' chapters, from pixels to VGG16 and batch normalization: each "
        "step opens the right page already set up, with what to say, what to point at and a question "
        "for the class. Presenter view makes it ready for a projector."
    )

st.subheader("The pages")
for page in ui.CONCEPT_PAGES:
    with st.container(border=True):
        st.page_link(page.script, label=page.title, icon=page.icon)
        st.write(page.teaches)
