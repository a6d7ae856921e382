"""Machine groups: each with its VM count, schedule, concurrency limit and priority; create, edit, delete."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

import grouping
from blueprints.confirm import confirmation_page, confirmed
from blueprints.pages.forms import field_errors, form_integer, page_number
from domain_errors import DomainError, NotFound
from paging import page_count
from security import form_page
from schedules import schedules_by_name

bp = Blueprint("groups", __name__, url_prefix="/groups")

FIELDS = ("name", "description", "schedule_id", "max_concurrent_vms", "priority")
GROUPS_PER_PAGE = 50
LABELS = {"name": "Name", "description": "Description", "schedule_id": "Schedule",
          "max_concurrent_vms": "Concurrent VMs", "priority": "Priority", "rpo_minutes": "RPO"}


def _form_values(form) -> dict:
    values = {name: form.get(name, "") for name in FIELDS}
    values["description"] = values["description"] or None
    values["schedule_id"] = values["schedule_id"] or None
    for name in ("max_concurrent_vms", "priority"):
        values[name] = form_integer(values[name])
    raw = (form.get("rpo_minutes") or "").strip()
    values["rpo_minutes"] = form_integer(raw) if raw else None  # empty: no RPO
    return values


def _render_form(group, values: dict, errors: dict, status: int = 200):
    return render_template("groups/form.html", group=group, values=values, errors=errors,
                           schedules=schedules_by_name()), status


def _load(group_id: str):
    try:
        return grouping.get_group(group_id)
    except NotFound:
        abort(404, "No such machine group; it may have been deleted.")


@bp.get("/")
def index():
    total = grouping.count_groups()
    pages = page_count(total, GROUPS_PER_PAGE)
    page = min(page_number(request.args.get("page")), pages)
    summaries = grouping.list_groups(offset=(page - 1) * GROUPS_PER_PAGE, limit=GROUPS_PER_PAGE)
    return render_template("groups/index.html", summaries=summaries, page=page, pages=pages, total=total)


@bp.route("/new", methods=["GET", "POST"])
@form_page
def create():
    if request.method == "GET":
        return _render_form(None, {"name": "", "description": "", "schedule_id": "", "max_concurrent_vms": "5",
                                   "priority": "0", "rpo_minutes": ""}, {})
    values = _form_values(request.form)
    try:
        group = grouping.create_group(values, created_by=current_user.username)
    except DomainError as exc:
        return _render_form(None, values, field_errors(exc, LABELS), 422)
    flash(f"Group '{group.name}' created.", "ok")
    return redirect(url_for("groups.index") + f"#group-{group.id}")


@bp.route("/<group_id>/edit", methods=["GET", "POST"])
@form_page
def edit(group_id: str):
    group = _load(group_id)
    if request.method == "GET":
        values = grouping.group_to_dict(group)
        return _render_form(group, {**values, "description": values["description"] or "",
                                    "schedule_id": values["schedule_id"] or "",
                                    "rpo_minutes": values["rpo_minutes"] if values["rpo_minutes"] is not None else ""}, {})
    values = _form_values(request.form)
    try:
        group = grouping.update_group(group.id, values)
    except DomainError as exc:
        return _render_form(group, values, field_errors(exc, LABELS), 422)
    flash(f"Group '{group.name}' saved.", "ok")
    return redirect(url_for("groups.index") + f"#group-{group.id}")


@bp.post("/<group_id>/delete")
def delete(group_id: str):
    group = _load(group_id)
    if not confirmed():
        return confirmation_page(f"Delete group {group.name}?", url_for("groups.index"), button=f"Delete {group.name}")
    try:
        grouping.delete_group(group.id)
    except DomainError as exc:
        flash(f"Not deleted: {exc.message}", "error")
    else:
        flash(f"Group '{group.name}' deleted.", "ok")
    return redirect(url_for("groups.index"))
