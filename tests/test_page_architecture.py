"""AppTest of the "From layers to VGG16" page: presets, the layer text, every control, deep links."""

import re

from streamlit.testing.v1 import AppTest

from explorer import architecture as arch
from tests.apptest import metric, open_app, page_text, shown_code


def open_architecture(**params: str) -> AppTest:
    return open_app("pages/architecture.py", **params)


def shown(markdown: str) -> str:
    """Markdown as the reader sees it: the escaping of user text taken out."""
    return re.sub(r"\\(.)", r"\1", markdown)


def table_rows(at: AppTest) -> list[dict]:
    return at.table[0].value.to_dict("records")


def test_defaults_show_the_training_labs_small_cnn():
    at = open_architecture()
    assert not at.exception
    assert at.title[0].value == "From layers to VGG16"
    assert at.selectbox(key="net").value == "small-cnn"
    assert at.text_area(key="layers").value == arch.PRESETS["small-cnn"].text
    assert metric(at, "Parameters") == metric(at, "Trainable") == "26,698"
    assert metric(at, "Non-trainable") == "0" and metric(at, "Output") == "10 numbers"
    rows = table_rows(at)
    assert len(rows) == 11
    assert rows[1] == {
        "no.": 1,
        "layer": "conv 3×3, 8 filters, padding 1",
        "output shape": "28 × 28 × 8",
        "trainable": "80",
        "non-trainable": "0",
        "multiply–adds": "56,448",
        "receptive field": "3×3, jump 1",
        "size formula": "height (28 − 3 + 2·1) / 1 + 1 = 28",
    }
    assert rows[3]["trainable"] == "0"  # pooling trains nothing
    text = page_text(at)
    assert "**Pooling trains nothing**" in text and "measured, not trained" in text
    assert "Layer 8 (**dense, 32 units**) holds **94%** of the parameters" in text
    assert metric(at, "Embedding length: 7 × 7 × 16") == "784"
    assert "nn.Linear(784, 32)" in shown_code(at, "class ")
    assert at.get("download_button")[0].proto.id.endswith("-arch_code")
    assert len(at.get("plotly_chart")) == 2
    assert not at.warning and not at.error
    assert dict(at.query_params) == {}


def test_vgg16_deep_link_shows_the_notes_138_357_544_parameters():
    at = open_architecture(net="vgg16")
    assert not at.exception
    assert metric(at, "Parameters") == "138,357,544"
    assert metric(at, "Multiply–adds per picture") == "15,470,264,320"
    rows = table_rows(at)
    assert len(rows) == 39
    assert rows[31]["output shape"] == "7 × 7 × 512" and rows[31]["receptive field"] == "212×212, jump 32"
    assert rows[33]["layer"] == "dense, 4,096 units" and rows[33]["trainable"] == "102,764,544"
    text = page_text(at)
    assert "Layer 33 (**dense, 4,096 units**) holds **74%** of the parameters" in text
    assert "25,088 × 4,096 weights" in text
    assert "224 → 112 → 56 → 28 → 14 → 7" in text and "**138,357,544** parameters" in text
    assert metric(at, "Embedding length: 7 × 7 × 512") == "25,088"
    assert "138,357,544 trainable parameters" in shown_code(at, "class ")


def test_flatten_preset_shows_the_notes_4_by_9_by_5_embedding():
    at = open_architecture(net="flatten")
    assert not at.exception
    assert metric(at, "Embedding length: 4 × 9 × 5") == "180"
    assert table_rows(at)[7]["output shape"] == "180"
    assert "4 × 9 × 5 = **180** numbers" in page_text(at)


def test_a_kernel_that_no_longer_fits_is_flagged_with_the_formula():
    at = open_architecture(net="too-deep")
    assert not at.exception
    (error,) = at.error
    assert "Layer 7 (conv 5×5, 32 filters, no padding) cannot work here" in shown(error.value)
    assert "its 4×4 input: height (4 − 5 + 2·0) / 1 + 1 = 0, below 1" in shown(error.value)
    rows = table_rows(at)
    assert rows[7]["size formula"].startswith("the 5×5 convolution no longer fits its 4×4 input")
    assert rows[7]["output shape"] == "—" and rows[8]["size formula"] == "not computed"
    assert metric(at, "Output, up to the flagged layer") == "4 × 4 × 16"
    assert metric(at, "Parameters") == "3,424"
    assert [i.value.split(":")[0] for i in at.info] == [
        "This network has no flatten after its feature maps (or it stops before one)",
        "Fix the flagged layer first",
    ]
    assert not at.code


