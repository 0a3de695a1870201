"""The padding-and-strides and pooling pages in a real browser, opened by deep links."""

import re

from tests.e2e.conftest import screenshot, wait_for_app


def open_page(tab, url: str, title: str) -> None:
    """Open a deep link and wait for the page's title.

    Page files are named after their address (padding-stride.py), so even a fresh
    server's first visit finds the page: no "Page not found" note may show.
    """
    tab.goto(url)
    wait_for_app(tab)
    tab.get_by_role("heading", name=title, exact=True).wait_for(timeout=30_000)
    assert tab.get_by_role("dialog").filter(has_text="Page not found").count() == 0


def test_padding_page_by_deep_link_shows_grid_formula_and_picture(page, app_url):
    open_page(page, f"{app_url}/padding-stride?n_pad=1&s=2", "Padding and strides")
    page.get_by_text("(6 − 3 + 2·1) / 2 + 1 = 3.5 → 3").first.wait_for(timeout=30_000)
    page.get_by_text("rounded down to 3").first.wait_for(timeout=30_000)
    page.get_by_text("6 × 6 input padded to 8 × 8 (zeros)").wait_for(timeout=30_000)
    grid = page.locator(".js-plotly-plot").first
    grid.wait_for(timeout=30_000)
    texts = grid.locator("text").all_text_contents()
    assert "⊗" in texts and "255" in texts  # the unreached row and column, and the values
    image = page.locator("[data-testid='stImage'] img").first
    image.wait_for(timeout=30_000)
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert "n_pad=1" not in page.url and "s=2" in page.url  # defaults stay out of the link
    assert page.get_by_text("Traceback").count() == 0
    screenshot(page, "padding-stride")


def test_padding_controls_update_the_link(page, app_url):
    open_page(page, f"{app_url}/padding-stride?image=china&pad_crop=9", "Padding and strides")
    page.get_by_text("The 9 × 9 crop (yellow box)").wait_for(timeout=30_000)
    page.get_by_text("Replicate (nearby values)", exact=True).click()
    page.wait_for_url("**pad_mode=replicate**", timeout=30_000)
    page.get_by_role("button", name="Stride 2").click()
    page.get_by_text("(6 − 3 + 2·0) / 2 + 1 = 2.5 → 2").first.wait_for(timeout=30_000)
    # The address follows a moment after the page: wait for it rather than race it.
    page.wait_for_url(re.compile(r".*[?&]s=2(&|$).*"), timeout=30_000)
    assert "pad_crop=6" in page.url


def test_padding_page_tall(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 3000})
    tab = context.new_page()
    open_page(
        tab, f"{app_url}/padding-stride?image=china&n_pad=1&s=2&pad_mode=replicate", "Padding and strides"
    )
    tab.get_by_text("(8 − 3 + 2·1) / 2 + 1 = 4").first.wait_for(timeout=30_000)
    tab.locator(".js-plotly-plot").nth(2).wait_for(timeout=30_000)
    tab.get_by_text("All four fillings of the same border").wait_for(timeout=30_000)
    screenshot(tab, "padding-stride-tall")
    context.close()


def test_pooling_page_by_deep_link_shows_pooled_picture_and_savings(page, app_url):
    open_page(page, f"{app_url}/pooling?image=china&pool=avg&size=3", "Pooling")
    page.get_by_text("Average pooling, 3 × 3 window, stride 3: 213 × 142 pixels").wait_for(timeout=30_000)
    page.get_by_text("4.0× fewer").first.wait_for(timeout=30_000)
    page.get_by_text("498 × 498 × 9 = 2,232,036", exact=False).first.wait_for(timeout=30_000)
    grid = page.locator(".js-plotly-plot").first
    grid.wait_for(timeout=30_000)
    images = page.locator("[data-testid='stImage'] img")
    images.nth(2).wait_for(timeout=30_000)
    assert images.nth(2).evaluate("img => img.complete && img.naturalWidth > 0")
    assert "pool=avg" in page.url and "size=3" in page.url
    assert page.get_by_text("Traceback").count() == 0
    screenshot(page, "pooling")

    page.get_by_text("Min pooling", exact=True).click()
    page.wait_for_url("**pool=min**", timeout=30_000)
    page.get_by_text("Min pooling, 3 × 3 window, stride 3").first.wait_for(timeout=30_000)


def test_pooling_page_tall(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 3000})
    tab = context.new_page()
    open_page(tab, f"{app_url}/pooling?image=china&pool_crop=12", "Pooling")
    tab.get_by_text("Feature maps: one number per map").wait_for(timeout=30_000)
    tab.locator(".js-plotly-plot").nth(1).wait_for(timeout=30_000)
    tab.locator("[data-testid='stImage'] img").nth(6).wait_for(timeout=30_000)
    screenshot(tab, "pooling-tall")
    context.close()
