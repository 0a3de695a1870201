"""The transfer page in a real browser: the source side, the three runs trained side by side, the verdict."""

import re

from tests.e2e.conftest import screenshot, wait_for_app


def metric_value(tab, label: str) -> str:
    metric = tab.locator("[data-testid='stMetric']").filter(has_text=label)
    return metric.locator("[data-testid='stMetricValue']").inner_text()


def test_three_runs_train_side_by_side_and_the_frozen_base_wins(page, app_url):
    page.goto(f"{app_url}/transfer?epochs=10")
    wait_for_app(page)
    page.get_by_role("heading", name="Transfer learning", exact=True).wait_for(timeout=30_000)
    page.get_by_text("Source validation accuracy", exact=True).wait_for(timeout=30_000)
    assert metric_value(page, "Source training images") == "30,000"
    assert metric_value(page, "Source validation accuracy").endswith("%")
    page.get_by_text("All 100 training pictures").wait_for(timeout=30_000)
    assert page.get_by_text("1,297 real digits").count() >= 1
    page.get_by_role("button", name="Start").click()
    page.get_by_text(re.compile(r"Training · epoch")).wait_for(timeout=30_000)
    # Ten epochs take a second or two on two quiet cores; the margin is for a busy test machine.
    page.get_by_text(re.compile(r"Finished · epoch")).wait_for(timeout=90_000)
    wait_for_app(page)
    page.get_by_text("the frozen pretrained base reached").wait_for(timeout=30_000)
    accuracies = {
        name: float(metric_value(page, f"{name}: validation accuracy").rstrip("%"))
        for name in ("From scratch", "Frozen base", "Fine-tuned")
    }
    assert accuracies["Frozen base"] > accuracies["From scratch"]
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    assert page.locator(".js-plotly-plot").count() >= 1
    assert page.get_by_text("25,450 trainable parameters").count() == 1
    assert page.get_by_text("Traceback").count() == 0
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    screenshot(page, "transfer-finished")


def test_tall_view_of_a_deep_link(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 3200})
    tab = context.new_page()
    try:
        tab.goto(f"{app_url}/transfer?per=3&seed=4&baselr=1")
        wait_for_app(tab)
        tab.get_by_text("All 30 training pictures").wait_for(timeout=30_000)
        tab.wait_for_selector("[data-testid='stDataFrame']", timeout=30_000)
        tab.get_by_text("Its first-layer filters").wait_for(timeout=30_000)
        assert tab.get_by_text("Traceback").count() == 0
        screenshot(tab, "transfer-tall")
    finally:
        context.close()
