"""Overview page: running jobs, next scheduled runs, recent failures, scheduler health."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, url_for

import jobs
from blueprints.pages.fragments import Panel, minute_of, poll_context, poll_panels, render_panels
from jobs.failures import group_failures
from models import utcnow
from protection import read
from protection.assess import STATE_WORDS, STATES
from scheduler.health import banner_state, scheduler_status

bp = Blueprint("overview", __name__)

RUNNING_LIMIT = 50
FAILURE_LIMIT = 10
FAILURE_WINDOW = timedelta(hours=24)


def _panels():
    """The overview's panels with their states; the same panels serve the first paint and polls.

    One job fingerprint covers the running and failure panels; the scheduler panels follow the
    banner state and the minute (their relative times and next runs move with the clock).
    """
    now = utcnow()
    since = now - FAILURE_WINDOW
    fingerprint = jobs.jobs_fingerprint(since=since)
    minute = minute_of(now)
    jobs_state = f"{fingerprint.version}|{minute}"
    scheduler_state = f"{banner_state()}|{minute}"
    health = {}

    def scheduler_health():
        if "value" not in health:
            health["value"] = scheduler_status()
        return health["value"]

    panels = [
        # The leader's sweep keeps the states fresh (they move with jobs and the clock); the
        # overview only reads them.
        Panel("overview-protection", "overview/_protection.html", jobs_state,
              lambda: _protection_panel(now),
              label="Protection"),
        Panel("overview-running", "jobs/_active.html", jobs_state,
              lambda: {"items": jobs.list_jobs(jobs.build_filter(status="pending,running"),
                                               per_page=RUNNING_LIMIT).items},
              label="Running jobs"),
        Panel("overview-health", "overview/_health.html", scheduler_state,
              lambda: {"health": scheduler_health()}, label="Scheduler health"),
        Panel("overview-next-runs", "overview/_next_runs.html", scheduler_state,
              lambda: {"runs": scheduler_health()["next_fires"], "scheduler_state": scheduler_health()["state"],
                       "held_back": scheduler_health()["held_back_schedules"]},
              label="Next scheduled runs"),
        Panel("overview-failures", "overview/_failures.html", jobs_state,
              lambda: {"failures": group_failures(jobs.list_jobs(jobs.build_filter(status="failed", since=since),
                                                                 per_page=FAILURE_LIMIT).items)},
              label="Recent failures"),
    ]
    return panels, fingerprint.active


def _protection_panel(now) -> dict:
    worst, counts = read.worst_and_counts(5, now)
    # "Not assessed yet" needs to know, but only when no VM needs attention.
    assessed_at = True if worst else read.assessed_at()
    return {"counts": counts, "worst": worst, "words": STATE_WORDS, "states": STATES, "assessed_at": assessed_at}


@bp.get("/")
def index():
    panels, active = _panels()
    return render_template("overview/index.html", panels=render_panels(panels),
                           **poll_context(url_for("overview.poll"), active=active))


@bp.get("/overview/poll")
def poll():
    panels, active = _panels()
    return poll_panels(panels, active=active)
