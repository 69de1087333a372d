"""Browser tests: Playwright (Python) driving Debian's Chromium against a live server.

The live server is pytest-django's ``live_server`` (a real HTTP server on 127.0.0.1 in a thread of
the test process, serving static files), so the tests start it themselves. Playwright's sync API runs
an event loop in the test's thread; Django refuses database calls from a thread with a running loop
unless told the calls are synchronous on purpose, which they are here.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# `make screenshots` sets this to docs/screenshots; otherwise they go to a temporary folder.
SCREENSHOTS_ENV = "SCREENSHOTS_DIR"

DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: make test installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshots_dir(tmp_path: Path) -> Path:
    target = os.environ.get(SCREENSHOTS_ENV)
    path = Path(target) if target else tmp_path / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
