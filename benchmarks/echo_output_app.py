"""A third reference for benchmarks/latency.py: the lab's own output, with no page around it.

The same slider, and below it the picture ``/convolution`` shows for it: the same
1024 × 1024 photo in grayscale through the horizontal Sobel kernel at that stride,
min–max to pixels, fitted to the preview size and framed, by the same calls the page
makes. Between the picture echo and this page is what working out and showing the
output costs; between this page and the app is what the page around the output costs.
"""

import numpy as np
import streamlit as st

import ui
from benchmarks.pages import photo_1024
from explorer import convolution as conv
from explorer.images import load_image, to_grayscale
from explorer.kernels import SOBEL_HORIZONTAL
from explorer.runtime import configure_threads

PREVIEW_SIDE = 640  # as pages/convolution.py shows its output


@st.cache_resource
def gray_photo() -> np.ndarray:
    """The benchmark photo read as an upload is, in grayscale, once: (1024, 1024) uint8."""
    configure_threads()  # the app's thread count, set once as the app sets it
    return to_grayscale(load_image(photo_1024()).pixels)


stride = st.slider("Stride", 1, 8, 1, key="stride")
values = conv.filter_picture(gray_photo(), SOBEL_HORIZONTAL.weights, stride=stride)  # (H', W') float32
shown, _ = ui.framed_picture(conv.to_pixels(values, "minmax"), PREVIEW_SIDE)
out_h, out_w = values.shape
st.image(shown, caption=f"Output: {out_w} × {out_h}, min–max.", output_format=ui.file_format(shown))