def test_every_control_updates_the_view_and_the_link():
    at = open_architecture()
    at.selectbox(key="net").set_value("flatten").run()
    assert not at.exception
    assert at.text_area(key="layers").value == arch.PRESETS["flatten"].text  # the preset loads its text
    assert dict(at.query_params) == {"net": "flatten"}

    at.text_area(key="layers").input("input 6 6 3\nconv 4 3\nconv 3 3\nflatten\ndense 2\nsoftmax").run()
    at.toggle(key="log").set_value(True).run()
    at.radio(key="order").set_value("keras").run()
    assert not at.exception
    rows = table_rows(at)
    assert [row["output shape"] for row in rows] == ["6 × 6 × 3", "4 × 4 × 4", "2 × 2 × 3", "12", "2", "2"]
    assert metric(at, "Trainable") == f"{112 + 111 + 26:,}"
    assert metric(at, "Embedding length: 2 × 2 × 3") == "12"
    assert "Edited from the preset" in page_text(at)
    params = dict(at.query_params)
    assert params == {
        "net": "flatten",
        "layers": "input 6 6 3;conv 4 3;conv 3 3;flatten;dense 2;softmax",
        "log": "true",
        "order": "keras",
    }
    assert at.get("plotly_chart")[0].proto.spec  # the log-scale chart was drawn

    reopened = open_architecture(**params)
    assert not reopened.exception
    assert reopened.text_area(key="layers").value.splitlines()[1] == "conv 4 3"
    assert (reopened.toggle(key="log").value, reopened.radio(key="order").value) == (True, "keras")
    assert table_rows(reopened) == rows

    at.button(key="arch_reset").click().run()  # back to the preset's own text
    assert at.text_area(key="layers").value == arch.PRESETS["flatten"].text
    assert "layers" not in at.query_params and metric(at, "Embedding length: 4 × 9 × 5") == "180"

    at.text_area(key="layers").input("input 6 6 3").run()
    at.selectbox(key="net").set_value("vgg16").run()  # a new preset replaces the edited text
    assert metric(at, "Parameters") == "138,357,544"
    assert "layers" not in at.query_params


def test_unreadable_text_names_the_line_and_keeps_the_last_good_network():
    at = open_architecture()
    at.text_area(key="layers").input("input 28 28 1\nconv 8 three").run()
    assert not at.exception
    assert "line 2 (“conv 8 three”): the kernel size must be a whole number" in shown(at.error[0].value)
    assert "Still showing the last network that could be read" in page_text(at)
    assert metric(at, "Parameters") == "26,698"


def test_bad_deep_links_warn_and_use_the_defaults():
    at = open_architecture(net="resnet", log="maybe", order="numpy")
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "**net**" in warnings and "**log**" in warnings and "**order**" in warnings
    assert metric(at, "Parameters") == "26,698"

    too_long = open_architecture(layers="relu;" * 400)
    assert not too_long.exception
    assert "**layers**" in too_long.warning[0].value
    assert metric(too_long, "Parameters") == "26,698"

    unreadable = open_architecture(net="vgg16", layers="conv 8 3;relu")
    assert not unreadable.exception
    assert "line 1 (“conv 8 3”): the first line must be the input" in shown(unreadable.error[0].value)
    assert metric(unreadable, "Parameters") == "138,357,544"  # the preset stands in


def test_a_network_without_flatten_or_weights_explains_what_is_missing():
    at = open_architecture(layers="input 8 8 1;maxpool 2;relu")
    assert not at.exception
    assert "has no flatten after its feature maps" in at.info[0].value
    assert "nothing to learn yet" in page_text(at)
    assert metric(at, "Output") == "4 × 4 × 1"
    assert "return self.features(x)  # (N, 1, 4, 4)" in shown_code(at, "class ")


def test_huge_and_too_big_numbers_are_shown_or_refused_in_words():
    at = open_architecture(layers="input 10000 10000 3;conv 512 3 same 1;flatten;dense 100000;softmax")
    assert not at.exception
    assert metric(at, "Embedding length: 10000 × 10000 × 512") == "51,200,000,000"
    assert metric(at, "Parameters") == f"{14_336 + 51_200_000_000 * 100_000 + 100_000:,}"
    too_big = open_architecture(layers="input 28 28 1;dense 123456789")
    assert not too_big.exception
    assert "dense units must be a whole number from 1 to 100,000, got 123456789" in shown(
        too_big.error[0].value
    )


def test_the_code_follows_the_controls():
    at = open_app("pages/architecture.py")
    source = shown_code(at, "class ")
    assert "nn.Conv2d" in source
    at.selectbox(key="net").set_value("vgg16").run()
    assert not at.exception
    source = shown_code(at, "class ")
    assert source.count("nn.Conv2d") >= 13
    assert at.get("download_button")[0].proto.id.endswith("-arch_code")
