"""The activation-maximisation scenario, chosen while another network is shown: the scenario's
network change used to redraw that network's layers meanwhile, and the maximisation then ran on
the first layer's channel 0 instead of the scenario's second-block channel 32."""
from tests.e2e.test_train_e2e import wait_text


def test_maximize_scenario_runs_on_its_own_layer_and_channel(open_app):
    page, _ = open_app("en-US")
    page.click("#tab-filters-button")
    page.locator("#filters-net").get_by_text("EfficientNet-Lite0 (ImageNet)").click()  # another network first
    wait_text(page, "#filters-stages", "MBConv", timeout=60_000)
    page.locator("#filters-preset input").click()
    page.get_by_role("option", name="What does a filter look for?").click()
    wait_text(page, "#filters-mx-status", "step 96/96", timeout=120_000)
    status = page.locator("#filters-mx-status").inner_text()
    assert "channel 32" in status and "act2" in status, status
