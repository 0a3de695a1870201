"""Hostile input: every case gets a clear message, the server keeps serving, the session loses nothing.

Cases are grouped by kind (images, zips, kernels, URL parameters, model files, rapid reruns).
Each group shares one module-scoped session that already holds good state (a picture, a
running training run, a valid kernel), so "nothing lost" is checked after every hostile
action; one fresh session per group checks that the server still serves others. User text
(file names, folder names, link values) must reach Markdown escaped, never as raw HTML.
"""

from __future__ import annotations

import io
import json
import pickle
import re
import stat
import struct
import zipfile
import zlib

import numpy as np
import pytest
import safetensors.torch
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest

from explorer.images import encode_jpeg, encode_png
from tests.apptest import open_app, page_text

RAW_TAG = re.compile(r"(?<!\\)<\s*(script|img|svg|iframe)", re.IGNORECASE)  # not escaped as \<


def all_text(at: AppTest) -> str:
    """Every Markdown body on the page and sidebar, messages included."""
    parts = [page_text(at)]
    for kind in ("error", "warning", "info", "success"):
        parts += [element.value for element in at.get(kind)]
    return "\n".join(parts)


def assert_escaped(at: AppTest) -> None:
    assert not RAW_TAG.search(all_text(at)), "user text reached Markdown as raw HTML"


def messages(at: AppTest) -> str:
    return "\n".join(e.value for e in [*at.error, *at.warning])


def assert_other_sessions_served() -> None:
    """A fresh, independent session still renders (once per group, cheaply)."""
    other = open_app("pages/pixels.py")
    assert not other.exception
    assert "6 × 6 × 3 = 108 numbers" in page_text(other)


# Images --------------------------------------------------------------------------------


def png_with_header(width: int, height: int, bit_depth: int = 8, colour: int = 2) -> bytes:
    """A tiny PNG whose IHDR declares any size (its pixel data is a few bytes of zeros)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def pillow_bytes(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def exif_rotated_jpeg() -> bytes:
    """A 30 wide × 20 high JPEG whose EXIF orientation 6 says: turn it upright to 20 × 30."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return pillow_bytes(Image.new("RGB", (30, 20), (200, 40, 40)), "JPEG", exif=exif.tobytes())


GOOD_SHAPE = "20 × 30 × 3 = 1,800 numbers"
SIXTEEN_BIT = pillow_bytes(Image.fromarray(np.full((9, 7), 40000, np.uint16)), "PNG")
VALID_PNG = encode_png(np.full((10, 12, 3), 90, np.uint8))

