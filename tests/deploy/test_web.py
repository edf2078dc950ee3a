"""samples/deploy_web: served by a plain static HTTP server and opened in Debian's headless
Chromium (driven by selenium with the system chromedriver; nothing downloads a browser), the page
classifies the shipped test images like Python's ONNX Runtime and classifies a drawn stroke.
"""

from __future__ import annotations

import functools
import http.server
import json
import pathlib
import threading

import numpy as np
import pytest

from .tools import WEB_DIR, npm_ci

CHROMIUM = pathlib.Path("/usr/bin/chromium")
CHROMEDRIVER = pathlib.Path("/usr/bin/chromedriver")
INSTALL_BROWSER = "apt-get install -y chromium chromium-driver"
# Headless Chromium as root in a closed network: without these it hangs on background connections.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1300,1000",
)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


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
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser(tmp_path, monkeypatch):
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            pytest.fail(f"{path} is missing; install the browser with: {INSTALL_BROWSER}")
    try:
        from selenium import webdriver
    except ImportError:
        pytest.fail("selenium is missing; install the test extra: pip install -e '.[test]'")
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "1")  # selenium-manager must never download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    yield driver
    driver.quit()


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
