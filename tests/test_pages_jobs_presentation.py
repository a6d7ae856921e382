"""How the Jobs pages present jobs: every status word has a colour, a failed job's bar is red,
and the timeline's links are a list outside its drawing."""
import re
from pathlib import Path

from models import utcnow
from models.appliance import (ACTIVE_REPLICATION_STATUSES, EXECUTION_STATUSES, FAILOVER_STATUSES, JOBLOG_STATUSES,
                              STEP_STATUSES, TERMINAL_REPLICATION_STATUSES, VM_STATUSES)
from scheduler.outcomes import STATES
from tests.factories import make_operation, make_replication_job, make_vm

CSS_FILE = Path(__file__).resolve().parents[1] / "static" / "css" / "app.css"
CSS = re.sub(r"/\*.*?\*/", "", CSS_FILE.read_text(), flags=re.S)  # comments out


def _coloured(selector: str) -> bool:
    """Whether some rule whose selector list names `selector` sets a colour or a fill."""
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", CSS):
        if selector in [part.strip() for part in selectors.split(",")] and re.search(r"\b(color|fill)\s*:", body):
            return True
    return False


def test_every_status_word_the_pages_show_has_a_colour():
    words = set(VM_STATUSES + FAILOVER_STATUSES + EXECUTION_STATUSES + JOBLOG_STATUSES + STEP_STATUSES
                + ACTIVE_REPLICATION_STATUSES + TERMINAL_REPLICATION_STATUSES + STATES)
    missing = sorted(word for word in words if not _coloured(f".status-{word}"))
    assert missing == []


def test_a_failed_or_cancelled_jobs_bar_is_not_the_running_colour(client):
    assert _coloured(".progress-failed .progress-fill") and _coloured(".progress-cancelled .progress-fill")
    job = make_replication_job(make_vm("bar-1"), status="failed", progress_percent=40, error_message="timeout")
    assert 'class="row progress-row progress-failed"' in client.get(f"/jobs/{job.id}").get_data(as_text=True)


def test_the_timeline_drawing_holds_no_link_a_keyboard_reaches_and_the_list_links_every_job(client):
    jobs = [make_replication_job(make_vm(f"tl-{n}"), status="replicating") for n in range(3)]
    jobs.append(make_operation(make_vm("tl-op"), kind="test", status="running", started_at=utcnow()))
    page = client.get("/jobs/").get_data(as_text=True)
    panel = page.split('id="jobs-timeline"')[1].split("</section>")[0]
    drawing = panel.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' not in panel and 'aria-hidden="true"' in drawing.split(">", 1)[0]
    assert all('tabindex="-1"' in link for link in re.findall(r"<a [^>]*>", drawing))
    listing = panel.split("</svg>", 1)[1]
    for job in jobs:
        assert f'href="/jobs/{job.id}"' in listing
