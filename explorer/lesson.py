"""The guided lesson: the notes' chapters as steps, each a deep link into one page.

Pure data and link building; the Streamlit side lives in ``classroom.py``. A step
names its page by URL path and sets that page's URL-synced controls through query
parameters, so opening a step is the same as opening a shared link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

LESSON_PARAM = "lesson"  # the step number, 1-based, carried in every step's link
PRESENTER_PARAM = "presenter"  # "true" while presenter view is on

CHAPTERS: tuple[str, ...] = (
    "Images and pixels",
    "Why not just flatten the image",
    "Edge detection",
    "What convolution is",
    "Padding, strides and pooling",
    "Convolution of RGB images",
    "Activation functions",
    "Building a CNN and the image embedding",
    "Loading data and augmentation",
    "Training, overfitting and underfitting, checkpoints and early stopping",
    "Transfer learning and VGG16",
    "Batch normalization",
)


@dataclass(frozen=True)
class Step:
    """One stop of the lesson: which page, in which state, and what to say there.

    ``params`` are the page's query parameters (control key → URL value);
    ``controls`` are the keys of the controls that belong to this step, the only
    ones presenter view leaves visible.
    """

    chapter: str
    title: str
    url_path: str
    explain: str
    point_at: str
    question: str
    answer: str
    params: tuple[tuple[str, str], ...] = ()
    controls: tuple[str, ...] = field(default=())

    @property
    def query(self) -> dict[str, str]:
        """The page's own query parameters, as a fresh dict."""
        return dict(self.params)


def _params(**values: object) -> tuple[tuple[str, str], ...]:
    """Query parameters as URL text: booleans as ``true``/``false``, numbers as written."""
    return tuple(
        (key, str(value).lower() if isinstance(value, bool) else str(value)) for key, value in values.items()
    )


