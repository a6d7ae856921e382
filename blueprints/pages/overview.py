"""Overview page: running jobs, next scheduled runs, recent failures, scheduler health."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, url_for

import jobs
from blueprints.pages import readers
from blueprints.pages.fragments import poll_interval, poll_response, render_fragment
from models import utcnow

bp = Blueprint("overview", __name__)

RUNNING_LIMIT = 50
FAILURE_LIMIT = 10
FAILURE_WINDOW = timedelta(hours=24)


def _fragments():
    """The overview's panels, rendered for the first paint and for every poll alike."""
    now = utcnow()
    running = jobs.list_jobs(jobs.build_filter(status="pending,running"), per_page=RUNNING_LIMIT).items
    failures = jobs.list_jobs(jobs.build_filter(status="failed", since=now - FAILURE_WINDOW),
                              per_page=FAILURE_LIMIT).items
    health = readers.scheduler_health()
    fragments = [
        render_fragment("overview-running", "jobs/_active.html", css_class="panel", tag="section",
                        label="Running jobs", items=running),
        render_fragment("overview-health", "overview/_health.html", css_class="panel", tag="section",
                        label="Scheduler health", health=health),
        render_fragment("overview-next-runs", "overview/_next_runs.html", css_class="panel", tag="section",
                        label="Next scheduled runs", runs=(health or {}).get("next_fires", [])),
        render_fragment("overview-failures", "overview/_failures.html", css_class="panel", tag="section",
                        label="Recent failures", failures=failures),
    ]
    return fragments, bool(running)


@bp.get("/")
def index():
    fragments, active = _fragments()
    return render_template("overview/index.html", fragments=fragments, poll_active=active,
                           poll_url=url_for("overview.poll"), poll_interval=poll_interval())


@bp.get("/overview/poll")
def poll():
    fragments, active = _fragments()
    return poll_response(fragments, active=active)
