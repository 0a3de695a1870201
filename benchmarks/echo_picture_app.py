"""A second floor for benchmarks/latency.py: one slider echoed as a picture.

The same 1024 × 1024 photo the app is timed on, taken every ``stride`` pixels and shown at
the app's preview size (640 pixels, JPEG), with a caption that starts "Output:". It is
what any Streamlit page pays to put a new picture on screen, with no page around it.
"""

import cv2
import numpy as np
import streamlit as st

from benchmarks.pages import photo_1024
from explorer.images import encode_jpeg

PREVIEW_SIDE = 640  # as pages/convolution.py shows its output


@st.cache_resource
def photo() -> np.ndarray:
    """The benchmark photo, decoded once: (1024, 1024, 3) uint8 RGB."""
    bgr = cv2.imdecode(np.frombuffer(photo_1024(), np.uint8), cv2.IMREAD_COLOR)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


stride = st.slider("Stride", 1, 8, 1, key="stride")
every = photo()[::stride, ::stride]
shown = cv2.resize(every, (PREVIEW_SIDE, PREVIEW_SIDE), interpolation=cv2.INTER_AREA)
st.image(encode_jpeg(shown), caption=f"Output: every {stride} pixels.", output_format="JPEG")
