"""Streamlit helpers every page shares: the page list, the image source, URL-synced controls.

Pages import this; ``explorer`` never does. Controls here return plain values and
keep them in the URL query string, so a shared link reopens the same view.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explorer.convolution import framed
from explorer.images import (
    ImageLoadError,
    LoadedImage,
    SampleImage,
    encode_jpeg,
    encode_png,
    enlarge_nearest,
    load_image,
    resample,
    sample_images,
)
from explorer.kernels import MAX_KERNEL_SIDE, KernelTextError, kernel_from_text, kernel_to_text
from explorer.runtime import configure_threads, max_trainers, start_memory_tidier
from explorer.slots import TrainerSlots

UPLOAD_LIMIT_MB = 20
UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp"]


@dataclass(frozen=True)
class PageInfo:
    """One concept page: where it lives, what it is called and what it teaches."""

    script: str
    title: str
    icon: str
    url_path: str
    teaches: str


CONCEPT_PAGES: list[PageInfo] = [
    PageInfo(
        "pages/pixels.py",
        "Images are numbers",
        ":material/grid_on:",
        "pixels",
        "A picture is a grid of pixels, each a number from 0 (black) to 255 (white), "
        "one grid per colour channel; flattening it into a vector loses who was next to whom.",
    ),
    PageInfo(
        "pages/convolution.py",
        "Edge detection and kernels",
        ":material/filter_b_and_w:",
        "convolution",
        "A small grid of weights, the kernel, slides over the picture and multiplies and adds; "
        "the Sobel kernels turn edges into large numbers. Step through it cell by cell.",
    ),
    PageInfo(
        "pages/padding-stride.py",
        "Padding and strides",
        ":material/open_in_full:",
        "padding-stride",
        "Padding adds a border so the output keeps its size; the stride is how far the kernel "
        "jumps. The output-size formulas, with your numbers in them.",
    ),
    PageInfo(
        "pages/pooling.py",
        "Pooling",
        ":material/compress:",
        "pooling",
        "Max, average and min pooling keep one number per window, halving the picture and "
        "cutting the work of every later layer.",
    ),
    PageInfo(
        "pages/rgb.py",
        "Convolution of colour images",
        ":material/palette:",
        "rgb",
        "A colour picture has three channels, so each kernel has three slices; several kernels "
        "stack into a new block of channels, and the next layer's kernels must match it.",
    ),
    PageInfo(
        "pages/activations.py",
        "Activation functions",
        ":material/show_chart:",
        "activations",
        "ReLU, sigmoid, tanh and leaky ReLU bend straight lines; without them a network can "
        "only draw straight boundaries.",
    ),
    PageInfo(
        "pages/learn-kernel.py",
        "Learn one kernel",
        ":material/school:",
        "learn-kernel",
        "Hide a kernel and let gradient descent find it from a picture and its output: the "
        "nine numbers, the output and the loss update step by step.",
    ),
    PageInfo(
        "pages/train.py",
        "Training lab",
        ":material/model_training:",
        "train",
        "A small CNN learns its own kernels from examples, live: watch the loss fall, the filters "
        "take shape and the feature maps change; then test it on your own drawing.",
    ),
    PageInfo(
        "pages/architecture.py",
        "From layers to VGG16",
        ":material/account_tree:",
        "architecture",
        "Stack layers and follow every shape, parameter count and multiply–add, up to VGG16's "
        "138 million parameters; see the last feature maps flattened into the embedding.",
    ),
    PageInfo(
        "pages/batch-norm.py",
        "Batch normalization",
        ":material/equalizer:",
        "batch-norm",
        "The same CNN trained with and without batch norm, side by side: the loss curves and "
        "each layer's mean and spread, before and after normalizing.",
    ),
    PageInfo(
        "pages/transfer.py",
        "Transfer learning",
        ":material/move_up:",
        "transfer",
        "A network pretrained on many generated digits, reused on a handful of real ones: from "
        "scratch, frozen base with a new head, and full fine-tuning, side by side.",
    ),
]


# Start-up ------------------------------------------------------------------------------

_ROUTED = "_routed_by_app"


def mark_routed() -> None:
    """Called by app.py just before it runs the chosen page."""
    st.session_state[_ROUTED] = True


def ensure_routed() -> None:
    """Make a page run through app.py's router, even on a fresh server's first deep link.

    Streamlit treats a folder named ``pages`` as an old-style multipage app until
    the first ``st.navigation`` call, so the very first visit to ``/pixels`` after
    a start would run the page alone, without the sidebar. Switching that mode off
    and rerunning sends the visit through app.py.
    """
    if st.session_state.pop(_ROUTED, False):
        return
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()


@st.cache_resource
def configure_runtime() -> int:
    """Once per server process: torch's and OpenCV's thread counts, and the memory trimmer."""
    start_memory_tidier()
    return configure_threads()


@st.cache_resource
def trainer_slots() -> TrainerSlots:
    """The one server-wide line of sessions waiting to train (``$EXPLORER_MAX_TRAINERS`` at once)."""
    return TrainerSlots(max_trainers())


def may_train() -> bool:
    """Ask for one of the server's trainers; while none is free, say where this tab is in line."""
    status = trainer_slots().request(session_id())
    if not status.training:
        st.info(
            f"Waiting for a free trainer: {status.capacity} tab(s) are training on this server and you "
            f"are number {status.place_in_line} in line. Training starts by itself when one finishes.",
            icon=":material/hourglass_top:",
        )
    return status.training


