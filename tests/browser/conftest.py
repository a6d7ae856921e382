"""Browser tests: Playwright driving Debian's Chromium against the app on a random local port.

Each test gets a fresh SQLite database (the `app` fixture), the app served by werkzeug in a
thread, and a browser page logged in through the real login form. Every page a test visits
can be saved with `shoot(page, name)` under test-artifacts/screenshots/ (git-ignored).
"""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.conftest import PASSWORDS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}
# Generous deadlines for actions, navigations and expect(): they bound waits for conditions, so a
# passing test is no slower, and a loaded 2-core CI machine (app, database and Chromium sharing
# it) may need more than Playwright's default 5 s for a poll to land.
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PAGE_POLL_INTERVAL_SECONDS": 1, "PAGE_IDLE_POLL_INTERVAL_SECONDS": 3,
            "RATELIMIT_ENABLED": False}


@pytest.fixture
def live_server(app, users):
    """The app served on 127.0.0.1 at a random port, in a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def log_in(page, base_url: str, role: str = "operator") -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("User name").fill(role)
    page.get_by_label("Password").fill(PASSWORDS[role])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


@pytest.fixture
def page(browser, live_server):
    """A logged-in operator's page (JavaScript on)."""
    context = browser.new_context(base_url=live_server, viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.on("dialog", lambda dialog: dialog.accept())
    log_in(tab, live_server)
    yield tab
    context.close()


@pytest.fixture
def no_js_page(browser, live_server):
    """A logged-in operator's page with JavaScript disabled."""
    context = browser.new_context(base_url=live_server, viewport=VIEWPORT, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    log_in(tab, live_server)
    yield tab
    context.close()


def shoot(page, name: str) -> None:
    """Save a full-page screenshot as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
