"""The batch-norm page in a real browser: run the default experiment to the end and read the verdicts."""

import time

from tests.e2e.conftest import screenshot, wait_for_app


def test_the_default_experiment_runs_to_its_measured_verdicts(browser, app_url):
    # Tall, so the whole page (controls, curves, layer statistics, control, one channel) is in view.
    context = browser.new_context(viewport={"width": 1400, "height": 5200})
    tab = context.new_page()
    tab.goto(f"{app_url}/batch-norm")
    wait_for_app(tab)
    tab.get_by_role("heading", name="Batch normalization", exact=True).wait_for(timeout=30_000)
    tab.get_by_text("start from identical convolution and dense weights").wait_for(timeout=30_000)
    started = time.perf_counter()
    tab.get_by_role("button", name="Start").click()
    tab.get_by_text("Training · epoch").wait_for(timeout=30_000)
    tab.get_by_text("Finished · epoch 8 of 8").wait_for(timeout=120_000)
    finished_after = time.perf_counter() - started
    wait_for_app(tab)
    for text in ("Faster training?", "A regularizing effect?", "Stability? Block 2", "At learning rate 0.1"):
        tab.get_by_text(text).first.wait_for(timeout=30_000)
    tab.get_by_text("the model with batch norm after 360 training batches").first.wait_for(timeout=30_000)
    # Curves, layer statistics, the control's curves, its statistics (in a closed expander), the channel.
    tab.locator(".js-plotly-plot").last.wait_for(timeout=30_000)
    assert tab.locator(".js-plotly-plot").count() == 5
    assert tab.get_by_text("Traceback").count() == 0
    assert tab.get_by_role("button", name="Stop").is_disabled()
    print(f"default experiment finished {finished_after:.1f} s after Start")
    screenshot(tab, "batch-norm-tall")
    context.close()