STEPS: tuple[Step, ...] = (
    Step(
        CHAPTERS[0],
        "A picture is a grid of numbers",
        "pixels",
        "A computer cannot see a picture; it stores numbers. Every box of the grid is a pixel, and its "
        "value sets its colour: 0 is black and 255 is white. The notes' 6 × 6 example is three rows of 0 "
        "above three rows of 255.",
        "The grid with the numbers written in: the top three rows read 0, the bottom three 255.",
        "What number would a mid-grey pixel hold?",
        "About 128 — halfway between black (0) and white (255).",
        _params(image="notes-6x6", channel="gray", window=6),
        ("channel", "window", "row", "col"),
    ),
    Step(
        CHAPTERS[0],
        "Colour is three grids; fewer pixels, less detail",
        "pixels",
        "The eye mixes red, green and blue, so a colour picture holds three grids, one per channel: "
        "height × width × 3 numbers. With fewer pixels each box must cover more of the scene, several "
        "colours are mixed into one box, and detail is lost.",
        "The red, green and blue grids side by side, then the flower squeezed into 16 pixels a side.",
        "How many numbers does a 6 × 6 colour picture hold?",
        "6 × 6 × 3 = 108: 36 for each of red, green and blue.",
        _params(image="flower", res=16),
        ("tint", "res"),
    ),
    Step(
        CHAPTERS[1],
        "Flatten 6 × 6 into 36 numbers",
        "pixels",
        "Classic machine learning wants one row of numbers per example, so the first idea is to lay the "
        "6 × 6 picture out as a vector of 6 × 6 = 36 numbers. Technically it works, but the performance "
        "is poor: pixels that touched in the picture end up far apart in the vector. That is why CNNs "
        "came in.",
        "The outlined cell and its neighbour just above it: side by side in the picture, 6 places apart "
        "in the vector.",
        "Two pixels touch vertically in a picture 6 pixels wide. How far apart are they in the vector?",
        "6 places — one whole row lies between them.",
        _params(image="notes-6x6", flat=6),
        ("flat",),
    ),
    Step(
        CHAPTERS[2],
        "The notes' Sobel example: 0, −1020, −1020, 0",
        "convolution",
        "The horizontal Sobel kernel, +1 +2 +1 / 0 0 0 / −1 −2 −1, slides over the notes' 6 × 6 picture. "
        "Over the black rows the nine products add up to 0; where black meets white they add up to "
        "−1020, so the 4 × 4 output reads 0, −1020, −1020, 0 from top to bottom. Pixels must lie "
        "between 0 and 255, so the smallest value (−1020) becomes 0 and the largest (0) becomes 255.",
        "The two written-out sums, then the 4 × 4 output grid and its min–max version: the edge is the "
        "dark band.",
        "Why does the output hold −1020 when pixels only go from 0 to 255?",
        "The white row meets the negative weights: 255 × (−1 − 2 − 1) = −1020. The output is not a "
        "picture yet, so it is rescaled to 0–255 before it is shown.",
        _params(image="notes-6x6", kernel="sobel-horizontal", view="output", show="minmax"),
        ("kernel", "show"),
    ),
    Step(
        CHAPTERS[2],
        "Horizontal and vertical edges",
        "convolution",
        "The horizontal Sobel kernel finds horizontal edges; turned on its side (+1 0 −1 in each row) it "
        "finds vertical edges. Taking the two results h and v together, √(h² + v²) is the edge strength "
        "in any direction. There are many more kernels — slant lines, blur, sharpen — and the industry "
        "standard size is 3 × 3.",
        "The three pictures of the checkerboard: horizontal edges, vertical edges, and both at once.",
        "Which kernel lights up the vertical lines of the checkerboard?",
        "The vertical Sobel kernel, +1 0 −1 / +2 0 −2 / +1 0 −1: it compares the left and right sides of "
        "each window.",
        _params(image="checkerboard", view="edges"),
        ("view", "show"),
    ),
    Step(
        CHAPTERS[3],
        "Convolution, one cell at a time",
        "convolution",
        "Convolution (written ∗) lays the kernel over a window of the picture, multiplies every pixel by "
        "the weight on top of it, and adds the nine products: that sum is one pixel of the output. Then "
        "the kernel slides one pixel on and repeats. A 3 × 3 kernel fits 4 × 4 times on a 6 × 6 picture, "
        "so the output is 4 × 4.",
        "The orange window and the multiply-and-add written out below it; press Play to let it slide.",
        "How many positions does a 3 × 3 kernel have on a 6 × 6 picture?",
        "4 × 4 = 16: along each side it fits 6 − 3 + 1 = 4 times.",
        _params(image="notes-6x6", kernel="sobel-horizontal", view="steps", step=5),
        ("view", "step", "play"),
    ),
    Step(
        CHAPTERS[4],
        "Padding keeps the size: 6 − 3 + 2 + 1 = 6",
        "padding-stride",
        "Every pass of a 3 × 3 kernel shrinks 6 × 6 to 4 × 4, and after a few layers the picture "
        "disappears. Padding (1, 1) adds one row above and below and one column left and right first, so "
        "the output is n − k + 2p + 1 = 6 − 3 + 2 + 1 = 6. Filling the border with nearby values "
        "instead of zeros avoids creating an artificial edge.",
        "The padded 8 × 8 grid with the kernel's positions, the 6 × 6 output, and formula (ii).",
        "Which padding keeps a 5 × 5 kernel's output at 6 × 6?",
        "p = 2: 6 − 5 + 2·2 + 1 = 6. In general p = (k − 1) / 2 with stride 1.",
        _params(image="notes-6x6", pad_crop=6, n_pad=1, pad_mode="zeros", k=3, s=1),
        ("n_pad", "pad_mode", "k", "s"),
    ),
    Step(
        CHAPTERS[4],
        "Strides: jump 2 cells, get 2 × 2",
        "padding-stride",
        "The stride is how far the kernel jumps, horizontally and vertically. With stride 2 a 3 × 3 "
        "kernel on 6 × 6 gives (n − k) / s + 1 = (6 − 3) / 2 + 1 = 2.5, rounded down to 2: a 2 × 2 "
        "output. The last row and column are never reached — there is no data to jump to.",
        "The numbered jumps on the grid, the cells marked ⊗, and formula (iii) with 2.5 → 2.",
        "With padding 1 and stride 2, what size comes out of 6 × 6 with a 3 × 3 kernel?",
        "(6 − 3 + 2) / 2 + 1 = 3.5, rounded down: 3 × 3.",
        _params(image="notes-6x6", pad_crop=6, n_pad=0, k=3, s=2),
        ("n_pad", "k", "s"),
    ),
    Step(
        CHAPTERS[4],
        "Pooling: 500 × 500 → 250 × 250",
        "pooling",
        "A 2 × 2 pooling window holds no weights: it keeps the largest number of each window (max "
        "pooling) — or the average or the smallest — and moves on. Neighbouring pixels often carry the "
        "same information, so keeping one is enough: a 500 × 500 picture becomes 250 × 250 and the next "
        "3 × 3 kernel has about a quarter of the work.",
        "The coloured windows and the number each keeps, then the multiply–add counts under “Why pool?”.",
        "Does a pooling layer have anything to learn?",
        "No. It has no weights — a non-trainable layer; it only keeps the maximum (or average) of each "
        "window.",
        _params(image="flower", pool="max", size=2, pool_stride=2),
        ("pool", "size", "pool_stride"),
    ),
    Step(
        CHAPTERS[5],
        "One kernel with three slices",
        "rgb",
        "A colour picture is n × n × 3, so the kernel grows to 3 × 3 × 3: one slice per channel. Each "
        "slice slides over its own channel, and the three results are added (with one bias) into a "
        "single output map.",
        "The three slice-by-slice maps and their sum, then one output value worked out by hand.",
        "How many weights does a 3 × 3 kernel have on a colour picture?",
        "3 × 3 × 3 = 27, plus one bias.",
        _params(image="shapes", preset="sobel-horizontal", bias=0),
        ("preset", "bias", "k_r", "k_g", "k_b", "row", "col"),
    ),
    Step(
        CHAPTERS[5],
        "Several kernels: 6 × 6 × 3 → 4 × 4 × 4 → 2 × 2 × 3",
        "rgb",
        "Four kernels of 3 × 3 × 3 on a 6 × 6 × 3 picture give four 4 × 4 maps, stacked into 4 × 4 × 4. "
        "The next layer's kernels need one slice per channel, 3 × 3 × 4, and three of them give "
        "2 × 2 × 3. How many kernels a layer has is a hyperparameter.",
        "The stack of four maps and the shapes printed above each layer.",
        "If layer 1 had 8 kernels, what shape would each layer-2 kernel need?",
        "3 × 3 × 8 — one slice for each of the 8 incoming channels.",
        _params(image="notes-6x6", n1=4, n2=3, ksize=3),
        ("n1", "n2", "ksize", "wrong"),
    ),
    Step(
        CHAPTERS[6],
        "ReLU on a feature map",
        "activations",
        "ReLU keeps a value if it is above 0 and turns it into 0 otherwise. A CNN runs it over every "
        "number of the feature map that comes out of a convolution, like the notes' 4 × 4 map. Its "
        "slope is simply 0 or 1, which keeps the many derivatives of training cheap.",
        "The feature map before and after ReLU: every −1020 becomes 0.",
        "What does ReLU make of −1020? And of 5?",
        "−1020 becomes 0; 5 stays 5. (Turn the Sobel kernel upside down and the edge comes out positive, "
        "so ReLU keeps it.)",
        _params(image="notes-6x6", focus="relu", flip=False),
        ("focus", "alpha", "flip"),
    ),
    Step(
        CHAPTERS[6],
        "Why non-linearity: a straight line is not enough",
        "activations",
        "Two classes that curl around each other cannot be split by a straight line; we need a curve. "
        "Activation functions — sigmoid, ReLU, tanh, leaky ReLU — bring in that non-linearity, and most "
        "real data is non-linear.",
        "Under “Why non-linearity matters”: the linear model's straight boundary beside the curved one "
        "of the hidden layer with ReLU, and their scores.",
        "What kind of boundary can a network with no activation function draw?",
        "Only a straight line: stacked layers without activations collapse into one linear map.",
        _params(data="moons", hidden="relu", units=16),
        ("data", "hidden", "units"),
    ),
    Step(
        CHAPTERS[7],
        "Kernels are learned, not typed",
        "learn-kernel",
        "In a CNN nobody types the kernel. It starts from random numbers; when the prediction is wrong "
        "(the notes' fish called a cat), the error tells each of the nine numbers which way to move, and "
        "the image is passed through again and again until the kernel works. Each kernel also has a "
        "bias, and all of them are trainable parameters.",
        "The learned numbers next to the hidden kernel, and the loss falling step by step.",
        "What tells each kernel number which way to change?",
        "The loss: its gradient says how the mistake grows or shrinks when that number moves.",
        _params(target="sobel-horizontal"),
        ("target", "rate", "seed", "pace", "reveal"),
    ),
    Step(
        CHAPTERS[7],
        "The image embedding: 4 × 9 × 5 → 180",
        "architecture",
        "A series of convolutions, with padding, strides and pooling, ends in a block of feature maps. "
        "The notes' block is 4 × 9 × 5 = 180 numbers; stretched into one vector of 180, it is the image "
        "embedding — everything the network learned about the picture — and an MLP or any ML model "
        "classifies it.",
        "The layer-by-layer shapes, then section 4: the maps flattened into the 180-long vector.",
        "How many numbers does a 7 × 7 × 64 block flatten into?",
        "7 × 7 × 64 = 3,136.",
        _params(net="flatten"),
        ("net", "layers", "order"),
    ),
    Step(
        CHAPTERS[8],
        "Loading data in batches, and augmentation",
        "train",
        "The notes load pictures folder by folder (os.listdir, os.walk) and in batches, keeping "
        "validation_split = 0.2: 80% to train on, 20% to check the model on pictures it never trained "
        "on, shuffled first. Data augmentation makes more training pictures by rotating, shifting, "
        "zooming or flipping the ones we have, so the model generalises better.",
        "The 80/20 split and the nine samples; then open “Augmentation” to see one digit turned and "
        "shifted nine ways.",
        "Why not mirror handwritten digits left–right as an augmentation?",
        "A mirrored 3 or 7 is no longer a proper digit: an augmentation must keep the label true.",
        _params(data="digits", val=0.2, shuffle=True, rot=15, shift=0.1),
        ("data", "val", "shuffle", "rot", "shift", "zoom", "flip", "bright"),
    ),
    Step(
        CHAPTERS[9],
        "Training: overfitting, checkpoints and early stopping",
        "train",
        "If training accuracy is much higher than validation accuracy the model is overfitting; if both "
        "are low it is underfitting. A checkpoint saves the model each time the validation loss "
        "improves, and early stopping ends training once it stops improving for a few epochs (the "
        "patience), restoring the best weights.",
        "Press Start, then follow the two curves and the callback log: “val_loss improved … saving”.",
        "Training accuracy is 99% and validation accuracy 80%. What is happening?",
        "Overfitting: the model memorises its training pictures. More data, augmentation, dropout or "
        "early stopping help.",
        _params(data="digits", epochs=30, es=True, patience=3, ckpt=True, restore=True),
        ("epochs", "es", "patience", "delta", "ckpt", "restore", "lr", "opt"),
    ),
    Step(
        CHAPTERS[10],
        "Transfer learning: reuse a trained network",
        "transfer",
        "Transfer learning takes a network trained on a large data set and adapts it to a new task with "
        "little data: freeze its convolution layers and train only a new head, or fine-tune every layer "
        "gently. Here a CNN trained on many computer-drawn digits is reused on a few real handwritten "
        "ones.",
        "The three runs side by side — from scratch, frozen base, fine-tuned — after pressing Start.",
        "Why does a frozen pretrained base help most when there are only a few pictures?",
        "Its filters already find edges and strokes, so only the small head has to be learned from the "
        "few examples.",
        _params(per=5),
        ("per", "seed", "epochs", "baselr"),
    ),
    Step(
        CHAPTERS[10],
        "VGG16: about 138 million parameters",
        "architecture",
        "VGG16 has 16 trainable layers: 3 × 3 convolutions with stride 1 and same padding, 2 × 2 max "
        "pooling with stride 2, and 64, 128, 256 and 512 filters, then fully connected layers of 4096, "
        "4096 and 1000 with a softmax. That adds up to about 138 million parameters; it reached 92.7% "
        "top-5 accuracy on ImageNet's 1000 classes.",
        "The parameter total, and the chart of where the parameters live: most are in the first dense layer.",
        "Which layer holds the most parameters?",
        "The first fully connected layer: 7 × 7 × 512 × 4096 ≈ 103 million weights.",
        _params(net="vgg16"),
        ("net", "layers", "log"),
    ),
    Step(
        CHAPTERS[11],
        "Batch normalization",
        "batch-norm",
        "Batch normalization rescales each layer's activations, over the mini-batch, to a mean of 0 and "
        "a standard deviation of 1. It makes training more stable, lets it converge in fewer epochs, and "
        "acts as a mild regularizer. Here the same CNN trains with and without it.",
        "Press Start, then compare the two loss curves, and the high-learning-rate control below them.",
        "Which model survives the high learning rate better?",
        "Usually the one with batch norm: its activations cannot drift far from mean 0 and spread 1.",
        _params(data="digits", control=True, clr=0.1),
        ("data", "epochs", "lr", "control", "clr"),
    ),
)


