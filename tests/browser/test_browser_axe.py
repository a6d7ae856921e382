"""The axe-core check itself: it runs under the app's Content-Security-Policy, reports what it
finds in words a developer can act on, and fails (never skips) when axe-core is not installed."""
import pytest

from tests.browser import conftest
from tests.browser.conftest import check_axe, describe_axe_violations


def test_axe_reports_a_button_whose_visible_text_is_not_in_its_name(page):
    page.goto("/")
    assert check_axe(page) == []
    page.evaluate("""() => {
        const button = document.createElement('button');
        button.textContent = 'Run now';
        button.setAttribute('aria-label', 'Start the nightly schedule');
        document.querySelector('main').append(button);
    }""")
    violations = check_axe(page)
    assert [v["id"] for v in violations] == ["label-content-name-mismatch"]
    message = describe_axe_violations(violations, "overview")
    assert "label-content-name-mismatch (serious)" in message and 'aria-label="Start the nightly schedule"' in message


def test_a_missing_axe_core_fails_the_test_and_says_to_run_make_test(monkeypatch, tmp_path):
    monkeypatch.setattr(conftest, "AXE_JS", tmp_path / "node_modules" / "axe-core" / "axe.min.js")
    monkeypatch.setattr(conftest, "ROOT", tmp_path)
    with pytest.raises(pytest.fail.Exception, match="run make test"):
        conftest.axe_source()
