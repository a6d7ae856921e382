"""Probes for orchestrators and monitoring: /healthz, /readyz, /metrics."""
from flask import Blueprint, jsonify

from security import public

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@public
def healthz():
    """The process is alive and serving requests."""
    return jsonify({"status": "ok"})
