"""The edge-detection page in a real browser: a deep link, the output picture, the formula, Play, Stride."""

import re
import time

from tests.e2e.conftest import screenshot, wait_for_app

STEP = re.compile(r"Step (\d+) of (\d+)")


def step_line(page) -> str:
    """The line under the step-through grids, e.g. 'Step 3 of 36: output row 0, column 2 = 0'."""
    return page.locator("[data-testid='stMarkdown']", has_text=STEP).last.inner_text()


def current_from(line: str) -> int:
    return int(STEP.search(line).group(1))


def current_step(page) -> int:
    return current_from(step_line(page))


def wait_for_step_beyond(page, step: int, timeout: float = 10.0) -> int:
    """Wait until Play has moved the step past ``step``; a busy machine may tick late."""
    deadline = time.monotonic() + timeout
    while (current := current_step(page)) <= step and time.monotonic() < deadline:
        time.sleep(0.2)
    assert current > step, f"the step stayed at {current}"
    return current


def wait_for_charts(page, timeout: float = 30.0) -> None:
    """Plotly draws lazily: wait until every chart on the page has been drawn."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        charts = page.locator("[data-testid='stPlotlyChart']").count()
        if charts and page.locator(".js-plotly-plot").count() == charts:
            return
        page.mouse.wheel(0, 600)
        time.sleep(0.3)
    raise AssertionError("the Plotly charts were not drawn")


def test_deep_link_shows_the_output_and_formula_and_play_slides_the_kernel(page, app_url):
    page.goto(f"{app_url}/convolution?pad=amount&padding=1&kernel=sobel-horizontal")
    wait_for_app(page)
    page.get_by_role("heading", name="Edge detection and kernels").wait_for(timeout=30_000)
    page.get_by_text("(6 − 3 + 2·1) / 1 + 1 = 6 rows").wait_for(timeout=30_000)
    page.get_by_text("Output: 6 × 6, min–max to 0..255.").wait_for(timeout=30_000)
    output = page.locator(".slider-picture:not([hidden])", has_text="Output: 6 × 6").locator("img")
    output.wait_for(timeout=30_000)
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=output.element_handle())
    assert page.get_by_text("Traceback").count() == 0
    screenshot(page, "convolution-output")

    page.get_by_text("Step through, cell by cell").click()
    page.wait_for_url("**view=steps**", timeout=30_000)
    page.get_by_text("Play: slide the kernel by itself").wait_for(timeout=30_000)
    wait_for_charts(page)
    line_before = step_line(page)
    assert line_before.startswith("Step 1 of 36: output row 0, column 0 = 0"), line_before
    page.get_by_text("Play: slide the kernel by itself").click()
    time.sleep(2)
    after = wait_for_step_beyond(page, 1)
    line = step_line(page)  # read once: Play may move on between two reads
    row, col = divmod(current_from(line) - 1, 6)
    assert f"output row {row}, column {col}" in line, (line_before, line)
    assert wait_for_step_beyond(page, after) > after  # and it keeps sliding
    assert "play=true" in page.url
    screenshot(page, "convolution")

    page.get_by_text("Play: slide the kernel by itself").click()
    page.wait_for_function("() => !window.location.search.includes('play=true')", timeout=15_000)
    time.sleep(1.2)
    paused = current_step(page)
    time.sleep(1.8)
    assert current_step(page) == paused


def test_tall_view_of_a_photo_with_padding_and_dilation(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 4800})
    tab = context.new_page()
    try:
        link = (
            f"{app_url}/convolution?image=china&kernel=sobel-vertical&pad=same&mode=reflect&dilation=2"
            "&crop_row=150&crop_col=300&step=20&show=raw"
        )
        tab.goto(link)
        wait_for_app(tab)
        tab.get_by_text("Output: 640 × 427, raw signed values.").wait_for(timeout=30_000)
        wait_for_charts(tab)
        assert tab.get_by_text("Traceback").count() == 0
        screenshot(tab, "convolution-tall")
        for view, text in (("steps", "Step 20 of 144:"), ("edges", "Strongest edge at row")):
            tab.goto(f"{link}&view={view}")
            wait_for_app(tab)
            tab.get_by_text(text).first.wait_for(timeout=30_000)
            assert tab.get_by_text("Traceback").count() == 0
            screenshot(tab, f"convolution-tall-{view}")
    finally:
        context.close()


# Everything that changes on the page, in order, as (stride of the output picture shown, metric values).
WATCH_JS = """() => {
  window.seen = [];
  const note = () => {
    const shown = document.querySelector('.slider-picture:not([hidden])');
    const metrics = Array.from(document.querySelectorAll('[data-testid="stMetricValue"]'));
    window.seen.push([shown ? shown.dataset.value : null, metrics.map(node => node.innerText).join('|')]);
  };
  new MutationObserver(note).observe(document.body,
    {subtree: true, childList: true, attributes: true, characterData: true});
}"""


# Counts the watchers of slider values that are observing: one per picture set on the page,
# however many reruns have drawn it.
COUNT_WATCHERS_JS = """(() => {
  window.sliderWatchers = 0;
  const Native = window.MutationObserver;
  window.MutationObserver = class extends Native {
    observe(target, options) {
      if ((options.attributeFilter || []).includes('aria-valuetext') && !this.counted) {
        this.counted = true;
        window.sliderWatchers += 1;
      }
      return super.observe(target, options);
    }
    disconnect() {
      if (this.counted) window.sliderWatchers -= 1;
      this.counted = false;
      return super.disconnect();
    }
  };
})();"""


def test_the_output_follows_the_stride_slider_before_the_page_reruns(page, app_url):
    page.add_init_script(COUNT_WATCHERS_JS)
    page.goto(f"{app_url}/convolution?image=china")
    wait_for_app(page)
    shown = page.locator(".slider-picture:not([hidden])")
    shown.get_by_text("Output: 638 × 425, min–max to 0..255.").wait_for(timeout=30_000)
    page.get_by_text("425 × 638").wait_for(timeout=30_000)  # the "Output size" metric
    page.evaluate(WATCH_JS)
    slider = page.locator("input[type='range'][aria-label='Stride']")
    slider.focus()
    slider.press("ArrowRight")
    shown.get_by_text("Output: 319 × 213, min–max to 0..255.").wait_for(timeout=30_000)
    page.get_by_text("213 × 319").wait_for(timeout=30_000)
    seen = page.evaluate("window.seen")
    swapped = next(i for i, (stride, _) in enumerate(seen) if stride == "2")
    # The picture the browser already held came first; the page's own numbers followed
    # once the script had rerun.
    assert "213 × 319" not in seen[swapped][1], seen[: swapped + 1]
    assert "stride=2" in page.url
    shown.scroll_into_view_if_needed()
    screenshot(page, "convolution-stride-2")

    # A click at the slider's right end (a pointer, not a key) moves it to 8 likewise.
    stride_slider = page.locator("[data-testid='stSlider']", has_text="Stride")
    stride_slider.scroll_into_view_if_needed()
    box = stride_slider.locator("[data-testid='stSliderTickBar']").bounding_box()
    page.mouse.click(box["x"] + box["width"] - 1, box["y"] - 12)
    shown.get_by_text("Output: 80 × 54, min–max to 0..255.").wait_for(timeout=30_000)
    page.get_by_text("54 × 80").wait_for(timeout=30_000)
    assert page.evaluate("window.sliderWatchers") == 1  # three reruns later, still one

    # Another view and back: the pictures the browser holds are shown again.
    page.get_by_text("Step through, cell by cell").click()
    page.get_by_text("Play: slide the kernel by itself").wait_for(timeout=30_000)
    page.get_by_text("Original and output").first.click()
    picture = shown.filter(has_text="Output: 80 × 54").locator("img")
    picture.wait_for(timeout=30_000)
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
    assert page.evaluate("window.sliderWatchers") == 1  # the old view's watcher went with it
    assert page.get_by_text("Traceback").count() == 0
    picture.scroll_into_view_if_needed()
    screenshot(page, "convolution-stride-8")
