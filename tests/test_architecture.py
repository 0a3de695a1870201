"""The architecture explorer against PyTorch, the training lab's summary and the notes' numbers."""

import contextlib
import io
import random

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from explorer import architecture as arch
from explorer.architecture import (
    Activation,
    BatchNorm,
    Conv,
    Dense,
    Dropout,
    Flatten,
    Input,
    Pool,
    Softmax,
    analyze,
    build_torch,
    export_pytorch,
    network_from_text,
    network_to_text,
)
from explorer.models import CNNConfig, build_model, summary, summary_totals
from explorer.shapes import size_formula

VGG16_PARAMETERS = 138_357_544


def torch_counts(module: nn.Module) -> tuple[int, int]:
    """(trainable parameters, running statistics) of a module, as the explorer counts them."""
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    running = sum(
        b.numel() for name, b in module.named_buffers() if name.endswith(("running_mean", "running_var"))
    )
    return trainable, running


def channels_first(shape: tuple[int, ...]) -> tuple[int, ...]:
    """A report's channels-last shape in PyTorch's order, without the batch axis."""
    return (shape[2], shape[0], shape[1]) if len(shape) == 3 else shape


def assert_matches_torch(layers: list, *, device: str = "cpu") -> None:
    """Every layer's output shape and parameters, and the totals, equal PyTorch's."""
    report = analyze(layers)
    assert report.ok, report.problem
    with torch.device(device):
        model = build_torch(layers).eval()
        first = layers[0]
        x = torch.rand(2, first.channels, first.height, first.width)
        with torch.no_grad():
            for module, row in zip(model, report.rows[1:], strict=True):
                x = module(x)
                assert tuple(x.shape[1:]) == channels_first(row.output_shape), row.name
                assert torch_counts(module) == (row.trainable, row.non_trainable), row.name
    assert torch_counts(model) == (report.trainable, report.non_trainable)


# VGG16 --------------------------------------------------------------------------------------


def test_vgg16_has_the_notes_138_357_544_parameters():
    report = analyze(arch.vgg16())
    assert report.ok
    assert report.trainable == VGG16_PARAMETERS and report.non_trainable == 0
    assert sum(isinstance(layer, Conv) for layer in arch.vgg16()) == 13
    convs = [row for row in report.rows if isinstance(row.layer, Conv)]
    assert [row.output_shape[2] for row in convs] == [64] * 2 + [128] * 2 + [256] * 3 + [512] * 6
    pools = [row.output_shape for row in report.rows if isinstance(row.layer, Pool)]
    assert pools == [(112, 112, 64), (56, 56, 128), (28, 28, 256), (14, 14, 512), (7, 7, 512)]
    dense = [row for row in report.rows if isinstance(row.layer, Dense)]
    assert [row.output_shape for row in dense] == [(4096,), (4096,), (1000,)]
    assert dense[0].trainable == 7 * 7 * 512 * 4096 + 4096 == 102_764_544
    assert isinstance(report.rows[-1].layer, Softmax) and report.output_shape == (1000,)
    # 15.47 billion multiply–adds: the usual "15.5 GFLOPs" figure for VGG16.
    assert report.mult_adds == 15_470_264_320
    # Receptive field of the last pool: the standard 212 pixels (196 at conv5_3), jump 32.
    assert (report.rows[31].receptive_field, report.rows[31].jump) == (212, 32)
    assert (report.rows[29].receptive_field, report.rows[29].jump) == (196, 16)


def test_vgg16_matches_a_torch_module_built_from_the_same_list():
    # On the meta device nothing is allocated or computed, but shapes and counts are real.
    assert_matches_torch(arch.vgg16(), device="meta")


def test_vgg16_preset_text_is_vgg16():
    assert network_from_text(arch.PRESETS["vgg16"].text) == arch.vgg16()


# The training lab's small CNN -------------------------------------------------------------


