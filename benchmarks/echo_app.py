"""The floor: a Streamlit page that only echoes one slider, for benchmarks/latency.py."""

import streamlit as st

value = st.slider("Stride", 1, 8, 1, key="stride")
st.markdown(f"Echo: **{value}**")
