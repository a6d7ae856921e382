"""Job timeline (filters, live progress panels, 24 h chart) and job detail (steps, progress, log tail)."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, render_template, request, url_for

import jobs
from blueprints.pages import readers
from blueprints.pages.fragments import poll_interval, poll_response, render_fragment
from blueprints.pages.forms import field_errors, page_number
from blueprints.pages.timeline import build_timeline
from domain_errors import NotFound, ValidationError
from models import utcnow

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

WINDOWS = {"1h": 1, "24h": 24, "7d": 24 * 7, "30d": 24 * 30}
PER_PAGE = 25
ACTIVE_LIMIT = 50
TIMELINE_LIMIT = 100
LOG_TAIL_LINES = 100
LABELS = {"job_type": "Type", "status": "Status", "vm": "VM", "since": "Time"}


def _filters() -> dict[str, str]:
    args = request.args
    return {"job_type": args.get("job_type", ""), "status": args.get("status", ""), "vm": args.get("vm", "").strip(),
            "window": args.get("window", "24h")}


def _job_filter(filters: dict[str, str], statuses: str | None = None):
    now = utcnow()
    hours = WINDOWS.get(filters["window"])
    if filters["window"] not in WINDOWS and filters["window"] != "all":
        raise ValidationError("window", "must be one of the offered time ranges")
    return jobs.build_filter(job_type=filters["job_type"] or None, status=statuses or filters["status"] or None,
                             vm=filters["vm"] or None, since=now - timedelta(hours=hours) if hours else None)


def _list_fragments(filters: dict[str, str], page: int):
    """Active panels, 24 h chart and the filtered list; raises ValidationError for bad filters."""
    now = utcnow()
    listed = jobs.list_jobs(_job_filter(filters), per_page=PER_PAGE, page=page)
    active = jobs.list_jobs(_job_filter({**filters, "window": "all"}, statuses="pending,running"),
                            per_page=ACTIVE_LIMIT).items
    recent = jobs.list_jobs(jobs.build_filter(job_type=filters["job_type"] or None, vm=filters["vm"] or None,
                                              since=now - timedelta(hours=24)), per_page=TIMELINE_LIMIT).items
    timeline = build_timeline(recent, now)
    fragments = [
        render_fragment("jobs-active", "jobs/_active.html", tag="section", css_class="panel",
                        label="Running jobs", items=active),
        render_fragment("jobs-timeline", "jobs/_timeline.html", tag="section", css_class="panel",
                        label="Last 24 hours", timeline=timeline, shown=len(recent), limit=TIMELINE_LIMIT),
        render_fragment("jobs-list", "jobs/_list.html", tag="section", css_class="panel", label="Jobs",
                        listing=listed, filters=filters),
    ]
    return fragments, bool(active)


@bp.get("/")
def index():
    filters = _filters()
    page = page_number(request.args.get("page"))
    try:
        fragments, active = _list_fragments(filters, page)
    except ValidationError as exc:
        return render_template("jobs/index.html", filters=filters, fragments=[], errors=field_errors(exc, LABELS),
                               windows=WINDOWS, job_types=jobs.JOB_TYPES, statuses=jobs.UNIFIED_STATUSES,
                               poll_active=False), 422
    return render_template("jobs/index.html", filters=filters, fragments=fragments, errors={}, windows=WINDOWS,
                           job_types=jobs.JOB_TYPES, statuses=jobs.UNIFIED_STATUSES, poll_active=active,
                           poll_interval=poll_interval(), poll_url=url_for("jobs.poll", **request.args))


@bp.get("/poll")
def poll():
    try:
        fragments, active = _list_fragments(_filters(), page_number(request.args.get("page")))
    except ValidationError:
        return poll_response([], active=False)
    return poll_response(fragments, active=active)


def _detail_fragments(job_id: str):
    try:
        progress = jobs.job_progress(job_id)
    except NotFound:
        abort(404, "No job with this id.")
    log = readers.log_tail(progress["job"]["data_source"], progress["job_id"], LOG_TAIL_LINES)
    fragments = [
        render_fragment("job-progress", "jobs/_progress.html", tag="section", css_class="panel",
                        label="Progress", progress=progress),
        render_fragment("job-log", "jobs/_log.html", tag="section", css_class="panel", label="Log",
                        lines=log, limit=LOG_TAIL_LINES),
    ]
    return fragments, progress


@bp.get("/<path:job_id>/poll")
def detail_poll(job_id: str):
    fragments, progress = _detail_fragments(job_id)
    return poll_response(fragments, active=progress["is_active"])


@bp.get("/<path:job_id>")
def detail(job_id: str):
    fragments, progress = _detail_fragments(job_id)
    return render_template("jobs/detail.html", job=progress["job"], fragments=fragments,
                           poll_active=progress["is_active"], poll_interval=poll_interval(),
                           poll_url=url_for("jobs.detail_poll", job_id=job_id))
