"""Browser tests: Playwright (Python) driving Debian's Chromium against a live server.

The live server is pytest-django's ``live_server`` (a real HTTP server on 127.0.0.1 in a thread of
the test process, serving static files), so the tests start it themselves. Playwright's sync API runs
an event loop in the test's thread; Django refuses database calls from a thread with a running loop
unless told the calls are synchronous on purpose, which they are here (and only here: the variable
is set for the browser tests alone, so nothing else in the run, such as the deploy check, sees it).
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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


@pytest.fixture(scope="module")
def browser(django_db_setup: None) -> Iterator[Any]:
    """Chromium for one module. The test database exists before Playwright's loop starts, and
    database calls are allowed beside the loop only while the module runs."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: make test installs Debian's chromium package")
    environment = pytest.MonkeyPatch()
    environment.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        environment.undo()


@pytest.fixture
def screenshots_dir(tmp_path: Path) -> Path:
    target = os.environ.get(SCREENSHOTS_ENV)
    path = Path(target) if target else tmp_path / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