# (file name, bytes, words the message must hold; None = accepted, with this page text instead)
REFUSED_IMAGES = {
    "empty": ("empty.png", b"", "empty"),
    "random-bytes": (
        "noise.png",
        bytes(np.random.default_rng(0).integers(0, 256, 4096, np.uint8)),
        "not an image",
    ),
    "truncated-png": ("cut.png", VALID_PNG[: len(VALID_PNG) // 2], "cut short"),
    "truncated-jpeg": ("cut.jpg", encode_jpeg(np.full((64, 64, 3), 9, np.uint8))[:300], "cut short"),
    "svg-as-png": (
        "vector.png",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "not an image",
    ),
    "html-as-png": ("page.png", b"<!doctype html><html><img src=x onerror=alert(1)></html>", "not an image"),
    "png-bomb-100000": ("bomb.png", png_with_header(100_000, 100_000), "limit"),
    "huge-20000": ("huge.png", png_with_header(20_000, 20_000), "limit"),
    "zero-width": ("zero.png", png_with_header(0, 10), "image"),
    "html-file-name": ("<img src=x onerror=alert(1)>.png", b"junk", "not an image"),
}
ACCEPTED_IMAGES = {
    "extreme-aspect-1x5000": (
        "thin.png",
        encode_png(np.zeros((1, 5000, 3), np.uint8)),
        "Originally 5000 × 1",
    ),
    "sixteen-bit": ("deep.png", SIXTEEN_BIT, "9 × 7 × 3 = 189 numbers"),
    "cmyk-jpeg": (
        "print.jpg",
        pillow_bytes(Image.new("CMYK", (11, 5), (0, 255, 0, 0)), "JPEG"),
        "5 × 11 × 3",
    ),
    "exif-rotated": ("turned.jpg", exif_rotated_jpeg(), "30 × 20 × 3 = 1,800 numbers"),
    "jpeg-named-png": ("really-a-jpeg.png", encode_jpeg(np.full((8, 9, 3), 50, np.uint8)), "8 × 9 × 3"),
    "script-file-name": ("<script>alert(1)</script>.png", VALID_PNG, "10 × 12 × 3 = 360 numbers"),
}


@pytest.fixture(scope="module")
def pixels_session() -> AppTest:
    at = open_app("pages/pixels.py", source="upload")
    stripes = np.zeros((20, 30, 3), np.uint8)
    stripes[:, ::2] = 255
    at.file_uploader(key="upload").set_value(("stripes.png", encode_png(stripes), "image/png")).run()
    assert GOOD_SHAPE in page_text(at)
    return at


def upload_picture(at: AppTest, name: str, data: bytes) -> AppTest:
    return at.file_uploader(key="upload").set_value((name, data, "image/png")).run()


@pytest.mark.parametrize("case", REFUSED_IMAGES)
def test_a_refused_picture_is_named_and_the_last_good_one_stays(pixels_session, case):
    at = pixels_session
    before = next(line for line in page_text(at).splitlines() if "numbers" in line)
    name, data, says = REFUSED_IMAGES[case]
    upload_picture(at, name, data)
    assert not at.exception
    errors = "\n".join(e.value for e in at.sidebar.error)
    assert says in errors.lower().replace("\\", "") or says in errors, errors
    assert "Traceback" not in errors
    assert before in page_text(at)  # nothing lost: the picture shown before stays
    assert "Still showing your last good picture" in page_text(at)
    assert_escaped(at)


@pytest.mark.parametrize("case", ACCEPTED_IMAGES)
def test_an_odd_but_valid_picture_is_shown(pixels_session, case):
    at = pixels_session
    name, data, shows = ACCEPTED_IMAGES[case]
    upload_picture(at, name, data)
    assert not at.exception
    assert not at.sidebar.error
    assert shows in page_text(at)
    assert_escaped(at)


def test_images_leave_the_server_serving(pixels_session):
    upload_picture(pixels_session, "bomb.png", png_with_header(100_000, 100_000))
    assert_other_sessions_served()


# Zips ----------------------------------------------------------------------------------

TINY_PNG = encode_png(np.full((4, 4, 3), 200, np.uint8))


def make_zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def classes(*names: str, count: int = 6) -> list[tuple[str, bytes]]:
    return [(f"{name}/{index}.png", TINY_PNG) for name in names for index in range(count)]


def symlink_entry() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("cats/link.png")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def zip_bomb() -> bytes:
    """About 50 KB of zip declaring a 50 MB member: refused from the declared sizes."""
    return make_zip([*classes("cats", "dogs"), ("cats/bomb.png", bytes(50_000_000))])


HOSTILE_ZIPS = {
    "dot-dot": (
        lambda: make_zip([*classes("cats", "dogs"), ("../evil.png", TINY_PNG)]),
        "outside its folder",
    ),
    "backslash-dot-dot": (lambda: make_zip([*classes("a", "b"), ("..\\evil.png", TINY_PNG)]), "outside"),
    "absolute": (lambda: make_zip([*classes("cats", "dogs"), ("/abs.png", TINY_PNG)]), "absolute path"),
    "drive-letter": (lambda: make_zip([*classes("cats", "dogs"), ("C:/abs.png", TINY_PNG)]), "absolute path"),
    "zip-bomb": (zip_bomb, "unpack"),
    "deep-nesting": (
        lambda: make_zip([("a/b/c/d/e/x.png", TINY_PNG), ("a/b/c/d/f/y.png", TINY_PNG)]),
        "split",
    ),
    "too-many-files": (lambda: make_zip([(f"c{i % 2}/{i}.png", b"") for i in range(5001)]), "limit is 5,000"),
    "3000-tiny-non-images": (
        lambda: make_zip([(f"c{i % 2}/{i}.txt", b"x") for i in range(3000)]),
        "no images",
    ),
    "empty-zip": (lambda: make_zip([]), "empty"),
    "not-a-zip": (lambda: b"PK\x03\x04 this is not really a zip", "not a zip"),
    "one-class": (lambda: make_zip(classes("only")), "two"),
    "script-folder": (lambda: make_zip(classes("<script>alert(1)</script>")), "two"),
}


@pytest.fixture(scope="module")
def zip_session() -> AppTest:
    """A training run on a good zip, running (50 epochs), before any hostile zip arrives."""
    at = open_app("pages/train.py", data="zip", side="16", epochs="50", blocks="1")
    at.file_uploader(key="zip").set_value(("good.zip", make_zip(classes("cats", "dogs")), "application/zip"))
    at.run()
    at.button(key="start").click().run()
    assert at.session_state["lab"].trainer.batches_done > 0
    return at


def assert_run_kept(at: AppTest, trainer: object, done: int) -> None:
    lab = at.session_state["lab"]
    assert lab.trainer is trainer and (lab.running or trainer.done), "a bad upload reset the run"
    assert lab.trainer.batches_done >= done


@pytest.mark.parametrize("case", HOSTILE_ZIPS)
def test_a_hostile_zip_is_refused_in_words_and_the_run_goes_on(zip_session, case):
    at = zip_session
    trainer, done = at.session_state["lab"].trainer, at.session_state["lab"].trainer.batches_done
    build, says = HOSTILE_ZIPS[case]
    at.file_uploader(key="zip").set_value((f"{case}.zip", build(), "application/zip")).run()
    assert not at.exception
    errors = "\n".join(e.value for e in at.error).replace("\\", "")
    assert "cannot be" in errors and says in errors, errors
    assert_run_kept(at, trainer, done)
    assert_escaped(at)


def test_an_odd_but_valid_zip_is_read_with_escaped_class_names(zip_session):
    at = zip_session
    trainer = at.session_state["lab"].trainer
    data = make_zip([*classes("<img src=x onerror=alert(1)>", "dogs"), symlink_entry_with_target()])
    at.file_uploader(key="zip").set_value(("odd.zip", data, "application/zip")).run()
    assert not at.exception
    assert "12 files" in page_text(at) or "training and" in page_text(at)
    assert "left out" in "\n".join(e.proto.label for e in at.expander)  # the symlink is skipped
    assert at.session_state["lab"].trainer is trainer
    assert_escaped(at)
    assert_other_sessions_served()


def symlink_entry_with_target() -> tuple[zipfile.ZipInfo, bytes]:
    return symlink_entry(), b"/etc/passwd"


# Kernels -------------------------------------------------------------------------------

HOSTILE_KERNELS = {
    "nan": "1 0 nan\n0 1 0\n0 0 1",
    "inf": "inf 0 0\n0 1 0\n0 0 1",
    "minus-inf": "-inf 0 0\n0 1 0\n0 0 1",
    "1e308": "1e308 1e308 1e308\n0 0 0\n-1e308 -1e308 -1e308",
    "1e400": "1e400 0\n0 1",
    "empty": "",
    "letters": "a b c\nd e f\ng h i",
    "9x9": "\n".join(" ".join("1" for _ in range(9)) for _ in range(9)),
    "ragged": "1 2 3\n4 5",
    "divide-by-zero": "1/0 0\n0 1",
    "script": "<script>alert(1)</script>",
}


@pytest.fixture(scope="module")
def kernel_session() -> AppTest:
    at = open_app("pages/convolution.py", kernel="custom")
    at.text_area(key="custom").set_value("1 2 1\n0 0 0\n-1 -2 -1").run()
    assert not at.exception and not at.error
    return at


@pytest.mark.parametrize("case", HOSTILE_KERNELS)
def test_a_hostile_kernel_is_named_and_the_last_valid_one_stays(kernel_session, case):
    at = kernel_session
    at.text_area(key="custom").set_value(HOSTILE_KERNELS[case]).run()
    assert not at.exception
    assert at.error, f"no message for kernel {case!r}"
    assert "Still using the last valid 3 × 3 kernel." in page_text(at)
    np.testing.assert_array_equal(at.session_state["custom_last_good"], [[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
    assert_escaped(at)


def test_kernels_leave_the_server_serving(kernel_session):
    assert_other_sessions_served()


# URL query parameters ------------------------------------------------------------------

LONG = "9" * 5000
HOSTILE_LINKS = [
    ("pages/pixels.py", "row", "-1"),
    ("pages/pixels.py", "row", "1e9"),
    ("pages/pixels.py", "window", "2.5"),
    ("pages/pixels.py", "col", LONG),
    ("pages/pixels.py", "tint", "maybe"),
    ("pages/pixels.py", "image", "<img src=x onerror=alert(1)>"),
    ("pages/pixels.py", "source", "<script>alert(1)</script>"),
    ("pages/convolution.py", "stride", "0"),
    ("pages/convolution.py", "kernel", "<script>alert(1)</script>"),
    ("pages/train.py", "epochs", "1e9"),
    ("pages/train.py", "lr", "NaN"),
    ("pages/train.py", "data", "<svg onload=alert(1)>"),
]


@pytest.mark.parametrize(("page", "key", "value"), HOSTILE_LINKS, ids=lambda v: str(v)[:24])
def test_a_hostile_link_opens_with_the_default_and_names_the_key(page, key, value):
    at = open_app(page, **{key: value})
    assert not at.exception
    warnings = "\n".join(w.value for w in at.warning)
    assert f"**{key}**" in warnings and "using" in warnings, warnings
    assert len(warnings) < 1000  # a 5000-character value is cut short in the note
    assert_escaped(at)


def test_a_script_kernel_in_the_link_is_shown_as_text():
    at = open_app("pages/convolution.py", kernel="custom", custom="<script>alert(1)</script>")
    assert not at.exception
    assert at.error and "Still using the last valid" in page_text(at)
    assert_escaped(at)
    assert_other_sessions_served()


# Model files ---------------------------------------------------------------------------


class Harmless:
    """A plain object: pickling it runs nothing when loaded (and the app never unpickles)."""

    value = 1


@pytest.fixture(scope="module")
def model_session() -> AppTest:
    at = open_app("pages/train.py", data="edges", blocks="1", epochs="50", batch="64")
    at.button(key="start").click().run()
    assert at.session_state["lab"].running
    return at


@pytest.fixture(scope="module")
def saved_model(model_session) -> tuple[dict[str, torch.Tensor], str]:
    weights, config = model_session.session_state["lab"].trainer.save()
    return safetensors.torch.load(weights), config


def wrong_shapes(tensors: dict[str, torch.Tensor]) -> bytes:
    return safetensors.torch.save({name: torch.zeros((*t.shape, 2)) for name, t in tensors.items()})


def wrong_dtype(tensors: dict[str, torch.Tensor]) -> bytes:
    return safetensors.torch.save({name: t.to(torch.float64) for name, t in tensors.items()})


def missing_tensor(tensors: dict[str, torch.Tensor]) -> bytes:
    return safetensors.torch.save(dict(list(tensors.items())[1:]))


def good(tensors: dict[str, torch.Tensor]) -> bytes:
    return safetensors.torch.save(tensors)


HUGE_CONFIG = json.dumps(
    {"kind": "cnn", "conv_blocks": 2, "filters": [100_000, 100_000], "dense_width": 10**9}
)
HOSTILE_MODELS = {
    "pickle-as-safetensors": (lambda t: pickle.dumps({"harmless": Harmless.value}), None, "not a readable"),
    "wrong-shapes": (wrong_shapes, None, "shape"),
    "wrong-dtype": (wrong_dtype, None, "dtype"),
    "missing-tensor": (missing_tensor, None, "lack"),
    "oversized-config": (good, HUGE_CONFIG, "the limit is"),
    "config-not-object": (good, "[1, 2, 3]", "JSON object"),
    "config-not-utf8": (good, b"\xff\xfe\x00", "cannot be loaded"),
}


@pytest.mark.parametrize("case", HOSTILE_MODELS)
def test_a_hostile_model_file_is_refused_and_the_run_goes_on(model_session, saved_model, case):
    at = model_session
    trainer, done = at.session_state["lab"].trainer, at.session_state["lab"].trainer.batches_done
    tensors, config = saved_model
    build, bad_config, says = HOSTILE_MODELS[case]
    config_bytes = bad_config if isinstance(bad_config, bytes) else (bad_config or config).encode()
    at.file_uploader(key="load_weights").set_value(
        (f"{case}.safetensors", build(tensors), "application/octet-stream")
    )
    at.file_uploader(key="load_config").set_value((f"{case}.json", config_bytes, "application/json")).run()
    assert not at.exception
    errors = "\n".join(e.value for e in at.error).replace("\\", "")
    assert "cannot be loaded" in errors and says in errors, errors
    assert_run_kept(at, trainer, done)
    assert_escaped(at)


def test_models_leave_the_server_serving(model_session):
    assert_other_sessions_served()


# Rapid-fire reruns while training ------------------------------------------------------


def test_rapid_reruns_while_training_advance_and_keep_the_trainer():
    at = open_app("pages/train.py", epochs="50")
    at.button(key="start").click().run()
    trainer = at.session_state["lab"].trainer
    seen = [trainer.batches_done]
    flips = {2: ("dense", 64), 4: ("dense", 16), 6: ("dense", 32), 8: ("dense", 64)}
    for index in range(10):
        if index in flips:
            key, value = flips[index]
            at.slider(key=key).set_value(value)
        at.run()
        assert not at.exception
        lab = at.session_state["lab"]
        assert lab.trainer is trainer and lab.running
        seen.append(trainer.batches_done)
    assert seen == sorted(seen) and seen[-1] > seen[0]
    assert_other_sessions_served()