def test_small_cnn_preset_is_the_training_labs_default_cnn():
    layers = network_from_text(arch.PRESETS["small-cnn"].text)
    assert layers == arch.layers_from_cnn_config(CNNConfig())
    report = analyze(layers)
    totals = summary_totals(summary(CNNConfig()))
    assert (report.trainable, report.non_trainable) == (totals.trainable, totals.non_trainable) == (26_698, 0)


@pytest.mark.parametrize(
    "config",
    [
        CNNConfig(),
        CNNConfig(batch_norm=True, dropout=0.3),
        CNNConfig(padding="valid", pooling="avg", activation="tanh", dense_width=0),
        CNNConfig(input_size=(32, 24), in_channels=3, conv_blocks=3, filters=(4, 8, 6), padding="same"),
        CNNConfig(kernel_size=5, stride=2, padding=2, pooling="none", num_classes=3),
    ],
)
def test_cnn_configs_match_the_lab_summary_row_by_row(config):
    layers = arch.layers_from_cnn_config(config)
    report = analyze(layers)
    lab = summary(config)
    assert [(row.output_shape, row.trainable, row.non_trainable) for row in report.rows[1:]] == [
        (row.output_shape, row.trainable, row.non_trainable) for row in lab
    ]
    model = build_model(config)
    assert torch_counts(model) == (report.trainable, report.non_trainable)
    assert_matches_torch(layers)


# The notes' flatten example -----------------------------------------------------------------


def test_flatten_preset_turns_4_by_9_by_5_maps_into_180_numbers():
    report = analyze(network_from_text(arch.PRESETS["flatten"].text))
    assert report.ok
    flatten = report.flatten_row
    assert report.rows[flatten.index - 1].output_shape == (4, 9, 5)
    assert flatten.output_shape == (180,)
    assert_matches_torch(network_from_text(arch.PRESETS["flatten"].text))


def test_every_preset_reads_back_from_its_text():
    for preset in arch.PRESETS.values():
        layers = network_from_text(preset.text)
        assert network_to_text(layers) == preset.text


# Counting by hand -----------------------------------------------------------------------------


def test_notes_colour_example_parameters_and_work():
    # A 6×6×3 picture, four 3×3×3 kernels: 4×4×4 maps, (27 + 1)·4 = 112 parameters.
    report = analyze([Input(6, 6, 3), Conv(4, 3), Conv(3, 3)])
    first, second = report.rows[1:]
    assert first.output_shape == (4, 4, 4) and first.trainable == 112
    assert first.mult_adds == 4 * 4 * 4 * 3 * 3 * 3
    assert second.output_shape == (2, 2, 3) and second.trainable == (3 * 3 * 4 + 1) * 3
    assert first.formula == "height (6 − 3 + 2·0) / 1 + 1 = 4"


def test_pooling_trains_nothing_and_batch_norm_keeps_untrained_statistics():
    report = analyze(
        [Input(8, 8, 3), Conv(5, 3, 1), BatchNorm(), Pool(2, mode="avg"), Flatten(), BatchNorm()]
    )
    _, norm, pool, flat, norm_flat = report.rows[1:]
    assert (pool.trainable, pool.non_trainable, pool.mult_adds) == (0, 0, 0)
    assert (norm.trainable, norm.non_trainable) == (10, 10)  # γ, β trained; running mean, variance not
    assert flat.output_shape == (80,) and (norm_flat.trainable, norm_flat.non_trainable) == (160, 160)
    assert (report.trainable, report.non_trainable) == (140 + 10 + 160, 170)


def test_dense_counts_weights_and_biases_but_work_without_bias_adds():
    report = analyze([Input(2, 3, 4), Flatten(), Dense(5), Dropout(0.5), Dense(2), Softmax()])
    assert [row.output_shape for row in report.rows] == [(2, 3, 4), (24,), (5,), (5,), (2,), (2,)]
    assert [row.trainable for row in report.rows] == [0, 0, 24 * 5 + 5, 0, 5 * 2 + 2, 0]
    assert [row.mult_adds for row in report.rows] == [0, 0, 120, 0, 10, 0]
    assert report.rows[2].receptive_text == "whole input"


