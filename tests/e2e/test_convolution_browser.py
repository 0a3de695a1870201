"""The edge-detection page in a real browser: a deep link, the output picture, the formula and Play."""

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
    output = page.locator("[data-testid='stImage']", has_text="Output: 6 × 6").locator("img")
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
