"""The pixels page in a real browser: it opens by its URL and shows the pixel grid."""

from tests.e2e.conftest import screenshot, wait_for_app


def test_pixels_page_shows_the_pixel_grid(page, app_url):
    page.goto(f"{app_url}/pixels?window=6")
    wait_for_app(page)
    page.get_by_role("heading", name="Images are numbers").wait_for(timeout=30_000)
    grid = page.locator(".js-plotly-plot").first
    grid.wait_for(timeout=30_000)
    # The notes' 6×6 sample: its grid writes the values 0 and 255 into the cells.
    texts = grid.locator("text").all_text_contents()
    assert "255" in texts and "0" in texts
    assert page.get_by_text("Traceback").count() == 0
    screenshot(page, "pixels")


def test_home_page_links_to_pixels(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("heading", name="Convolution Explorer").first.wait_for(timeout=30_000)
    page.get_by_role("link", name="Images are numbers").first.click()
    page.wait_for_url("**/pixels**")
    page.get_by_role("heading", name="Images are numbers").wait_for(timeout=30_000)
    screenshot(page, "home-to-pixels")


def test_deep_link_opens_a_photo_window_and_the_controls_update_the_url(page, app_url):
    page.goto(f"{app_url}/pixels?image=china&row=150&col=300&window=10")
    wait_for_app(page)
    page.get_by_text("rows 150–159, columns 300–309").first.wait_for(timeout=30_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    page.get_by_text("position in the vector").wait_for(timeout=30_000)
    assert "row=150" in page.url and "image=china" in page.url
    screenshot(page, "pixels-china")
