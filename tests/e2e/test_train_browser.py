"""The training lab in a real browser: start, watch validation accuracy rise and filters draw, pause."""

import re
import time

from tests.e2e.conftest import screenshot, wait_for_app


def _percent(text: str) -> float:
    return float(re.sub(r"[^0-9.]", "", text))


def validation_accuracy(tab) -> str:
    metric = tab.locator("[data-testid='stMetric']").filter(has_text="Validation accuracy")
    return metric.locator("[data-testid='stMetricValue']").inner_text()


def test_training_starts_learns_and_pauses(page, app_url):
    page.goto(f"{app_url}/train?epochs=30")
    wait_for_app(page)
    page.get_by_role("heading", name="Training lab", exact=True).wait_for(timeout=30_000)
    page.get_by_role("button", name="Start").click()
    page.get_by_text("Training · epoch").wait_for(timeout=30_000)
    # Accuracy appears after the first epoch and rises in the epochs that follow.
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stMetric]')].some("
        "m => m.innerText.includes('Validation accuracy') && m.innerText.includes('%'))",
        timeout=30_000,
    )
    first = _percent(validation_accuracy(page))
    page.wait_for_function(
        "first => [...document.querySelectorAll('[data-testid=stMetric]')].some(m => {"
        "  if (!m.innerText.includes('Validation accuracy')) return false;"
        "  const value = parseFloat(m.querySelector('[data-testid=stMetricValue]').innerText);"
        "  return value > first || value >= 95; })",
        arg=first,
        timeout=60_000,
    )
    page.get_by_text("Now. Purple is negative").wait_for(timeout=30_000)
    filters = page.locator("[data-testid='stImage']").filter(has_text="Now. Purple is negative")
    assert filters.locator("img").first.evaluate("img => img.complete && img.naturalWidth > 0")
    clicked = time.perf_counter()
    page.get_by_role("button", name="Pause").click()
    page.get_by_text("Paused · epoch").wait_for(timeout=10_000)
    # The notes-level promise is half a second; the margin is for a busy test machine.
    assert time.perf_counter() - clicked < 2.0
    paused_at = page.get_by_text(re.compile(r"Paused · epoch")).inner_text()
    page.wait_for_timeout(1500)
    assert page.get_by_text(re.compile(r"Paused · epoch")).inner_text() == paused_at
    assert page.get_by_text("Traceback").count() == 0
    screenshot(page, "train-paused")


def test_draw_a_digit_and_see_the_answer(page, app_url):
    page.goto(f"{app_url}/train?epochs=4")
    wait_for_app(page)
    page.get_by_role("button", name="Start").click()
    page.get_by_text("Finished · epoch").wait_for(timeout=60_000)
    wait_for_app(page)
    page.get_by_role("heading", name="6 · Try it").scroll_into_view_if_needed()
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    box = canvas.bounding_box()
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    for step in range(1, 21):
        page.mouse.move(x, box["y"] + box["height"] * (0.15 + 0.7 * step / 20))
    page.mouse.up()
    page.get_by_text("The model says").wait_for(timeout=30_000)
    assert "The model says 1" in page.get_by_text("The model says").inner_text()
    page.get_by_text("What the model sees").wait_for(timeout=10_000)
    assert page.get_by_text("Traceback").count() == 0
    canvas.scroll_into_view_if_needed()
    screenshot(page, "train-try-it")