def test_receptive_field_recurrence_by_hand():
    report = analyze([Input(32, 32, 1), Conv(2, 3), Pool(2), Conv(2, 3, stride=2), Conv(2, 5, "same")])
    assert [(row.receptive_field, row.jump) for row in report.rows] == [
        (1, 1),
        (3, 1),
        (4, 2),
        (8, 4),
        (24, 4),
    ]
    assert report.rows[3].receptive_text == "8×8, jump 4"


@pytest.mark.parametrize("seed", range(12))
def test_receptive_field_matches_the_gradient_of_one_output_value(seed):
    """Naive reference: which input pixels the gradient of one output value reaches."""
    rng = random.Random(seed)
    layers: list = [Input(48, 48, 1)]
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.6:
            layers.append(Conv(1, rng.randint(1, 4), 0, rng.randint(1, 2)))
        else:
            layers.append(Pool(rng.randint(2, 3), rng.randint(1, 3), "avg"))  # avg: every input gets gradient
    report = analyze(layers)
    assert report.ok
    model = build_torch(layers).double()
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.constant_(module.weight, 1.0)
    x = torch.ones(1, 1, 48, 48, dtype=torch.float64, requires_grad=True)
    out = model(x)
    columns = []
    for col in (0, 1) if out.shape[3] > 1 else (0,):
        (grad,) = torch.autograd.grad(out[0, 0, 0, col], x, retain_graph=True)
        touched = torch.nonzero(grad[0, 0] != 0)
        size = int(touched[:, 0].max() - touched[:, 0].min()) + 1
        assert size == report.rows[-1].receptive_field
        columns.append(int(touched[:, 1].min()))
    if len(columns) == 2:
        assert columns[1] - columns[0] == report.rows[-1].jump


# Impossible layers -------------------------------------------------------------------------


def test_a_kernel_that_no_longer_fits_is_flagged_at_that_layer_with_the_formula():
    report = analyze(network_from_text(arch.PRESETS["too-deep"].text))
    problem = report.problem
    assert problem.index == 7 and isinstance(problem.layer, Conv)
    assert size_formula(4, 5, padding=0, stride=1) in problem.problem
    assert "the 5×5 convolution no longer fits its 4×4 input" in problem.problem
    assert all(row.status == "not computed" for row in report.rows[8:])
    assert all(row.status == "ok" for row in report.rows[:7])
    assert report.trainable == sum(row.trainable for row in report.rows[:7]) == 208 + 3216
    assert report.output_shape == (4, 4, 16)


def test_pooling_bigger_than_its_input_names_the_failing_side():
    report = analyze([Input(3, 8, 2), Pool(4)])
    assert report.problem.problem == (
        "the 4×4 pooling window no longer fits its 3×8 input: height (3 − 4 + 2·0) / 4 + 1 = 0.75, below 1"
    )


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ([Input(4, 4, 1), Flatten(), Conv(2, 3)], "already a flat vector of 16 numbers: move it before"),
        ([Input(4, 4, 1), Flatten(), Pool(2)], "pooling slides a window over feature maps"),
        ([Input(4, 4, 2), Dense(3)], "input is a 4 × 4 × 2 block of feature maps: put a flatten line"),
        ([Input(4, 4, 2), Softmax()], "softmax turns a vector of class scores into probabilities"),
        ([Input(4, 4, 2), Input(4, 4, 2)], "the input can only be the first layer"),
    ],
)
def test_layers_in_the_wrong_place_are_flagged_not_raised(layers, message):
    report = analyze([*layers, Dense(2)])
    assert message in report.problem.problem
    assert report.rows[-1].status == "not computed" and report.rows[-1].receptive_text == "—"


