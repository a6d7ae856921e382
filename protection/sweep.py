"""The protection sweep the scheduler's leader runs every `PROTECTION_SWEEP_SECONDS`: flag
overruns, then assess every VM's protection. Registered with the app by `register`; the
scheduler runs whatever maintenance the app registers, so it imports nothing from here."""
from __future__ import annotations

import logging

from flask import Flask

from extensions import db
from models import utcnow
from protection.assess import refresh
from protection.overruns import check_overruns

log = logging.getLogger(__name__)


def sweep() -> None:
    """Needs an app context; one step failing does not keep the other from running."""
    for step, name in ((check_overruns, "Overrun check"), (refresh, "Protection assessment")):
        try:
            step(utcnow())
        except Exception:
            db.session.rollback()
            log.exception("%s failed", name)


def register(app: Flask) -> None:
    seconds = float(app.config.get("PROTECTION_SWEEP_SECONDS") or 30)
    app.extensions.setdefault("scheduler_maintenance", []).append(("protection", sweep, seconds))
