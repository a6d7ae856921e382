"""Protection: every VM against its RPO (worst first, filter by state), and the blackouts
(operators create and delete them with plain form posts)."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from blueprints.confirm import confirmation_page, confirmed
from blueprints.pages.context import display_zone
from blueprints.pages.forms import field_errors, page_number
from domain_errors import DomainError, NotFound
from grouping import group_names
from protection import manage, read
from protection.assess import STATE_WORDS, STATES
from security import require_role

bp = Blueprint("protection", __name__, url_prefix="/protection")

LABELS = {"reason": "Reason", "start": "Start", "end": "End", "group_ids": "Groups"}


def _local_instant(raw: str | None) -> str | None:
    """A `datetime-local` value in the operator's display zone, as an ISO instant; ISO with an
    offset passes as it is; anything else is left for the domain to refuse by name."""
    if not raw:
        return raw
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        return raw
    if value.tzinfo is None:
        value = value.replace(tzinfo=display_zone())
    return value.isoformat()


def _page(form: dict | None = None, errors: dict | None = None, status: int = 200):
    state = request.args.get("state") or None
    if state not in STATES:
        state = None
    read.ensure_fresh()
    found = read.protection_page(state=state, page=page_number(request.args.get("page")), per_page=50)
    return render_template("protection/index.html", page=found, state=state, states=STATES, words=STATE_WORDS,
                           counts=read.summary_counts(), blackouts=manage.list_blackouts().items,
                           groups=group_names(), form=form or {}, errors=errors or {}), status


@bp.get("/")
def index():
    return _page()


@bp.post("/blackouts")
@require_role("operator")
def create_blackout():
    form = {"reason": request.form.get("reason", ""), "start": request.form.get("start", ""),
            "end": request.form.get("end", ""), "group_ids": request.form.getlist("group_ids")}
    data = {"reason": form["reason"], "start": _local_instant(form["start"]), "end": _local_instant(form["end"]),
            "group_ids": [g for g in form["group_ids"] if g] or None}
    try:
        row = manage.create_blackout(data, created_by=current_user.username)
    except DomainError as exc:
        return _page(form, field_errors(exc, LABELS), 400)
    flash(f"Blackout '{row.reason}' saved: no slot of the groups it covers starts inside it.", "success")
    return redirect(url_for("protection.index"))


@bp.post("/blackouts/<blackout_id>/delete")
@require_role("operator")
def delete_blackout(blackout_id: str):
    try:
        row = manage.get_blackout(blackout_id)
    except NotFound:
        flash("No such blackout; it may have been deleted already.", "error")
        return redirect(url_for("protection.index"))
    if not confirmed():
        return confirmation_page(f"Delete the blackout '{row.reason}'?", url_for("protection.index"),
                                 "Delete blackout", "Slots it would have held back run again.")
    manage.delete_blackout(blackout_id)
    flash(f"Blackout '{row.reason}' deleted.", "success")
    return redirect(url_for("protection.index"))