def test_a_network_must_start_with_its_input():
    with pytest.raises(ValueError, match="starts with an Input layer, got Conv"):
        analyze([Conv(2, 3)])
    with pytest.raises(ValueError, match="got nothing"):
        analyze([])
    with pytest.raises(ValueError, match=r"layer 1 \(conv 5×5.*\) is impossible"):
        build_torch([Input(3, 3, 1), Conv(1, 5)])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Conv(0, 3), "filters must be a whole number from 1 to 100,000, got 0"),
        (lambda: Conv(2, 3, "same", 2), "padding 'same' keeps the size only with stride 1, got stride 2"),
        (
            lambda: Conv(2, 3, -1),
            "padding \\(or 'same' / 'valid'\\) must be a whole number from 0 to 10,000, got -1",
        ),
        (lambda: Pool(2, mode="min"), "pooling mode must be one of \\['avg', 'max'\\], got 'min'"),
        (lambda: Activation("swish"), "activation must be one of"),
        (lambda: Dropout(1.0), "from 0 up to \\(not including\\) 1, got 1.0"),
        (lambda: Dense(True), "dense units must be a whole number from 1 to 100,000, got True"),
        (lambda: Conv(8, 3, 0, 10_001), "stride must be a whole number from 1 to 10,000, got 10001"),
        (lambda: Input(0, 2, 1), "input height must be a whole number from 1 to 10,000, got 0"),
    ],
)
def test_bad_layer_settings_name_the_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# Many random networks against PyTorch -------------------------------------------------------


@st.composite
def networks(draw):
    """Random small networks, most of them possible, some with a layer that cannot work."""
    layers: list = [
        Input(draw(st.integers(1, 20)), draw(st.integers(1, 20)), draw(st.integers(1, 3))),
    ]
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["conv", "pool", "act", "bn", "flatten", "dense", "dropout", "softmax"]))
        if kind == "conv":
            stride = draw(st.integers(1, 3))
            padding = draw(st.sampled_from(["same", "valid", 0, 1, 2]) if stride == 1 else st.integers(0, 2))
            layers.append(Conv(draw(st.integers(1, 5)), draw(st.integers(1, 5)), padding, stride))
        elif kind == "pool":
            mode = draw(st.sampled_from(["max", "avg"]))
            layers.append(Pool(draw(st.integers(1, 4)), draw(st.none() | st.integers(1, 3)), mode))
        elif kind == "act":
            layers.append(Activation(draw(st.sampled_from(sorted(arch.ACTIVATIONS)))))
        elif kind == "dense":
            layers.append(Dense(draw(st.integers(1, 12))))
        elif kind == "dropout":
            layers.append(Dropout(draw(st.sampled_from([0.0, 0.25, 0.5]))))
        else:
            layers.append({"bn": BatchNorm, "flatten": Flatten, "softmax": Softmax}[kind]())
    return layers


@settings(max_examples=150, deadline=None)
@given(networks())
def test_random_networks_match_torch_or_fail_where_flagged(layers):
    report = analyze(layers)
    assert len(report.rows) == len(layers)
    assert network_from_text(network_to_text(layers)) == layers
    if report.ok:
        assert_matches_torch(layers)
        return
    problem = report.problem
    assert problem.problem and all(row.status == "not computed" for row in report.rows[problem.index + 1 :])
    if isinstance(problem.layer, Conv | Pool) and len(report.rows[problem.index - 1].output_shape) == 3:
        # PyTorch agrees that the window no longer fits: running the layer raises.
        before = build_torch(layers[: problem.index])
        first = layers[0]
        with torch.no_grad():
            x = before.eval()(torch.rand(1, first.channels, first.height, first.width))
            with pytest.raises(RuntimeError):
                arch.torch_layer(problem.layer, report.rows[problem.index - 1].output_shape)(x)


