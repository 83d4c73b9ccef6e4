"""Headless Chromium driven by Selenium, for the viewer's browser tests and its benchmark.

Debian's ``chromium`` and ``chromium-driver`` (``./run_tests.sh`` installs them when they
are missing) and the ``selenium`` wheel (the test extra). The driver is named by its path,
so Selenium never looks for one to download. The browser is kept off the network: every
request that is not to loopback goes to a closed local port, and its background services
(updates, sync, safe browsing, metrics) are off.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("LLMGINE_TEST_ARTIFACTS", ROOT / "test-artifacts"))
"""Where browser tests leave screenshots (git-ignored)."""

_FLAGS = (
    "--headless=new",
    "--no-sandbox",  # tests run as root in CI
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication",
    "--metrics-recording-only",
    "--no-pings",
    "--dns-prefetch-disable",
    "--proxy-server=http://127.0.0.1:9",  # anything not on loopback goes nowhere
    "--lang=en-US",
)


def missing() -> str | None:
    """Why the browser tests cannot run here, or ``None`` when they can."""
    absent = [name for name in ("chromium", "chromedriver") if shutil.which(name) is None]
    if absent:
        return (
            f"{' and '.join(absent)} not found: install Debian's chromium and chromium-driver "
            "(./run_tests.sh does: apt-get install -y chromium chromium-driver)"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: pip install -e '.[test]'"
    return None


def start_browser(width: int = 1400, height: int = 900) -> WebDriver:
    """A headless Chromium with its window at ``width`` x ``height``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_AVOID_STATS", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in (*_FLAGS, f"--window-size={width},{height}"):
        options.add_argument(flag)
    service = Service(executable_path=shutil.which("chromedriver") or "chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver
