"""Phantom job detection: the four rules, each marking the job failed with its reason."""
import json
import re
from datetime import timedelta

import pytest
from werkzeug import Response

from appliance import VMAClient
from extensions import db
from models import ReplicationJob, utcnow
from scheduler.phantoms import REASONS, detect_phantoms
from tests.factories import make_replication_job, make_vm


@pytest.fixture
def vma(httpserver):
    """A VMA that knows the jobs listed in `known` and, like the real one, answers its own
    text/plain 404s for the others: "job not found" on /api/v1/progress/{id}
    (progress_handler.go:200) and "Job not found: {id}" on /api/v1/status/{job_id} (server.go:383)."""
    known = {}

    def answer(request):
        route, job_id = request.path.split("/")[-2:]
        if job_id in known:
            return Response(json.dumps(known[job_id]) + "\n", 200, content_type="application/json")
        text = "job not found" if route == "progress" else f"Job not found: {job_id}"
        return Response(text + "\n", 404, content_type="text/plain; charset=utf-8")
    httpserver.expect_request(re.compile(r"/api/v1/(progress|status)/[^/]+")).respond_with_handler(answer)
    client = VMAClient(httpserver.url_for(""), 0.5, 0.5)
    client.known = known
    return client


def job(status="replicating", progress=10.0, updated_minutes_ago=0, started_minutes_ago=5, **kw):
    now = utcnow()
    return make_replication_job(make_vm(), status=status, progress_percent=progress,
                                updated_at=now - timedelta(minutes=updated_minutes_ago),
                                started_at=now - timedelta(minutes=started_minutes_ago), **kw)


def state(job_row):
    db.session.expire_all()
    row = db.session.get(ReplicationJob, job_row.id)
    return row.status, row.error_message


def test_a_quiet_job_the_vma_does_not_know_is_marked_failed(app, vma):
    phantom = job(updated_minutes_ago=15)
    assert detect_phantoms(vma, utcnow()) == [(phantom.id, "vma_not_found")]
    assert state(phantom) == ("failed", REASONS["vma_not_found"])


def test_a_job_without_updates_for_two_hours_and_no_vma_data_is_marked_failed(app):
    unreachable = VMAClient("http://127.0.0.1:9", 0.2, 0.2)
    stale = job(updated_minutes_ago=121, started_minutes_ago=200)
    assert detect_phantoms(unreachable, utcnow()) == [(stale.id, "stale")]
    assert state(stale)[0] == "failed"


def test_a_job_replicating_at_zero_percent_for_thirty_minutes_is_marked_failed(app, vma):
    stuck = job(progress=0, updated_minutes_ago=1, started_minutes_ago=31)
    assert detect_phantoms(vma, utcnow()) == [(stuck.id, "zero_progress")]


def test_a_job_completed_below_one_hundred_percent_is_marked_inconsistent(app, vma):
    odd = job(status="completed", progress=42, completed_at=utcnow())
    assert detect_phantoms(vma, utcnow()) == [(odd.id, "inconsistent")]
    assert state(odd) == ("failed", REASONS["inconsistent"])


def test_healthy_jobs_are_left_alone(app, vma):
    progressing = job(updated_minutes_ago=1)
    known_quiet = job(updated_minutes_ago=30)
    vma.known[known_quiet.id] = {"status": "replicating", "progress": 30}
    finished = job(status="completed", progress=100, completed_at=utcnow())
    assert detect_phantoms(vma, utcnow()) == []
    assert [state(row)[0] for row in (progressing, known_quiet, finished)] == ["replicating", "replicating",
                                                                                "completed"]