def test_many_seeded_possible_networks_match_torch():
    rng = random.Random(5)
    checked = 0
    while checked < 60:
        layers: list = [Input(rng.randint(8, 24), rng.randint(8, 24), rng.randint(1, 3))]
        for _ in range(rng.randint(1, 3)):
            layers.append(Conv(rng.randint(1, 6), rng.choice([1, 3, 5]), rng.choice(["same", 1, 0]), 1))
            layers += rng.choice([[], [BatchNorm()], [Activation("relu")]])
            if rng.random() < 0.6:
                layers.append(Pool(2, rng.choice([None, 1]), rng.choice(["max", "avg"])))
        layers += [
            Flatten(),
            Dense(rng.randint(2, 10)),
            Activation("tanh"),
            Dropout(0.2),
            Dense(3),
            Softmax(),
        ]
        if analyze(layers).ok:
            assert_matches_torch(layers)
            checked += 1


# Text ------------------------------------------------------------------------------------------


def test_text_accepts_comments_commas_aliases_and_defaults():
    layers = network_from_text(
        "# a comment line\n"
        "input 28, 28, 1;  Conv2d 8 3   # ; also ends a line; padding and stride default to 0 and 1\n"
        "\n"
        "conv 4 5 same\n"
        "bn\n"
        "leaky-relu\n"
        "max_pool 3 2\n"
        "avgpool 2\n"
        "flatten\n"
        "fc 10\n"
        "dropout .5\n"
        "softmax"
    )
    assert layers == [
        Input(28, 28, 1),
        Conv(8, 3, 0, 1),
        Conv(4, 5, "same", 1),
        BatchNorm(),
        Activation("leaky_relu"),
        Pool(3, 2, "max"),
        Pool(2, 2, "avg"),
        Flatten(),
        Dense(10),
        Dropout(0.5),
        Softmax(),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: the network is empty: start with input HEIGHT WIDTH CHANNELS"),
        ("conv 8 3", "line 1 (“conv 8 3”): the first line must be the input"),
        (
            "input 28 28",
            "line 1 (“input 28 28”): write it as input HEIGHT WIDTH CHANNELS, e.g. input 28 28 1",
        ),
        (
            "input 28 28 1\nconv 8 three",
            "line 2 (“conv 8 three”): the kernel size must be a whole number, got “three”",
        ),
        (
            "input 28 28 1\n\nconvolve 8",
            "line 3 (“convolve 8”): unknown layer “convolve”; use one of input, conv",
        ),
        ("input 28 28 1\ninput 28 28 1", "line 2 (“input 28 28 1”): the input can only be the first line"),
        ("input 28 28 1\nrelu 2", "line 2 (“relu 2”): relu takes no numbers, got “2”"),
        ("input 28 28 1\nconv 8 3 same 2", "line 2 (“conv 8 3 same 2”): padding 'same' keeps the size only"),
        ("input 28 28 1\nconv 8 3 half", "the padding (a number, same or valid) must be a whole number"),
        ("input 28 28 1\ndropout 1.5", "line 2 (“dropout 1.5”): the dropout rate must be from 0 up to"),
        ("input 28 28 1\ndropout lots", "the dropout rate must be a number from 0 up to 1, got “lots”"),
        (
            "input 0 28 1",
            "line 1 (“input 0 28 1”): input height must be a whole number from 1 to 10,000, got 0",
        ),
        ("input 28 28 1\ndense 1 2", "write it as dense UNITS, e.g. dense 32"),
    ],
)
def test_text_errors_name_the_line_and_say_how_to_write_it(text, message):
    with pytest.raises(arch.NetworkTextError) as info:
        network_from_text(text)
    assert message in str(info.value)


# Exported PyTorch code ---------------------------------------------------------------------


def run_exported(layers: list, *, device: str = "cpu") -> tuple[nn.Module, torch.Size]:
    """Exec the exported source, build its module and run it on a random input."""
    namespace: dict = {}
    exec(compile(export_pytorch(layers), "<exported>", "exec"), namespace)
    first = layers[0]
    with torch.device(device):
        model = namespace["Network"]().eval()
        with torch.no_grad():
            out = model(torch.rand(3, first.channels, first.height, first.width))
    return model, out.shape


