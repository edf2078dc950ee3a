"""samples/deploy_web: served by a plain static HTTP server and opened in Debian's headless
Chromium (driven by selenium with the system chromedriver; nothing downloads a browser), the page
classifies the shipped test images like Python's ONNX Runtime and classifies a drawn stroke.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from ..browser import chromium, static_server
from .tools import WEB_DIR, npm_ci


@pytest.fixture
def site(tmp_path, digits_model):
    """A static server whose root holds the page (``/deploy_web/``) and the exported model
    (``/model/``), as a user serving the project would have them.
    """
    npm_ci(WEB_DIR)
    root = tmp_path / "site"
    root.mkdir()
    (root / "deploy_web").symlink_to(WEB_DIR)
    (root / "model").symlink_to(digits_model)
    with static_server(root) as url:
        yield url


@pytest.fixture
def browser(tmp_path, monkeypatch):
    with chromium(tmp_path / "profile", monkeypatch) as driver:
        yield driver


def wait_until_loaded(driver) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    body = driver.find_element("tag name", "body")
    WebDriverWait(driver, 60).until(lambda _: body.get_attribute("data-state") != "loading")
    status = driver.find_element("id", "status").text
    assert body.get_attribute("data-state") == "ready", f"page failed: {status}"


def draw_stroke(driver) -> None:
    """A one-like stroke down the pad, through real pointer (mouse) input."""
    from selenium.webdriver.common.action_chains import ActionChains

    pad = driver.find_element("id", "pad")
    actions = ActionChains(driver).move_to_element_with_offset(pad, 10, -80).click_and_hold()
    for _ in range(8):
        actions.move_by_offset(-3, 20)
    actions.release().perform()


def test_page_classifies_test_images_and_a_drawing(site, browser, python_predictions, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{site}/deploy_web/?model=/model/digits.onnx")
    wait_until_loaded(browser)
    figures = browser.find_elements("css selector", "#test-images figure")
    assert len(figures) == len(python_predictions["predicted"])
    predicted = [int(f.get_attribute("data-predicted")) for f in figures]
    probabilities = [json.loads(f.get_attribute("data-probabilities")) for f in figures]
    np.testing.assert_array_equal(predicted, python_predictions["predicted"])
    np.testing.assert_allclose(
        probabilities, python_predictions["probabilities"], rtol=0, atol=1e-5
    )

    prediction = browser.find_element("id", "prediction")
    assert prediction.get_attribute("data-predicted") is None
    draw_stroke(browser)
    WebDriverWait(browser, 20).until(lambda _: prediction.get_attribute("data-predicted"))
    assert int(prediction.get_attribute("data-predicted")) in range(10)
    assert prediction.text.startswith("Prediction: ")
    bars = browser.find_elements("css selector", "#bars li")
    assert len(bars) == 10
    assert len(browser.find_elements("css selector", "#bars li.top")) == 1
    screenshot = tmp_path / "deploy_web.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
