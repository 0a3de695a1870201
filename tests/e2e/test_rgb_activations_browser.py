"""The colour-convolution and activation pages in a real browser: opened by deep links, results on screen."""

import pytest

from tests.e2e.conftest import screenshot, wait_for_app

NOTES_TRACE = "6 × 6 × 3 → [4 kernels of 3 × 3 × 3] → 4 × 4 × 4 → [3 kernels of 3 × 3 × 4] → 2 × 2 × 3"


def _no_traceback(tab) -> None:
    assert tab.get_by_text("Traceback").count() == 0


def _wait_for_images(tab, count: int) -> None:
    """Wait until at least ``count`` images are on the page (they arrive after the text)."""
    tab.locator("[data-testid='stImage']").nth(count - 1).wait_for(timeout=30_000)


def test_rgb_page_shows_the_notes_example(page, app_url):
    page.goto(f"{app_url}/rgb")
    wait_for_app(page)
    page.get_by_role("heading", name="Convolution of colour images", exact=True).wait_for(timeout=30_000)
    page.get_by_text(NOTES_TRACE).first.wait_for(timeout=30_000)
    page.get_by_text("−1020 + (−1020) + (−1020) = −3060").wait_for(timeout=30_000)
    # The picture and its channels are images; the 4 × 4 maps are grids with their numbers.
    _wait_for_images(page, 4)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    grid_texts = page.locator(".js-plotly-plot").first.locator("text").all_text_contents()
    assert "−1020" in grid_texts or "-1020" in grid_texts
    _no_traceback(page)
    screenshot(page, "rgb")


def test_rgb_page_on_a_photo_by_deep_link(page, app_url):
    page.goto(f"{app_url}/rgb?image=china&preset=green-minus-red&bias=20&n1=6&n2=2&ksize=5&row=100&col=200")
    wait_for_app(page)
    page.get_by_text("85 × 128 × 3 → [6 kernels of 5 × 5 × 3]").first.wait_for(timeout=30_000)
    page.get_by_text("One output value by hand: row 100, column 200").wait_for(timeout=30_000)
    page.get_by_text("the layer's output (one conv2d)").wait_for(timeout=30_000)
    assert "preset=green-minus-red" in page.url and "n1=6" in page.url
    _wait_for_images(page, 4 + 5 + 6 + 2)
    _no_traceback(page)
    screenshot(page, "rgb-china")


def test_activations_page_shows_relu_on_the_notes_map(page, app_url):
    page.goto(f"{app_url}/activations")
    wait_for_app(page)
    page.get_by_role("heading", name="Activation functions", exact=True).wait_for(timeout=30_000)
    page.get_by_text("8 of 16 values (50.0%) were negative").wait_for(timeout=30_000)
    page.locator(".js-plotly-plot").nth(5).wait_for(timeout=30_000)
    assert page.locator(".js-plotly-plot").count() >= 6  # 2 curves, 2 grids, 2 decision regions
    page.get_by_text("100%").first.wait_for(timeout=30_000)
    _no_traceback(page)
    screenshot(page, "activations")


def test_activations_page_on_a_photo_by_deep_link(page, app_url):
    page.goto(f"{app_url}/activations?image=flower&focus=leaky-relu&alpha=0.2&data=circles&hidden=tanh")
    wait_for_app(page)
    page.get_by_text("were multiplied by α = 0.2").first.wait_for(timeout=30_000)
    page.get_by_text("After Leaky ReLU").first.wait_for(timeout=30_000)
    _wait_for_images(page, 2)
    page.locator(".js-plotly-plot").nth(5).wait_for(timeout=30_000)
    _no_traceback(page)
    screenshot(page, "activations-flower")


@pytest.mark.parametrize("path", ["rgb", "activations"])
def test_tall_view_of_each_page(browser, app_url, path):
    context = browser.new_context(viewport={"width": 1400, "height": 3000})
    tab = context.new_page()
    try:
        tab.goto(f"{app_url}/{path}?image=shapes")
        wait_for_app(tab)
        tab.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
        tab.wait_for_timeout(1500)  # let the lazily drawn charts settle before the picture
        _no_traceback(tab)
        screenshot(tab, f"{path}-tall")
    finally:
        context.close()
