"""The live log of a job in a real browser: it shows and follows its newest line as lines are
added, stops following while the operator reads further up, and the keyboard can focus and
scroll it. The test writes log lines into `log_events` as the scheduler does."""
from playwright.sync_api import expect

from extensions import db
from models import LogEvent, utcnow
from tests.browser.conftest import shoot
from tests.factories import make_replication_job, make_vm
from tests.support.polling import eventually


def _add_lines(job_id: str, first: int, count: int) -> None:
    for number in range(first, first + count):
        db.session.add(LogEvent(external_job_id=job_id, level="INFO", message=f"Line number {number}", ts=utcnow()))
    db.session.commit()


def _pause(page):
    return lambda seconds: page.wait_for_timeout(seconds * 1000)


def _scroll(box) -> dict:
    return box.evaluate("b => ({top: b.scrollTop, bottom: b.scrollHeight - b.scrollTop - b.clientHeight,"
                        " scrollable: b.scrollHeight > b.clientHeight + 20})")


def test_the_log_follows_new_lines_until_scrolled_up_and_scrolls_with_the_keyboard(page):
    job = make_replication_job(make_vm("tail-01"), status="replicating", progress_percent=10)
    _add_lines(job.id, 1, 60)
    page.goto(f"/jobs/{job.id}")
    box = page.locator("#job-log-box")
    expect(box).to_contain_text("Line number 60")
    state = _scroll(box)
    assert state["scrollable"] and state["bottom"] < 8 and state["top"] > 0  # opened at the newest line

    _add_lines(job.id, 61, 5)
    expect(box).to_contain_text("Line number 65")
    eventually(lambda: _scroll(box)["bottom"] < 8, "the log to follow its tail", pause=_pause(page))
    shoot(page, "job-log-following")

    # The keyboard reaches the box and scrolls it: up to the first line.
    box.focus()
    assert page.evaluate("document.activeElement.getAttribute('role')") == "region"
    page.keyboard.press("Home")
    eventually(lambda: _scroll(box)["top"] == 0, "Home to scroll to the first line", pause=_pause(page))
    _add_lines(job.id, 66, 5)
    expect(box).to_contain_text("Line number 70")
    state = _scroll(box)
    assert state["top"] == 0 and state["bottom"] > 100  # the operator's place is kept

    # Back at the bottom (End), it follows again.
    page.locator("#job-log-box").focus()
    page.keyboard.press("End")
    eventually(lambda: _scroll(page.locator("#job-log-box"))["bottom"] < 8, "End to scroll to the newest line",
               pause=_pause(page))
    _add_lines(job.id, 71, 5)
    expect(page.locator("#job-log-box")).to_contain_text("Line number 75")
    eventually(lambda: _scroll(page.locator("#job-log-box"))["bottom"] < 8, "the log to follow again",
               pause=_pause(page))
    assert "Line number 75" in page.locator("#job-log-box li").last.inner_text()
