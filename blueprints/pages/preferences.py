"""The operator's display timezone, kept in a cookie (read by context.display_zone)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

import schedules
from blueprints.pages.context import display_zone
from blueprints.pages.forms import canonical_zone, known_zone, zone_choices, zone_error
from security import require_role

bp = Blueprint("preferences", __name__, url_prefix="/preferences")

COOKIE_MAX_AGE = 365 * 24 * 3600


def _render(selected: str, errors: dict, status: int = 200):
    zones = zone_choices(selected, display_zone().key, schedules.zones_in_use())
    return render_template("preferences.html", zones=zones, errors=errors), status


@bp.get("/")
def index():
    return _render(canonical_zone(display_zone().key), {})


@bp.post("/")
@require_role("viewer")
def save():
    zone = request.form.get("display_timezone", "")
    if not known_zone(zone):
        return _render(zone, {"display_timezone": zone_error(zone)}, 422)
    response = redirect(url_for("preferences.index"))
    response.set_cookie("display_tz", zone, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    flash(f"Times are now shown in {zone}.", "ok")
    return response