def step_count() -> int:
    """How many steps the lesson has."""
    return len(STEPS)


def get_step(number: int) -> Step:
    """The step with this 1-based number.

    Raises
    ------
    ValueError
        If ``number`` is not between 1 and the number of steps.
    """
    if not 1 <= number <= len(STEPS):
        raise ValueError(f"step {number} does not exist: the lesson has steps 1 to {len(STEPS)}")
    return STEPS[number - 1]


def parse_step(raw: str) -> int:
    """The step number a ``lesson=`` link value names.

    >>> parse_step("3")
    3

    Raises
    ------
    ValueError
        If ``raw`` is not a whole number from 1 to the number of steps.
    """
    text = raw.strip()
    if not text.isdigit():
        raise ValueError(f"{raw!r} is not a step number (1 to {len(STEPS)})")
    number = int(text)
    get_step(number)
    return number


def neighbours(number: int) -> tuple[int | None, int | None]:
    """The previous and next step numbers (None at either end).

    >>> neighbours(1)
    (None, 2)
    """
    get_step(number)
    return (number - 1 if number > 1 else None, number + 1 if number < len(STEPS) else None)


def step_query(number: int, *, presenter: bool = False) -> dict[str, str]:
    """All query parameters of a step's link: the page's controls, the step, presenter view."""
    query = get_step(number).query
    query[LESSON_PARAM] = str(number)
    if presenter:
        query[PRESENTER_PARAM] = "true"
    return query