def release_trainer() -> None:
    """Give this tab's trainer back (paused, stopped, finished or reset)."""
    trainer_slots().release(session_id())


def session_id() -> str:
    """This browser tab's session, the key under which it waits for a trainer."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    return context.session_id if context is not None else "local"


@st.cache_resource
def built_in_samples() -> dict[str, SampleImage]:
    """The sample pictures, built once and shared read-only by every session."""
    return sample_images()


# URL-synced controls -------------------------------------------------------------------


def plain(text: str) -> str:
    """Text from a user or a link, escaped so Markdown shows it literally, never as markup."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text)


_MARKDOWN_SPECIAL = set("\\`*_{}[]()<>#+-.!|~$:")


def _from_url(key: str, parse: Callable[[str], object], default: object, describe: str) -> None:
    """On a control's first run, take its value from the URL, or note why not."""
    _remember_url_key(key)
    if key in st.session_state:
        return
    raw = st.query_params.get(key)
    value = default
    if raw is not None:
        try:
            value = parse(raw)
        except ValueError:
            shown = raw if len(raw) <= 40 else raw[:40] + "…"
            st.warning(
                f"The link asked for **{key}** = “{plain(shown)}”, but it must be {plain(describe)}; "
                f"using {plain(str(default))}."
            )
    st.session_state[key] = value


URL_KEYS = "_url_keys"  # session_state: page script hash → keys of its URL-synced controls


def page_hash() -> str:
    """The running page's script hash, under which its URL-synced keys are remembered."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    return context.page_script_hash if context is not None else ""


def _remember_url_key(key: str) -> None:
    """Note that the running page keeps ``key`` in the URL, so "Reset to defaults" can clear it."""
    st.session_state.setdefault(URL_KEYS, {}).setdefault(page_hash(), set()).add(key)


def url_keys(page_script_hash: str) -> set[str]:
    """The URL-synced control keys a page (and the sidebar beside it) has drawn in this session."""
    return set(st.session_state.get(URL_KEYS, {}).get(page_script_hash, ()))


def _to_url(key: str, value: object, default: object, text: str) -> None:
    """Mirror a control's value in the URL; defaults are left out to keep links short."""
    if value == default:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != text:
        st.query_params[key] = text


def slider(
    label: str,
    min_value: float,
    max_value: float,
    default: float,
    key: str,
    *,
    step: float | None = None,
    help: str | None = None,
    on_change: Callable[[], None] | None = None,
) -> float:
    """A slider kept in the URL; whole numbers unless ``step`` is a fraction.

    If the range shrinks (say, a smaller picture), the value is moved into it.
    """
    whole = step is None or float(step).is_integer()
    kind = int if whole else float
    default = kind(np.clip(default, min_value, max_value))

    def parse(raw: str) -> float:
        value = kind(raw)
        if not min_value <= value <= max_value:
            raise ValueError(raw)
        return value

    describe = f"{'a whole number' if whole else 'a number'} from {min_value} to {max_value}"
    _from_url(key, parse, default, describe)
    st.session_state[key] = kind(np.clip(st.session_state[key], min_value, max_value))
    if min_value == max_value:
        st.caption(f"{label}: {min_value} (the only possible value here)")
        value = kind(min_value)
    else:
        value = st.slider(
            label, kind(min_value), kind(max_value), key=key, step=step, help=help, on_change=on_change
        )
    _to_url(key, value, default, f"{value:g}" if not whole else str(value))
    return value


