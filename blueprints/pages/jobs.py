"""Job timeline (filters, live progress panels, 24 h chart) and job detail (steps, progress, log tail)."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, render_template, request, url_for

import jobs
from blueprints.pages.fragments import (Panel, by_id, minute_of, poll_context, poll_panels, poll_response,
                                        render_fragment, render_panels)
from blueprints.pages.forms import field_errors, page_number
from blueprints.pages.timeline import build_timeline
from domain_errors import NotFound, ValidationError
from models import JOBLOG_ACTIVE_STATUSES, utcnow

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

WINDOWS = {"1h": 1, "24h": 24, "7d": 24 * 7, "30d": 24 * 30}
PER_PAGE = 25
ACTIVE_LIMIT = 50
TIMELINE_LIMIT = 100
LOG_TAIL_LINES = 100
LABELS = {"job_type": "Type", "status": "Status", "vm": "VM", "since": "Time", "window": "Started"}


def _filters() -> dict[str, str]:
    args = request.args
    return {"job_type": args.get("job_type", ""), "status": args.get("status", ""), "vm": args.get("vm", "").strip(),
            "window": args.get("window", "24h")}


def _job_filter(filters: dict[str, str], now):
    hours = WINDOWS.get(filters["window"])
    if filters["window"] not in WINDOWS and filters["window"] != "all":
        raise ValidationError("window", "must be one of the offered time ranges")
    return jobs.build_filter(job_type=filters["job_type"] or None, status=filters["status"] or None,
                             vm=filters["vm"] or None, since=now - timedelta(hours=hours) if hours else None)


def _list_panels(filters: dict[str, str], page: int):
    """Active panels, 24 h chart and the filtered list; raises ValidationError for bad filters.

    One fingerprint of the jobs the filters can show (finished ones since the earlier of the
    window's start and 24 h ago) is the state of all three panels. With the default filters the
    list's first pages are the newest jobs of the chart, which are then read once.
    """
    now = utcnow()
    listing_filter = _job_filter(filters, now)
    day_ago = now - timedelta(hours=24)
    scope = {"job_types": listing_filter.job_types, "context_ids": listing_filter.context_ids}
    chart_filter = jobs.JobFilter(**scope, since=day_ago)
    since = None if listing_filter.since is None else min(listing_filter.since, day_ago)
    fingerprint = jobs.jobs_fingerprint(jobs.JobFilter(**scope), since=since)
    state = f"{fingerprint.version}|{minute_of(now)}"
    loaded = {}

    def recent():
        if "recent" not in loaded:
            loaded["recent"] = jobs.list_jobs(chart_filter, per_page=TIMELINE_LIMIT).items
        return loaded["recent"]

    def listing():
        if listing_filter == chart_filter and page * PER_PAGE <= TIMELINE_LIMIT:
            items = recent()[(page - 1) * PER_PAGE:page * PER_PAGE]
            return jobs.JobPage(items, PER_PAGE, page=page, total=jobs.count_jobs(listing_filter))
        return jobs.list_jobs(listing_filter, per_page=PER_PAGE, page=page)

    panels = [
        Panel("jobs-active", "jobs/_active.html", state,
              lambda: {"items": jobs.list_jobs(jobs.JobFilter(**scope, statuses=JOBLOG_ACTIVE_STATUSES),
                                               per_page=ACTIVE_LIMIT).items,
                       "filtered": bool(filters["job_type"] or filters["vm"])},
              label="Running jobs"),
        Panel("jobs-timeline", "jobs/_timeline.html", state,
              lambda: {"timeline": build_timeline(recent(), now), "shown": len(recent()), "limit": TIMELINE_LIMIT},
              label="Last 24 hours"),
        Panel("jobs-list", "jobs/_list.html", f"{state}|{sorted(filters.items())}|{page}",
              lambda: {"listing": listing(), "filters": filters}, label="Jobs"),
    ]
    return panels, fingerprint.active


@bp.get("/")
def index():
    filters = _filters()
    page = page_number(request.args.get("page"))
    try:
        panels, active = _list_panels(filters, page)
        rendered = render_panels(panels)
    except ValidationError as exc:
        return render_template("jobs/index.html", filters=filters, panels={}, errors=field_errors(exc, LABELS),
                               windows=WINDOWS, job_types=jobs.JOB_TYPES, statuses=jobs.UNIFIED_STATUSES), 422
    return render_template("jobs/index.html", filters=filters, panels=rendered, errors={}, windows=WINDOWS,
                           job_types=jobs.JOB_TYPES, statuses=jobs.UNIFIED_STATUSES,
                           **poll_context(url_for("jobs.poll", **request.args), active=active))


@bp.get("/poll")
def poll():
    try:
        panels, active = _list_panels(_filters(), page_number(request.args.get("page")))
    except ValidationError:
        return poll_response([], active=False)
    return poll_panels(panels, active=active)


def _detail_fragments(job_id: str):
    try:
        progress = jobs.job_progress(job_id)
    except NotFound:
        abort(404, "No job with this id.")
    ref = jobs.JobRef(progress["job"]["data_source"], progress["job_id"], progress["job"]["matched_by"])
    log = jobs.job_logs(progress["job_id"], limit=LOG_TAIL_LINES, tail=True, ref=ref)["logs"]
    fragments = [
        render_fragment("job-progress", "jobs/_progress.html", label="Progress", progress=progress),
        render_fragment("job-log", "jobs/_log.html", label="Log", lines=log, limit=LOG_TAIL_LINES,
                        active=progress["is_active"]),
    ]
    return fragments, progress


@bp.get("/<path:job_id>/poll")
def detail_poll(job_id: str):
    fragments, progress = _detail_fragments(job_id)
    return poll_response(fragments, active=progress["is_active"], finished=not progress["is_active"])


@bp.get("/<path:job_id>")
def detail(job_id: str):
    fragments, progress = _detail_fragments(job_id)
    return render_template("jobs/detail.html", job=progress["job"], panels=by_id(fragments),
                           **poll_context(url_for("jobs.detail_poll", job_id=job_id), active=progress["is_active"],
                                          finished=not progress["is_active"]))