@pytest.mark.parametrize("preset", ["small-cnn", "flatten"])
def test_exported_code_runs_and_has_the_same_parameters(preset):
    layers = network_from_text(arch.PRESETS[preset].text)
    report = analyze(layers)
    model, shape = run_exported(layers)
    assert torch_counts(model) == (report.trainable, report.non_trainable)
    assert tuple(shape) == (3, *channels_first(report.output_shape))


def test_exported_vgg16_has_138_357_544_parameters():
    model, shape = run_exported(arch.vgg16(), device="meta")
    assert torch_counts(model) == (VGG16_PARAMETERS, 0)
    assert tuple(shape) == (3, 1000)
    code = export_pytorch(arch.vgg16())
    assert "self.features = nn.Sequential(" in code and "self.classifier = nn.Sequential(" in code
    assert 'nn.Conv2d(3, 64, kernel_size=3, padding="same"),  # → (N, 64, 224, 224)' in code
    assert "nn.Flatten(),  # → (N, 25088)" in code and "nn.Linear(25088, 4096)," in code
    assert len(code.splitlines()) < 80


@pytest.mark.parametrize("seed", range(8))
def test_exported_code_of_random_networks_matches_the_table(seed):
    rng = random.Random(seed)
    layers: list = [Input(rng.randint(6, 16), rng.randint(6, 16), rng.randint(1, 3))]
    for _ in range(rng.randint(0, 3)):
        layers += [Conv(rng.randint(1, 5), rng.choice([1, 2, 3]), rng.choice(["same", 1]), 1), BatchNorm()]
        layers += [Activation(rng.choice(sorted(arch.ACTIVATIONS))), Pool(2, mode=rng.choice(["max", "avg"]))]
    if rng.random() < 0.8:
        layers += [Flatten(), Dropout(0.1), Dense(rng.randint(2, 9)), BatchNorm(), Dense(4), Softmax()]
    report = analyze(layers)
    assert report.ok
    model, shape = run_exported(layers)
    assert torch_counts(model) == (report.trainable, report.non_trainable)
    assert tuple(shape) == (3, *channels_first(report.output_shape))
    # The same layers, in the same order, as build_torch makes.
    built = [type(module) for module in build_torch(layers)]
    exported = [type(module) for module in model.modules() if not isinstance(module, nn.Sequential)][1:]
    assert exported == built


def test_exported_main_block_prints_the_count_and_shape():
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(export_pytorch(arch.layers_from_cnn_config(CNNConfig())), {"__name__": "__main__"})
    assert printed.getvalue() == "26,698 trainable parameters\ntorch.Size([1, 10])\n"


def test_export_refuses_impossible_networks_and_bad_names():
    with pytest.raises(ValueError, match=r"layer 7 .* is impossible: the 5×5 convolution no longer fits"):
        export_pytorch(network_from_text(arch.PRESETS["too-deep"].text))
    with pytest.raises(ValueError, match="class_name must be a Python name, got 'my net'"):
        export_pytorch(arch.vgg16(), "my net")


def test_input_only_network_exports_an_identity():
    model, shape = run_exported([Input(3, 4, 2)])
    assert tuple(shape) == (3, 2, 3, 4) and torch_counts(model) == (0, 0)


# Figures ------------------------------------------------------------------------------------------


def test_cost_figure_shows_where_vgg16s_parameters_and_work_live():
    report = analyze(arch.vgg16())
    figure = arch.cost_figure(report)
    params, work = figure.data
    assert len(params.x) == 16  # 13 convolutions and 3 dense layers
    assert sum(params.y) == VGG16_PARAMETERS and sum(work.y) == report.mult_adds
    assert params.x[13] == "33: dense 4096" and params.text[13] == "74%"  # the first dense layer
    assert max(work.y) == work.y[1]  # the 224×224 convolutions do the most work
    assert "138,357,544" in figure.layout.annotations[0].text
    assert arch.cost_figure(report, log_scale=True).layout.yaxis.type == "log"