def choice(
    label: str,
    options: Mapping[str, str],
    default: str,
    key: str,
    *,
    widget: str = "selectbox",
    help: str | None = None,
    horizontal: bool = True,
    on_change: Callable[[], None] | None = None,
) -> str:
    """Pick one of ``options`` (slug → label); the slug is what the URL carries."""

    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(raw)
        return raw

    _from_url(key, parse, default, "one of " + ", ".join(options))
    if st.session_state[key] not in options:
        st.session_state[key] = default
    slugs = list(options)
    if widget == "radio":
        value = st.radio(
            label,
            slugs,
            format_func=options.get,
            key=key,
            help=help,
            horizontal=horizontal,
            on_change=on_change,
        )
    else:
        value = st.selectbox(label, slugs, format_func=options.get, key=key, help=help, on_change=on_change)
    _to_url(key, value, default, value)
    return value


def toggle(
    label: str,
    default: bool,
    key: str,
    *,
    help: str | None = None,
    on_change: Callable[[], None] | None = None,
) -> bool:
    """An on/off switch kept in the URL as ``true``/``false``."""

    def parse(raw: str) -> bool:
        if raw.lower() not in ("true", "false"):
            raise ValueError(raw)
        return raw.lower() == "true"

    _from_url(key, parse, default, "true or false")
    value = st.toggle(label, key=key, help=help, on_change=on_change)
    _to_url(key, value, default, "true" if value else "false")
    return value


def text(
    label: str,
    default: str,
    key: str,
    *,
    max_chars: int = 400,
    help: str | None = None,
    on_change: Callable[[], None] | None = None,
) -> str:
    """A text box kept in the URL (new lines become ``;``)."""

    def parse(raw: str) -> str:
        if len(raw) > max_chars:
            raise ValueError(raw)
        return raw.replace(";", "\n")

    _from_url(key, parse, default, f"at most {max_chars} characters")
    value = st.text_area(
        label, key=key, max_chars=max_chars, help=help, height="content", on_change=on_change
    )
    _to_url(key, value, default, value.replace("\n", ";"))
    return value


def kernel_editor(
    label: str, default: np.ndarray, key: str, *, on_change: Callable[[], None] | None = None
) -> np.ndarray:
    """Type a kernel as rows of numbers; a bad cell is named and the last good kernel stays."""
    typed = text(
        label,
        kernel_to_text(default),
        key,
        help="One row per line (or separate rows with ;), numbers separated by spaces or commas. "
        f"Fractions like 1/9 work. 1×1 up to {MAX_KERNEL_SIDE}×{MAX_KERNEL_SIDE}, any shape.",
        on_change=on_change,
    )
    last_good = f"{key}_last_good"
    try:
        kernel = kernel_from_text(typed)
    except KernelTextError as error:
        kernel = st.session_state.get(last_good, np.asarray(default, dtype=np.float64))
        st.error(plain(str(error)), icon=":material/edit_off:")
        st.caption(f"Still using the last valid {kernel.shape[0]} × {kernel.shape[1]} kernel.")
        return kernel
    st.session_state[last_good] = kernel
    return kernel


