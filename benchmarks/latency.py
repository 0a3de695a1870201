"""Time from a control change to the new result on screen, in a real browser.

Run ``python -m benchmarks.latency``: starts the app and a trivial Streamlit page that
only echoes the same slider (the floor Streamlit itself imposes), drives both in the
system Chromium in the same run (one change on each in turn, so the machine's other
work weighs on all alike), and prints the median time from a key press on the
slider to the changed output being on screen, and their ratio (target ≤ 1.3×). The
app side works on a 1024×1024 photo uploaded through the sidebar. A third page is
timed alongside: it echoes the slider as one picture of the app's preview size
(``benchmarks/echo_picture_app.py``), what a new picture costs any Streamlit page
that waits for its script. The app's output pictures for every stride are already in
the browser (``ui.slider_pictures``), so its output is on screen before its script
has rerun; how long the rest of the lab takes to follow (its "Output size" metric
showing the new size) is timed and printed too. The check runs once per animation
frame, so each time is the first frame that shows the change: times move in steps of
a frame (about 17 ms at 60 Hz), hence medians of many presses. Writes
``benchmarks/results/latency.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.pages import photo_1024
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.e2e.server import streamlit_server

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "latency.json"
TARGET_RATIO = 1.3
# What is timed, in turn: the floor the target is measured against, the same slider
# echoed as one picture (what a new picture costs a page that waits for its script) and
# the app.
SIDES = ("floor", "picture", "app")

# What "the output is on screen" means. For the app: the picture whose caption starts with
# the given text has a new address (or, in ui.slider_pictures, is another of the pictures)
# and has finished loading. For the floor page: its echoed text changed. (Not the
# slider's own thumb label, which changes before the script even runs.)
SNAPSHOT_JS = """(caption) => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (caption === null) {
    return Array.from(main.querySelectorAll('[data-testid="stMarkdown"]'))
      .filter(node => !node.closest('[data-testid="stSlider"]'))
      .map(node => node.innerText).join('|');
  }
  const captioned = (node, selector) => (node.querySelector(selector) || {}).innerText?.startsWith(caption);
  const loaded = img => img.complete && img.naturalWidth > 0;
  const following = Array.from(main.querySelectorAll('.slider-picture:not([hidden])'))
    .filter(node => captioned(node, 'figcaption'));
  if (following.length > 0) {
    const img = following[0].querySelector('img');
    return loaded(img) ? `${following[0].parentElement.dataset.set}:${following[0].dataset.value}` : null;
  }
  const images = Array.from(main.querySelectorAll('[data-testid="stImage"]'))
    .filter(node => captioned(node, '[data-testid="stImageCaption"]'));
  if (images.length === 0) return null;
  const img = images[0].querySelector('img');
  return loaded(img) ? img.src : null;
}"""

# The rest of the lab has followed: the metric with this label shows the size the
# output's caption ("Output: W × H, ...") names, as "H × W".
SETTLED_JS = """([caption, label]) => {
  const main = document.querySelector('[data-testid="stMain"]');
  const shown = Array.from(main.querySelectorAll('.slider-picture:not([hidden]) figcaption, '
    + '[data-testid="stImageCaption"]')).find(node => node.innerText.startsWith(caption));
  const size = shown && shown.innerText.match(/(\\d+) × (\\d+)/);
  const metric = Array.from(main.querySelectorAll('[data-testid="stMetric"]'))
    .find(node => node.querySelector('[data-testid="stMetricLabel"]')?.innerText.trim() === label);
  return Boolean(size && metric && metric.querySelector('[data-testid="stMetricValue"]').innerText.trim()
    === `${size[2]} × ${size[1]}`);
}"""


def settle(tab, caption: str | None) -> str:
    """Wait until the watched output has stopped changing and return its snapshot."""
    tab.wait_for_function(SNAPSHOT_JS, arg=caption, timeout=60_000)
    previous = None
    for _ in range(60):
        current = tab.evaluate(SNAPSHOT_JS, caption)
        if current is not None and current == previous:
            return current
        previous = current
        tab.wait_for_timeout(250)
    return previous


class Watched:
    """One tab on one server: a slider to press and the output that shows the change."""

    def __init__(
        self, tab, slider_label: str | None, caption: str | None, settled_metric: str | None = None
    ) -> None:
        widgets = tab.locator("[data-testid='stSlider']")
        widget = (widgets if slider_label is None else widgets.filter(has_text=slider_label)).first
        self.tab = tab
        self.caption = caption
        self.settled_metric = settled_metric
        self.settled: list[float] = []  # seconds until the rest of the page followed, if watched
        self.slider = widget.locator("input[type='range']").first
        self.turns = 0

    def time_one_change(self) -> float:
        """Press → or ← (alternately) and return the seconds until the change is on screen."""
        before = settle(self.tab, self.caption)
        self.slider.focus()
        key = "ArrowRight" if self.turns % 2 == 0 else "ArrowLeft"
        self.turns += 1
        start = time.perf_counter()
        self.slider.press(key)
        changed = (
            f"([before, caption]) => {{ const now = ({SNAPSHOT_JS})(caption); "
            "return now && now !== before; }"
        )
        self.tab.wait_for_function(changed, arg=[before, self.caption], timeout=60_000, polling="raf")
        on_screen = time.perf_counter() - start
        if self.settled_metric is not None:
            arg = [self.caption, self.settled_metric]
            self.tab.wait_for_function(SETTLED_JS, arg=arg, timeout=60_000, polling="raf")
            self.settled.append(time.perf_counter() - start)
        return on_screen


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", default="convolution", help="URL path of the page to time")
    parser.add_argument("--slider", default="Stride", help="label of the slider to move")
    parser.add_argument("--output", default="Output:", help="caption start of the output picture to watch")
    parser.add_argument(
        "--settled", default="Output size", help="label of the app's metric that shows the rest followed"
    )
    parser.add_argument("--presses", type=int, default=40)
    args = parser.parse_args()

    photo = Path(tempfile.mkdtemp()) / "photo-1024.png"
    photo.write_bytes(photo_1024())
    results: dict[str, list[float]] = {name: [] for name in SIDES}
    with (
        sync_playwright() as playwright,
        streamlit_server("benchmarks/echo_app.py") as floor_url,
        streamlit_server("benchmarks/echo_picture_app.py") as picture_url,
        streamlit_server("app.py") as app_url,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)

        def open_tab(url: str):
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.goto(url)
            return tab

        floor_tab = open_tab(floor_url)
        picture_tab = open_tab(picture_url)
        app_tab = open_tab(f"{app_url}/{args.page}?source=upload")
        app_tab.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(photo))
        app_tab.get_by_text("photo-1024.png").first.wait_for(timeout=60_000)
        watched = {
            "floor": Watched(floor_tab, None, None),
            "picture": Watched(picture_tab, None, "Output:"),
            "app": Watched(app_tab, args.slider, args.output, args.settled),
        }
        # One change on each in turn, so whatever else the machine is doing weighs on all
        # sides alike. Every tab stays open: a background tab is not throttled headless.
        for name in SIDES:
            watched[name].time_one_change()  # warm-up (it waits for the first output), not counted
        watched["app"].settled.clear()
        for _ in range(args.presses):
            for name in SIDES:
                results[name].append(watched[name].time_one_change())
        browser.close()

    results["app_settled"] = watched["app"].settled
    medians = {name: statistics.median(times) * 1e3 for name, times in results.items()}
    ratio = medians["app"] / medians["floor"]
    print(f"control change → output on screen (median of {args.presses}):")
    print(f"  trivial echo page (floor):            {medians['floor']:7.1f} ms")
    print(f"  slider echoed as one picture:         {medians['picture']:7.1f} ms  "
          f"({medians['picture'] / medians['floor']:.2f}× the floor)")  # fmt: skip
    print(f"  /{args.page} ({args.slider}), 1024×1024 photo: {medians['app']:7.1f} ms  "
          f"({medians['app'] / medians['floor']:.2f}× the floor)")  # fmt: skip
    settled = medians["app_settled"]
    print(f"    and the rest of the lab followed:   {settled:7.1f} ms  "
          f"({settled / medians['floor']:.2f}× the floor: {args.settled!r} shows the new size)")  # fmt: skip
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"  ratio {ratio:.2f}× the floor (target ≤ {TARGET_RATIO}×): {verdict}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "page": args.page,
                "slider": args.slider,
                "floor_ms": round(medians["floor"], 1),
                "picture_floor_ms": round(medians["picture"], 1),
                "app_ms": round(medians["app"], 1),
                "app_settled_ms": round(medians["app_settled"], 1),
                "ratio": round(ratio, 3),
                "ratio_to_picture_floor": round(medians["app"] / medians["picture"], 3),
                "settled_ratio": round(medians["app_settled"] / medians["floor"], 3),
            }
            | {f"{name}_samples_ms": [round(t * 1e3, 1) for t in times] for name, times in results.items()},
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
