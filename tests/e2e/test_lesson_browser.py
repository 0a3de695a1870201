"""The lesson in a real browser: the whole path in presenter view, copy link, reset, small screens."""

import re

from explorer import lesson
from tests.e2e.conftest import screenshot, wait_for_app

TOTAL = lesson.step_count()
# Something each page draws as its main output once its script has finished.
OUTPUT = (
    "[data-testid='stMain'] .js-plotly-plot, [data-testid='stMain'] [data-testid='stImage'], "
    "[data-testid='stMain'] [data-testid='stTable']"
)


def wait_for_step(page, number: int) -> None:
    """The bar says 'Step n of N', the page's output is drawn, and no exception is shown."""
    page.get_by_text(f"Step {number} of {TOTAL}", exact=True).wait_for(timeout=30_000)
    wait_for_app(page)
    step = lesson.get_step(number)
    assert re.search(rf"/{step.url_path}\?", page.url), page.url
    assert f"lesson={number}" in page.url and "presenter=true" in page.url
    page.locator(OUTPUT).first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0, f"step {number}"


def test_walk_the_whole_lesson_in_presenter_view(browser, app_url):
    # Tall enough that each step's screenshot shows the bar and the top of the page's output.
    page = browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()
    page.goto(f"{app_url}/lesson?presenter=true")
    wait_for_app(page)
    page.get_by_role("heading", name="The lesson: from pixels to VGG16").wait_for(timeout=30_000)
    page.locator("section[data-testid='stSidebar']").wait_for(state="hidden", timeout=30_000)
    screenshot(page, "lesson-overview")
    page.get_by_role("button", name="Start the lesson").click()
    for number in range(1, TOTAL + 1):
        wait_for_step(page, number)
        if number == 7:  # presenter view shows only this step's controls
            page.locator(".st-key-pad_crop").wait_for(state="hidden", timeout=30_000)
            assert page.locator(".st-key-n_pad").is_visible()
        screenshot(page, f"lesson-{number:02d}")
        if number == TOTAL:
            assert page.get_by_role("button", name="Next").is_disabled()
        elif number == 1:
            page.get_by_role("button", name="Next").click()
            page.mouse.move(0, 0)  # no tooltip left over the next screenshots
        else:
            page.evaluate("document.activeElement && document.activeElement.blur()")
            page.keyboard.press("ArrowRight")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("ArrowLeft")
    wait_for_step(page, TOTAL - 1)
    page.context.close()


def test_copy_link_reads_the_address_after_a_fragment_rerun(browser, app_url):
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    page.goto(f"{app_url}/pixels?window=6")
    wait_for_app(page)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    # The flatten slider lives in a fragment: moving it reruns only that part of the page.
    page.locator(".st-key-flat input[type='range']").focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(r"flat=5"), timeout=30_000)
    page.get_by_role("button", name="Copy link to this view").click()
    page.get_by_text("Copied", exact=True).wait_for(timeout=10_000)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "/pixels?" in copied and "window=6" in copied and "flat=5" in copied
    assert page.get_by_role("textbox", name="Link to this view").input_value() == copied
    context.close()


def test_reset_to_defaults_clears_the_page_controls(page, app_url):
    page.goto(f"{app_url}/padding-stride?s=2&n_pad=0&image=checkerboard")
    wait_for_app(page)
    page.get_by_role("heading", name="Padding and strides").wait_for(timeout=30_000)
    page.get_by_role("button", name="Reset to defaults").click()
    page.wait_for_url(lambda url: "s=2" not in url and "n_pad" not in url, timeout=30_000)
    wait_for_app(page)
    assert "image=checkerboard" in page.url  # the sidebar's picture stays
    assert page.locator(".st-key-s input[type='range']").input_value() == "1"


def test_lesson_bar_at_laptop_and_phone_sizes(browser, app_url):
    for name, size in {"lesson-1280x720": (1280, 720), "lesson-phone": (390, 844)}.items():
        context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        page = context.new_page()
        page.goto(f"{app_url}/convolution?lesson=4")
        wait_for_app(page)
        page.get_by_text(f"Step 4 of {TOTAL}", exact=True).wait_for(timeout=30_000)
        page.locator(OUTPUT).first.wait_for(timeout=30_000)
        page.screenshot(path=str(screenshot(page, name).with_name(f"{name}-top.png")))
        context.close()
