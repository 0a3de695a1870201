"""AppTest of the "Edge detection and kernels" page: the notes' example on screen, every control, links."""

import time

import numpy as np
from streamlit.testing.v1 import AppTest

from explorer import convolution as conv
from explorer.images import encode_png
from tests.apptest import metric, open_app, page_text, shown_code, slider_pictures

NOTES_FIRST_WINDOW = "0×(+1) + 0×(+2) + 0×(+1) + 0×(0) + 0×(0) + 0×(0) + 0×(−1) + 0×(−2) + 0×(−1) = 0"


def open_convolution(**params: str) -> AppTest:
    return open_app("pages/convolution.py", **params)


def codes(at: AppTest) -> str:
    return "\n".join(code.value for code in at.code)


def warnings(at: AppTest) -> str:
    return "\n".join(w.value for w in at.warning)


def url(at: AppTest) -> dict[str, str]:
    """The page's query string as plain strings."""
    values = {key: at.query_params[key] for key in at.query_params}
    return {key: value[0] if isinstance(value, list) else value for key, value in values.items()}


def test_the_notes_example_is_on_screen():
    at = open_convolution()
    assert not at.exception
    text = page_text(at)
    assert "**0, −1020, −1020, 0** from top to bottom" in text
    assert "the rows become **255, 0, 0, 255**" in text
    assert "1020 without its minus sign" in text  # the notes' typo, kindly
    assert NOTES_FIRST_WINDOW in codes(at)
    assert "= −1020" in codes(at)
    # The default view is the notes' example too: Sobel on the 6×6 picture, 4 × 4 out.
    assert at.selectbox(key="kernel").value == "sobel-horizontal"
    assert "(6 − 3 + 2·0) / 1 + 1 = 4" in text
    assert [m.value for m in at.metric][:3] == ["−1020", "0", "4 × 4"]
    assert "Output: 4 × 4, min–max to 0..255." in text
    assert len(at.get("download_button")) == 1  # the output PNG; the code's is in its closed expander
    assert len(at.get("plotly_chart")) == 5  # the notes' four grids and the kernel


def test_each_view_shows_only_its_part():
    steps = open_convolution(view="steps")
    assert not steps.exception
    assert "**Step 1 of 16:** output row 0, column 0 = **0**" in page_text(steps)
    assert "Output: 4 × 4" not in page_text(steps)
    edges = open_convolution(view="edges")
    assert not edges.exception
    assert "√((−1020)² + 0²) = 1020" in page_text(edges)
    assert len(edges.get("download_button")) == 3  # three PNGs; the code's is in its closed expander
    assert "**Step 1" not in page_text(edges)


def test_padding_one_keeps_six_by_six_and_shows_the_formula():
    at = open_convolution(pad="amount", padding="1")
    assert not at.exception
    text = page_text(at)
    assert "Height: (6 − 3 + 2·1) / 1 + 1 = 6 rows" in text
    assert "Width: (6 − 3 + 2·1) / 1 + 1 = 6 columns" in text
    assert [m.value for m in at.metric][2] == "6 × 6"
    steps = open_convolution(pad="amount", padding="1", view="steps")
    assert "**Step 1 of 36:**" in page_text(steps)
    assert "tinted cells around it are padding (zeros" in page_text(steps)


def test_every_control_on_a_colour_photo():
    at = open_convolution(image="china")
    assert not at.exception
    at.selectbox(key="kernel").set_value("laplacian")
    at.radio(key="pad").set_value("amount").run()
    at.slider(key="padding").set_value(2)
    at.selectbox(key="mode").set_value("reflect")
    at.slider(key="stride").set_value(2)
    at.slider(key="dilation").set_value(2)
    at.radio(key="show").set_value("raw")
    at.radio(key="colour").set_value("rgb")
    at.run()
    assert not at.exception
    text = page_text(at)
    assert "Height: (427 − (2·(3 − 1) + 1) + 2·2) / 2 + 1 = 214 rows" in text
    assert "Output: 320 × 214, raw signed values." in text
    assert "Each of red, green and blue is filtered on its own" in text
    at.radio(key="view").set_value("steps").run()
    at.slider(key="crop_row").set_value(200)
    at.slider(key="crop_col").set_value(300)
    at.slider(key="step").set_value(7)
    at.run()
    assert not at.exception
    text = page_text(at)
    assert "**Step 7 of 36:** output row 1, column 0" in text
    assert "With dilation 2 the weights sit on the yellow cells only" in text
    assert url(at)["kernel"] == "laplacian" and url(at)["crop_row"] == "200"
    at.radio(key="view").set_value("output").run()
    for method in ("minmax", "abs", "clip"):
        at.radio(key="show").set_value(method).run()
        assert not at.exception
    at.radio(key="pad").set_value("same").run()
    assert "“same” is impossible" in "\n".join(i.value for i in at.info)
    assert not at.exception


