"""Browser tests: Playwright driving Debian's Chromium against the app on a random local port.

Each test gets a fresh SQLite database (the `app` fixture), the app served by werkzeug in a
thread, and a browser page logged in through the real login form. Every page a test visits
can be saved with `shoot(page, name)` under test-artifacts/screenshots/ (git-ignored), at 1280
and at 800 px wide; `shoot` also runs axe-core on the page (`check_axe`) and fails the test on a
serious or critical accessibility violation. axe-core comes from the npm registry
(package.json, installed into node_modules/ by `make test`).
"""
from __future__ import annotations

import threading
import weakref
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.conftest import PASSWORDS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: Impacts that fail a test (axe also reports "minor" and "moderate").
AXE_FAILING_IMPACTS = ("serious", "critical")
VIEWPORT = {"width": 1280, "height": 900}
NARROW_WIDTH = 800
#: Pages with JavaScript off: axe-core cannot run in them (their markup is the one the same
#: pages show with JavaScript on, which the other tests check).
NO_SCRIPT_PAGES: "weakref.WeakSet" = weakref.WeakSet()
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


def logged_in(browser, live_server, role: str = "operator", javascript: bool = True):
    """(context, page) of a user logged in with `role`, JavaScript on or off; confirmation
    dialogs are accepted. Close the context when done."""
    context = browser.new_context(base_url=live_server, viewport=VIEWPORT, java_script_enabled=javascript)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.on("dialog", lambda dialog: dialog.accept())
    log_in(tab, live_server, role)
    return context, tab


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
    NO_SCRIPT_PAGES.add(tab)
    log_in(tab, live_server)
    yield tab
    context.close()


def shoot(page, name: str, *, axe: bool = True) -> None:
    """Save full-page screenshots as test-artifacts/screenshots/<name>.png (at the page's width,
    1280 px) and <name>-800.png, then fail on any serious or critical axe violation of the page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    size = page.viewport_size or VIEWPORT
    page.set_viewport_size({"width": NARROW_WIDTH, "height": size["height"]})
    try:
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{NARROW_WIDTH}.png"), full_page=True)
    finally:
        page.set_viewport_size(size)
    if axe and page not in NO_SCRIPT_PAGES:
        assert_no_axe_violations(page, name)


def axe_source() -> str:
    """axe-core's script as `make test` installed it; a missing copy fails the test, never skips it."""
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core is missing ({AXE_JS.relative_to(ROOT)}): run make test "
                    "(it installs axe-core from the npm registry with `npm ci`)", pytrace=False)
    return AXE_JS.read_text()


def check_axe(page) -> list[dict]:
    """axe-core's serious and critical violations of the page as it is now (each with the nodes
    it found them on)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the page's Content-Security-Policy (script-src
        # 'self') would refuse a <script> tag the test added, and must stay on for the test.
        page.evaluate(f"() => {{ {axe_source()}\n}}")
    violations = page.evaluate("""async () => {
        const results = await window.axe.run(document, {resultTypes: ['violations']});
        return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                                      summary: n.failureSummary}))}));
    }""")
    return [v for v in violations if v["impact"] in AXE_FAILING_IMPACTS]


def describe_axe_violations(violations: list[dict], where: str) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{where}: {violation['id']} ({violation['impact']}): {violation['help']} "
                     f"<{violation['helpUrl']}>")
        for node in violation["nodes"][:8]:
            lines.append(f"    at {node['target']}: {node['html']}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    … and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


def assert_no_axe_violations(page, where: str) -> None:
    violations = check_axe(page)
    assert not violations, (f"axe-core: serious or critical violations on {page.url}\n"
                            + describe_axe_violations(violations, where))
