"""The architecture page in a real browser: VGG16 by deep link, then editing a layer to break it."""

from tests.e2e.conftest import screenshot, wait_for_app


def open_page(tab, url: str) -> None:
    tab.goto(url)
    wait_for_app(tab)
    tab.get_by_role("heading", name="From layers to VGG16", exact=True).wait_for(timeout=30_000)


def test_vgg16_by_deep_link_shows_its_138_million_parameters_and_code(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 4400})
    tab = context.new_page()
    open_page(tab, f"{app_url}/architecture?net=vgg16")
    tab.get_by_text("138,357,544").first.wait_for(timeout=30_000)
    tab.get_by_text("15,470,264,320").first.wait_for(timeout=30_000)
    table = tab.locator("[data-testid='stTable']")
    table.get_by_text("212×212, jump 32").first.wait_for(timeout=30_000)
    assert table.get_by_text("102,764,544").count() == 1  # the first dense layer
    tab.locator(".js-plotly-plot").nth(1).wait_for(timeout=30_000)
    tab.get_by_text("The code for this view").click()  # the exported code sits in an expander
    tab.get_by_text("nn.Linear(25088, 4096)").wait_for(timeout=30_000)
    assert "net=vgg16" in tab.url and "layers=" not in tab.url  # an unedited preset keeps the link short
    assert tab.get_by_text("Traceback").count() == 0
    screenshot(tab, "architecture-vgg16-tall")
    context.close()


def test_editing_a_layer_flags_it_with_the_formula_and_updates_the_link(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 3200})
    tab = context.new_page()
    open_page(tab, f"{app_url}/architecture?net=flatten")
    tab.get_by_text("Embedding length: 4 × 9 × 5").wait_for(timeout=30_000)
    figure = tab.locator(".js-plotly-plot").nth(1)
    figure.wait_for(timeout=30_000)
    tab.get_by_text("the vector: 180 numbers").wait_for(timeout=30_000)
    assert "179" in figure.locator("text").all_text_contents()  # the last position, written in map 5
    screenshot(tab, "architecture-flatten-tall")

    box = tab.get_by_role("textbox", name="The network, one layer per line")
    box.fill("input 6 6 3\nconv 4 3\nconv 3 3\nconv 2 3\nflatten\ndense 2")
    box.press("Control+Enter")
    message = tab.locator("[data-testid='stAlert']").filter(has_text="cannot work here")
    message.wait_for(timeout=30_000)
    assert "(2 − 3 + 2·0) / 1 + 1 = 0" in message.inner_text()
    tab.get_by_text("not computed").first.wait_for(timeout=30_000)
    tab.wait_for_url("**layers=input*", timeout=30_000)
    assert tab.get_by_text("Traceback").count() == 0
    screenshot(tab, "architecture-impossible")
    context.close()