def test_custom_kernel_starts_from_the_named_one_and_bad_cells_keep_the_last_good():
    at = open_convolution()
    at.selectbox(key="kernel").set_value("laplacian").run()
    at.selectbox(key="kernel").set_value("custom").run()
    assert not at.exception
    assert at.text_area(key="custom").value == "0 1 0\n1 -4 1\n0 1 0"

    at.text_area(key="custom").set_value("1 0 -1\n2 0 -2").run()
    assert not at.exception
    assert "Height: (6 − 2 + 2·0) / 1 + 1 = 5 rows" in page_text(at)

    at.text_area(key="custom").set_value("1 abc 1").run()
    assert not at.exception
    assert "abc" in at.error[0].value
    assert "Still using the last valid 2 × 3 kernel." in page_text(at)

    at.text_area(key="custom").set_value("nan 1").run()
    assert "NaN" in at.error[0].value
    assert "(6 − 2 + 2·0) / 1 + 1 = 5" in page_text(at)


def test_a_kernel_larger_than_the_padded_picture_is_explained_and_the_page_goes_on():
    seven = ";".join(["1 1 1 1 1 1 1"] * 7)
    at = open_convolution(kernel="custom", custom=seven)
    assert not at.exception
    text = warnings(at)
    assert "The 7 × 7 kernel does not fit in the 6 × 6 picture" in text
    assert "(6 − 7 + 2·0) / 1 + 1 = 0" in text
    assert "A padding of 1 on each side would make room" in text
    assert "below 1, no room for the kernel" in page_text(at)
    # The edge-magnitude view (3 × 3 Sobel) still renders.
    at.radio(key="view").set_value("edges").run()
    assert "√((−1020)² + 0²) = 1020" in page_text(at)

    at.radio(key="view").set_value("output")
    at.slider(key="dilation").set_value(2)
    at.radio(key="pad").set_value("same")
    at.selectbox(key="mode").set_value("reflect").run()
    assert not at.exception
    assert "The border does not fit: reflect padding of 6" in warnings(at)


def test_play_advances_one_cell_per_tick_and_pause_holds_it():
    at = open_convolution(view="steps", step="15")
    at.toggle(key="play").set_value(True).run()
    assert not at.exception
    assert at.slider(key="step").value == 15  # pressing Play does not jump
    time.sleep(0.7)
    at.run()
    assert at.slider(key="step").value == 16
    time.sleep(0.7)
    at.run()
    assert at.slider(key="step").value == 1  # wraps around after the last cell
    at.toggle(key="play").set_value(False).run()
    time.sleep(0.7)
    at.run()
    assert at.slider(key="step").value == 1


def test_controls_are_mirrored_in_the_url_and_a_link_reopens_the_view():
    at = open_convolution(view="steps")
    at.selectbox(key="kernel").set_value("sobel-vertical")
    at.radio(key="pad").set_value("amount")
    at.slider(key="stride").set_value(2)
    at.slider(key="step").set_value(3)
    at.run()
    params = url(at)
    assert params == {
        "kernel": "sobel-vertical",
        "pad": "amount",
        "stride": "2",
        "step": "3",
        "view": "steps",
    }

    reopened = open_convolution(**params)
    assert not reopened.exception
    assert reopened.selectbox(key="kernel").value == "sobel-vertical"
    assert reopened.slider(key="stride").value == 2
    assert reopened.slider(key="step").value == 3
    assert "(6 − 3 + 2·1) / 2 + 1 = 3.5 → 3 rows" in page_text(reopened)


def test_bad_link_parameters_fall_back_with_a_note():
    bad = {
        "kernel": "nope",
        "pad": "full",
        "padding": "9",
        "mode": "<b>wrap</b>",
        "stride": "0",
        "dilation": "abc",
        "show": "sepia",
    }
    at = open_convolution(**bad)
    assert not at.exception
    text = warnings(at)
    for key in ("kernel", "pad", "mode", "stride", "dilation", "show"):
        assert f"**{key}**" in text, key
    assert at.selectbox(key="kernel").value == "sobel-horizontal"
    assert "**0, −1020, −1020, 0**" in page_text(at)

    at = open_convolution(kernel="custom", custom="1 abc 1", image="china", colour="blue")
    assert not at.exception
    assert "abc" in at.error[0].value
    assert "**colour**" in warnings(at)

    at = open_convolution(view="steps", play="maybe", step="-3", image="china", crop_row="9999")
    assert not at.exception
    for key in ("play", "step", "crop_row"):
        assert f"**{key}**" in warnings(at), key
    assert "**view**" in warnings(open_convolution(view="everything"))