def download_png(pixels: np.ndarray, filename: str, key: str, *, label: str = "Download PNG") -> None:
    """A button that downloads an image as PNG; the file is encoded only when clicked."""
    st.download_button(
        label,
        data=lambda: encode_png(pixels),
        file_name=filename,
        mime="image/png",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


def code_open_key(key: str) -> str:
    """The session key that holds whether :func:`download_code`'s expander is open."""
    return f"{key}-open"


def download_code(source: str, filename: str, key: str, *, label: str = "Download code") -> None:
    """Show a runnable Python snippet (with the copy button) and offer it as a ``.py`` file.

    The snippet is drawn only while its expander is open: a closed one costs the
    browser nothing when a control moves (a highlighted script is one of the slower
    things for it to redraw).
    """
    with st.expander(
        "The code for this view", icon=":material/code:", key=code_open_key(key), on_change="rerun"
    ) as box:
        if not box.open:
            return
        st.caption("Runs on its own with NumPy, OpenCV and PyTorch; it reproduces what you see here.")
        st.code(source, language="python")
        st.download_button(
            label,
            data=source,
            file_name=filename,
            mime="text/x-python",
            key=key,
            on_click="ignore",
            icon=":material/code:",
        )


# The image every page works on ---------------------------------------------------------

SOURCES = {"sample": "Built-in sample", "upload": "Upload a picture", "camera": "Take a photo"}


@dataclass(frozen=True)
class CurrentImage:
    """The picture the pages work on, with what to call it."""

    pixels: np.ndarray  # (H, W, 3) uint8
    label: str
    description: str


def image_source_sidebar() -> None:
    """Draw the sidebar's image picker and remember the chosen picture for the pages."""
    samples = built_in_samples()
    st.header("Image")
    source = choice("Image source", SOURCES, "sample", "source", widget="radio", horizontal=False)
    sample_slug = choice(
        "Sample picture", {slug: s.name for slug, s in samples.items()}, "notes-6x6", "image"
    )
    sample = samples[sample_slug]
    chosen = CurrentImage(sample.pixels, sample.name, sample.description)

    if source == "upload":
        uploaded = st.file_uploader(
            "Picture file",
            type=UPLOAD_TYPES,
            key="upload",
            max_upload_size=UPLOAD_LIMIT_MB,
            help=f"PNG, JPEG, GIF, BMP, TIFF or WebP, up to {UPLOAD_LIMIT_MB} MB. "
            "Large pictures are shrunk to 1024 pixels on the longer side.",
        )
        chosen = _user_image(uploaded, "upload", chosen)
    elif source == "camera":
        photo = st.camera_input("Photo", key="camera")
        chosen = _user_image(photo, "camera", chosen)

    height, width = chosen.pixels.shape[:2]
    st.caption(f"**{plain(chosen.label)}** — {width} × {height} pixels. {chosen.description}")
    st.session_state["current_image"] = chosen


def _user_image(file: object | None, slot: str, fallback: CurrentImage) -> CurrentImage:
    """Decode an uploaded file or photo once; on failure keep the last good picture."""
    memory = f"{slot}_image"
    if file is not None and st.session_state.get(f"{slot}_id") != file.file_id:
        st.session_state[f"{slot}_id"] = file.file_id
        st.session_state[f"{slot}_error"] = None
        try:
            loaded: LoadedImage = load_image(file.getvalue())
        except ImageLoadError as error:
            st.session_state[f"{slot}_error"] = f"{plain(file.name)}: {plain(str(error))}"
        else:
            note = "Shrunk to fit 1024 pixels. " if loaded.downscaled else ""
            h, w = loaded.original_size
            st.session_state[memory] = CurrentImage(
                loaded.pixels, file.name, f"{note}Originally {w} × {h} pixels."
            )
    if st.session_state.get(f"{slot}_error"):
        st.error(st.session_state[f"{slot}_error"], icon=":material/broken_image:")
    kept = st.session_state.get(memory)
    if kept is None:
        st.info("Until a picture arrives, the pages use the sample picture.")
        return fallback
    if st.session_state.get(f"{slot}_error"):
        st.caption("Still showing your last good picture.")
    return kept


def current_image() -> CurrentImage:
    """The picture chosen in the sidebar (the notes' 6×6 example when nothing is chosen)."""
    if "current_image" not in st.session_state:
        sample = built_in_samples()["notes-6x6"]
        return CurrentImage(sample.pixels, sample.name, sample.description)
    return st.session_state["current_image"]


# Showing results -----------------------------------------------------------------------


def fit_for_display(pixels: np.ndarray, side: int) -> np.ndarray:
    """An image sized for a screen area about ``side`` pixels wide.

    Small pictures are enlarged with visible pixel blocks; large ones are shrunk, so a
    1024 × 1024 result never travels in full to fill a 300-pixel column.
    """
    longest = max(pixels.shape[:2])
    if longest < side:
        return enlarge_nearest(pixels, side)
    return resample(pixels, side) if longest > side else pixels


_PNG_SIGNATURE = b"\x89PNG"


def framed_picture(pixels: np.ndarray, side: int) -> tuple[bytes, tuple[int, int]]:
    """The fitted, framed picture as file bytes and its (width, height) on screen.

    Photos go as JPEG (OpenCV encodes faster than PIL); small pictures blown up into
    blocks of at least 2 × 2 go as PNG, which keeps their sharp edges free of JPEG
    ripples. A photo-sized result that fits as it is (a 1024-pixel photo at stride 2
    gives 511) is a photo still: as PNG it would take several times longer to encode
    and send.
    """
    fitted = framed(fit_for_display(pixels, side))  # (h, w, 3) uint8
    encode = encode_png if max(pixels.shape[:2]) * 2 <= side else encode_jpeg
    return encode(fitted), (fitted.shape[1], fitted.shape[0])


def file_format(data: bytes) -> str:
    """``"PNG"`` or ``"JPEG"`` for bytes from :func:`framed_picture`.

    Naming the format stops ``st.image`` from decoding the picture and re-encoding a
    PNG as JPEG.
    """
    return "PNG" if data.startswith(_PNG_SIGNATURE) else "JPEG"


@dataclass(frozen=True)
class SliderPicture:
    """One picture for :func:`slider_pictures`: its file, caption and size on screen."""

    data: bytes  # PNG or JPEG file bytes
    caption: str
    width: int  # on screen, in CSS pixels
    height: int
    pixelated: bool  # sent small; the browser blows it up into blocks


SHARP_SIDE = 64  # results this small (or smaller) always travel as PNG: every pixel a crisp block


def slider_picture(pixels: np.ndarray, caption: str, side: int) -> SliderPicture:
    """A picture shown at the size :func:`framed_picture` shows it, for :func:`slider_pictures`.

    Small results travel at their own size and the browser blows each pixel up into a
    block, so a 128 × 128 result costs a few kilobytes rather than a 640-pixel PNG of a
    hundred. Tiny ones go as PNG, so each block is one clean value; mid-sized ones as
    whichever of PNG and JPEG is smaller (PNG for flat drawings, JPEG for photos); big
    ones are shrunk to ``side`` and sent as JPEG, as :func:`framed_picture` sends them.
    """
    longest = max(pixels.shape[:2])
    factor = max(1, side // longest) if longest < side else 1
    fitted = resample(pixels, side) if longest > side else pixels  # (h, w, 3) uint8
    if longest <= SHARP_SIDE:
        data = encode_png(fitted)
    elif factor > 1:
        data = min(encode_png(fitted), encode_jpeg(fitted), key=len)
    else:
        data = encode_jpeg(fitted)
    height, width = fitted.shape[:2]
    return SliderPicture(data, caption, width * factor, height * factor, pixelated=factor > 1)


_ASSETS = Path(__file__).parent / "assets"
_slider_pictures_component = st.components.v2.component(
    "slider_pictures",
    js=(_ASSETS / "slider_pictures.js").read_text(encoding="utf-8"),
    css=(_ASSETS / "slider_pictures.css").read_text(encoding="utf-8"),
    isolate_styles=False,
)


def slider_pictures(slider_label: str, pictures: Mapping[int, SliderPicture], current: int, key: str) -> None:
    """One picture per value of the slider labelled ``slider_label``, shown as it moves.

    All the pictures go to the browser together, and the one for the slider's value is
    shown the moment the slider moves, without waiting for the script to rerun (which
    then only confirms it). ``current`` is the slider's value in this run: it is shown
    when the page's slider cannot be found, or has a value with no picture.

    A set of pictures is sent once: while it stays the same (the slider moving), a rerun
    sends only its name. The browser asks again for a set it does not hold.
    """
    digest = hashlib.blake2b(digest_size=8)
    for value, picture in sorted(pictures.items()):
        described = [value, picture.caption, picture.width, picture.height, picture.pixelated]
        digest.update(json.dumps(described).encode())
        digest.update(picture.data)
    picture_set = digest.hexdigest()
    sent_key = f"{key}-sent"
    fresh = st.session_state.get(sent_key) != picture_set
    st.session_state[sent_key] = picture_set
    shown = pictures.get(current)
    data = {
        "slider": slider_label,
        "current": current,
        "caption": shown.caption if shown else "",
        "set": picture_set,
        "pictures": _sent_pictures(pictures) if fresh else None,
    }
    _slider_pictures_component(
        key=key, data=data, on_missing_change=lambda: st.session_state.pop(sent_key, None)
    )


def _sent_pictures(pictures: Mapping[int, SliderPicture]) -> dict[str, dict]:
    """The pictures as the browser takes them: data URLs with their captions and sizes."""
    return {
        str(value): {
            "src": f"data:image/{file_format(picture.data).lower()};base64,"
            + base64.b64encode(picture.data).decode("ascii"),
            "caption": picture.caption,
            "width": picture.width,
            "height": picture.height,
            "pixelated": picture.pixelated,
        }
        for value, picture in pictures.items()
    }


def show_image(pixels: np.ndarray, caption: str, *, side: int = 480) -> None:
    """``st.image`` of a picture fitted for display (see :func:`fit_for_display`)."""
    st.image(fit_for_display(pixels, side), caption=caption)


def show_figure(figure: go.Figure, key: str, *, alt: str) -> None:
    """A Plotly figure with the app's chart settings and a text alternative."""
    st.plotly_chart(
        figure,
        key=key,
        config={"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": key}},
        alt=alt,
    )
