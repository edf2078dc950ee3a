"""Debian's headless Chromium driven by selenium, for tests of web pages (the browser deploy
sample, the documentation site), and a quiet static file server on a loopback port.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import pathlib
import threading
from collections.abc import Iterator

import pytest

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


@contextlib.contextmanager
def static_server(root: pathlib.Path) -> Iterator[str]:
    """Serve the folder ``root`` over HTTP on a free loopback port; yields the base URL."""
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium(profile: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A selenium driver of the system's Chromium; fails the test with the install command when
    the browser, its driver or selenium is missing."""
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
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
