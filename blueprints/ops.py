"""Probes for orchestrators and monitoring: /healthz, /readyz, /metrics; and /favicon.ico.

All three are public: probes and Prometheus scrape without a session (the access guard accepts
bearer tokens only under /api/), and none of them carries a name, an id or a secret — only
states, counts and durations. Restrict them at the reverse proxy if the network calls for it.
"""
from flask import Blueprint, Response, current_app, jsonify, send_from_directory
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy.exc import SQLAlchemyError

from extensions import db
from policy.slots import active_blackouts
from scheduler import banner_state, scheduler_status
from scheduler.other_schedulers import other_scheduler_cached
from scheduler.metrics import REGISTRY
from security import public

bp = Blueprint("ops", __name__)


@bp.get("/favicon.ico")
@public
def favicon():
    """The page icon, for browsers and tools that ask for /favicon.ico whatever the page names."""
    response = send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)
    return response


@bp.get("/healthz")
@public
def healthz():
    """The process is alive and serving requests."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@public
def readyz():
    """Ready when the database answers and a scheduler leader is firing (503 otherwise)."""
    try:
        status = scheduler_status()
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    ready = status["state"] == "running" and status["other_scheduler"] is None
    body = {"status": "ready" if ready else "degraded", "database": "ok",
            "scheduler": {key: status[key] for key in ("state", "role", "heartbeat_age_seconds", "last_fire_at",
                                                        "lease_expires_in_seconds", "executions")},
            "leader_known": status["leader"] is not None,
            # Another scheduler (the OMA's own) fires the same schedules: every run may happen twice.
            "other_scheduler": status["other_scheduler"]}
    return jsonify(body), 200 if ready else 503


@bp.get("/metrics")
@public
def metrics():
    """Prometheus text format: scheduler counters of this process, job counts of the database."""
    return Response(generate_latest(REGISTRY), mimetype=CONTENT_TYPE_LATEST)


@bp.app_template_global()
def other_scheduler_banner():
    """For templates/_scheduler_banner.html: the other scheduler's latest run, or None."""
    try:
        return other_scheduler_cached()
    except SQLAlchemyError:
        db.session.rollback()
        return None


@bp.app_template_global()
def scheduler_banner_state():
    """For templates/_scheduler_banner.html: None, "stopped" or "stalled" (one indexed query)."""
    try:
        return banner_state()
    except SQLAlchemyError:
        db.session.rollback()
        return "unknown"


@bp.app_template_global()
def blackout_banner():
    """For templates/_scheduler_banner.html: the blackouts in force now (read at most every few
    seconds per process, see policy.slots.blackouts_between)."""
    try:
        return active_blackouts()
    except SQLAlchemyError:
        db.session.rollback()
        return []