def test_a_big_photo_is_shown_shrunk_and_downloaded_full_size():
    rows, cols = np.indices((1024, 1024))
    photo = np.stack([rows % 256, cols % 256, (rows + cols) % 256], axis=2).astype(np.uint8)
    at = open_convolution(source="upload")
    at.file_uploader(key="upload").set_value(("big.png", encode_png(photo), "image/png")).run()
    assert not at.exception
    text = page_text(at)
    assert "Output: 1022 × 1022, min–max to 0..255. Shown at 640 × 640; the download is full size." in text
    at.radio(key="view").set_value("steps").run()
    assert "crop of at most 12 × 12 pixels" in page_text(at)
    assert at.slider(key="crop_row").max == 1024 - 12
    at.radio(key="view").set_value("edges").run()
    assert "All three min–max to 0..255. Shown at 420 × 420; the downloads are full size." in page_text(at)


def snippet(at: AppTest) -> str:
    """The runnable script in the "code for this view" expander."""
    return shown_code(at, '"""Convolution Explorer')


def test_the_code_follows_the_controls():
    at = open_convolution()
    source = snippet(at)
    assert "[1, 2, 1]," in source and "[-1, -2, -1]," in source  # the notes' Sobel, written in
    assert "STRIDE = 1" in source and 'PAD_MODE = "zeros"' in source
    assert "output height: (6 − 3 + 2·0) / 1 + 1 = 4" in source
    at.selectbox(key="kernel").set_value("sobel-vertical").run()
    at.slider(key="stride").set_value(2).run()
    at.selectbox(key="mode").set_value("reflect").run()
    assert not at.exception
    source = snippet(at)
    assert "[1, 0, -1]," in source and "[2, 0, -2]," in source
    assert "STRIDE = 2" in source and 'PAD_MODE = "reflect"' in source
    assert at.get("download_button")[-1].proto.id.endswith("-download-code")


def test_a_change_draws_the_output_once_and_for_the_new_settings(monkeypatch):
    # After a change the pictures are worked out from the controls' values before the
    # controls are drawn; the page must still show one output, for the new values, and
    # work it out once (the early reading agrees with the controls): at every stride
    # after a change of anything else, at the new stride only after a change of stride.
    at = open_convolution(image="china")
    filtered = []
    original = conv.filter_picture
    monkeypatch.setattr(
        conv, "filter_picture", lambda *a, **k: filtered.append(k["stride"]) or original(*a, **k)
    )
    at.slider(key="stride").set_value(2).run()
    assert filtered == [2]
    at.radio(key="show").set_value("abs").run()
    at.radio(key="colour").set_value("rgb").run()
    at.radio(key="pad").set_value("amount").run()
    at.slider(key="padding").set_value(3).run()
    assert not at.exception
    assert sorted(filtered[1:]) == sorted([*range(1, 9)] * 4)
    (shown,) = slider_pictures(at)
    assert shown["current"] == 2
    assert shown["pictures"]["2"]["caption"] == "Output: 322 × 216, absolute value."
    assert [image for image in at.get("image") if image.captions[0].startswith("Output:")] == []
    assert metric(at, "Output size") == "216 × 322"


def test_the_output_at_every_stride_is_sent_ahead_and_is_what_that_stride_shows():
    # Moving the Stride slider swaps between pictures the browser already holds: each must
    # be the very picture the page works out with the slider at that stride. ("same"
    # padding with reflect: the border itself changes with the stride.)
    view = {"image": "china", "pad": "same", "mode": "reflect", "show": "abs"}
    at = open_convolution(**view)
    (sent,) = slider_pictures(at)
    assert sorted(sent["pictures"], key=int) == [str(stride) for stride in range(1, 9)]
    assert sent["pictures"]["1"]["caption"] == "Output: 640 × 427, absolute value."
    assert sent["pictures"]["3"]["caption"] == "Output: 214 × 143, absolute value."
    for stride in [8, 3, 2]:
        at.slider(key="stride").set_value(stride).run()
        (now,) = slider_pictures(at)
        # The set is named by its pictures' bytes: the same name, the same pictures.
        assert (now["set"], now["pictures"]) == (sent["set"], None)
        assert now["caption"] == sent["pictures"][str(stride)]["caption"]
        out_w, out_h = now["caption"].removeprefix("Output: ").split(",")[0].split(" × ")
        assert metric(at, "Output size") == f"{out_h} × {out_w}"
    (fresh,) = slider_pictures(open_convolution(**view, stride="5"))  # worked out anew
    assert (fresh["set"], fresh["pictures"]) == (sent["set"], sent["pictures"])
    assert not at.exception