def deep_link(number: int, *, presenter: bool = False) -> str:
    """The step's address relative to the app's root, e.g. ``/pixels?...&lesson=1``.

    >>> deep_link(3).startswith("/pixels?")
    True
    """
    return f"/{get_step(number).url_path}?{urlencode(step_query(number, presenter=presenter))}"


def chapters() -> list[tuple[str, list[int]]]:
    """The chapters in the notes' order, each with its step numbers."""
    return [
        (chapter, [number for number, step in enumerate(STEPS, start=1) if step.chapter == chapter])
        for chapter in CHAPTERS
    ]


def step_label(number: int) -> str:
    """'3 · Edge detection — The notes' Sobel example…', for lists and pickers."""
    step = get_step(number)
    return f"{number} · {step.chapter} — {step.title}"


# Presenter colours ----------------------------------------------------------------------


@dataclass(frozen=True)
class PresenterPalette:
    """Presenter view's colours as hex strings; every text colour meets 7:1 on the background."""

    background: str = "#ffffff"
    text: str = "#000000"
    muted: str = "#1a1a1a"  # captions: still near-black on a projector
    link: str = "#00306e"
    accent: str = "#7a2e00"  # the lesson bar's border and progress


PRESENTER = PresenterPalette()


def relative_luminance(hex_colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb`` (0 for black, 1 for white).

    Raises
    ------
    ValueError
        If ``hex_colour`` is not of the form ``#rrggbb``.
    """
    digits = hex_colour.removeprefix("#")
    if len(digits) != 6 or any(ch not in "0123456789abcdefABCDEF" for ch in digits):
        raise ValueError(f"{hex_colour!r} is not a #rrggbb colour")
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two colours, from 1 (none) to 21 (black on white).

    >>> round(contrast_ratio("#000000", "#ffffff"))
    21
    """
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
