"""The operator's display timezone, kept in a cookie (read by context.display_zone)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from blueprints.pages.context import display_zone
from blueprints.pages.forms import zone_names
from security import require_role

bp = Blueprint("preferences", __name__, url_prefix="/preferences")

COOKIE_MAX_AGE = 365 * 24 * 3600


@bp.get("/")
def index():
    return render_template("preferences.html", zones=zone_names(), current=display_zone().key, errors={})


@bp.post("/")
@require_role("viewer")
def save():
    zone = request.form.get("display_timezone", "")
    if zone not in zone_names():
        return render_template("preferences.html", zones=zone_names(), current=zone,
                               errors={"display_timezone": "Choose a timezone from the list."}), 422
    response = redirect(url_for("preferences.index"))
    response.set_cookie("display_tz", zone, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    flash(f"Times are now shown in {zone}.", "ok")
    return response