def test_cost_figure_leaves_out_uncomputed_layers():
    figure = arch.cost_figure(analyze(network_from_text(arch.PRESETS["too-deep"].text)))
    assert list(figure.data[0].x) == ["1: conv 5×5×8", "4: conv 5×5×16"]


@pytest.mark.parametrize("order", ["pytorch", "keras"])
def test_flatten_positions_follow_the_framework_reshape(order):
    shape = (4, 9, 5)
    # Reference: number each cell of an (H, W, C) block by where reshape(-1) puts it.
    layout = (
        np.arange(180).reshape(5, 4, 9).transpose(1, 2, 0)
        if order == "pytorch"
        else np.arange(180).reshape(4, 9, 5)
    )
    rows, cols, chans = np.mgrid[0:4, 0:9, 0:5]
    np.testing.assert_array_equal(arch.flatten_position(rows, cols, chans, shape, order), layout)


def test_flatten_figure_of_the_notes_example_shows_all_180_positions():
    figure = arch.flatten_figure((4, 9, 5))
    maps, vector = figure.data[:5], figure.data[5]
    assert [m.text.shape for m in maps] == [(4, 9)] * 5
    assert all(m.texttemplate == "%{text}" for m in maps)  # the positions are written in
    assert sorted(np.concatenate([m.text.ravel() for m in maps]).tolist()) == list(range(180))
    assert maps[1].text[0, 0] == 36 and len(vector.x) == 180  # PyTorch: map 2 starts at 36
    titles = [a.text for a in figure.layout.annotations]
    assert titles == ["map 1", "map 2", "map 3", "map 4", "map 5", "the vector: 180 numbers"]
    keras = arch.flatten_figure((4, 9, 5), order="keras")
    assert keras.data[1].text[0, 0] == 1 and keras.data[5].customdata[:6].tolist() == [1, 2, 3, 4, 5, 1]


def test_flatten_figure_of_a_big_block_says_what_it_leaves_out():
    figure = arch.flatten_figure((7, 7, 512))
    assert len(figure.data) == 7 and len(figure.data[-1].x) == 240
    assert figure.layout.annotations[-1].text == (
        "the vector: 25,088 numbers (the first 240 shown) · 6 of 512 maps drawn above, grey: the others"
    )
    assert figure.data[0].texttemplate == "%{text}"
    # Keras order numbers the cells up to 24,581: too long to write in, so hover shows them.
    assert arch.flatten_figure((7, 7, 512), order="keras").data[0].texttemplate is None
    crop = arch.flatten_figure((224, 224, 3))
    assert crop.data[0].text.shape == (12, 12)
    assert crop.layout.annotations[0].text == "map 1 (top-left 12×12 of 224×224)"
    with pytest.raises(ValueError, match="order must be one of"):
        arch.flatten_position(0, 0, 0, (1, 1, 1), "numpy")
    with pytest.raises(ValueError, match="feature-map channels must be a whole number >= 1, got 0"):
        arch.flatten_figure((2, 2, 0))


def test_cost_leaders_name_the_biggest_and_the_busiest_layer():
    leaders = arch.cost_leaders(analyze(arch.vgg16()))
    assert (leaders.biggest.index, leaders.busiest.index) == (33, 3)
    assert leaders.parameter_share == pytest.approx(102_764_544 / VGG16_PARAMETERS)
    assert leaders.work_share == pytest.approx(1_849_688_064 / 15_470_264_320)
    assert arch.cost_leaders(analyze([Input(4, 4, 1), Pool(2), Activation("relu")])) is None
    only_norm = arch.cost_leaders(analyze([Input(4, 4, 2), BatchNorm()]))
    assert only_norm.parameter_share == 1.0 and only_norm.work_share == 0.0
