"""VM assignment board: ungrouped VMs and every group as columns.

Dragging a card posts one move (`move`), answered with the re-rendered board: the server's
answer is the truth, so a refused move snaps back and shows why. The same changes are plain
form posts without JavaScript: select VMs and a group and assign (`assign`), or move a VM up or
down inside its group (`reorder`).
"""
from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

import grouping
from domain_errors import DomainError, ValidationError

bp = Blueprint("assignment", __name__, url_prefix="/assignment")


def _search() -> str:
    return (request.values.get("q") or "").strip()[:100]


def _board(message: str | None = None, error: str | None = None, status: int = 200):
    return render_template("assignment/_board.html", board=grouping.assignment_board(_search() or None),
                           q=_search(), message=message, error=error), status


@bp.get("/")
def index():
    return render_template("assignment/index.html", board=grouping.assignment_board(_search() or None),
                           q=_search(), message=None, error=None)


def _move(context_id: str, group_id: str | None, order: list[str] | None) -> str:
    """Apply one drag: a reorder within a group when the VM stays, else an assign/move/ungroup."""
    if order is not None and group_id is not None:
        current = {row.vm.context_id for row in grouping.group_members(group_id)}
        if context_id in current:
            grouping.reorder_members(group_id, order)
            return "New order saved."
    result = grouping.set_vm_group(context_id, group_id, added_by=current_user.username)
    if result.unchanged:
        return "Nothing changed."
    return "Moved to the group." if group_id else "Removed from its group."


@bp.post("/move")
def move():
    """One drag-and-drop move (htmx): answers with the board as the server now sees it."""
    context_id = request.form.get("vm_context_id", "")
    group_id = request.form.get("group_id") or None
    try:
        order = json.loads(request.form["order"]) if request.form.get("order") else None
        if order is not None and not isinstance(order, list):
            raise ValueError
    except ValueError:
        return _board(error="The new order could not be read; the board shows the saved order.", status=422)
    try:
        message = _move(context_id, group_id, order)
    except DomainError as exc:
        return _board(error=f"Not moved: {exc.message}", status=409)
    return _board(message=message)


@bp.post("/assign")
def assign():
    """Select-and-assign (bulk and keyboard alternative): VMs go to the chosen group or out of groups."""
    context_ids = request.form.getlist("vm_context_ids")
    target = request.form.get("group_id", "")
    back = url_for("assignment.index", q=_search() or None)
    try:
        if not context_ids:
            raise ValidationError("vm_context_ids", "Select at least one VM.")
        if target == "":
            raise ValidationError("group_id", "Choose where the selected VMs go.")
        if target == "ungrouped":
            for context_id in context_ids:
                grouping.set_vm_group(context_id, None)
            flash(f"{len(context_ids)} VM(s) removed from their groups.", "ok")
        else:
            result = grouping.assign_vms(target, context_ids, added_by=current_user.username)
            flash(f"{len(result.added) + len(result.moved)} VM(s) assigned to the group"
                  f"{f', {len(result.unchanged)} already there' if result.unchanged else ''}.", "ok")
    except DomainError as exc:
        flash(f"Not assigned: {exc.errors[exc.field] if isinstance(exc, ValidationError) else exc.message}", "error")
    return redirect(back)


@bp.post("/groups/<group_id>/reorder")
def reorder(group_id: str):
    """Move one VM up or down in its group's priority order (no-JavaScript alternative to dragging)."""
    context_id, _, direction = request.form.get("move", "").partition(":")
    back = url_for("assignment.index", q=_search() or None)
    try:
        order = [row.vm.context_id for row in grouping.group_members(group_id)]
        if context_id not in order or direction not in ("up", "down"):
            raise ValidationError("move", "That VM is not in this group any more; the board has been reloaded.")
        index = order.index(context_id)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(order):
            order[index], order[other] = order[other], order[index]
            grouping.reorder_members(group_id, order)
            flash("New order saved.", "ok")
    except DomainError as exc:
        flash(f"Not moved: {exc.errors[exc.field] if isinstance(exc, ValidationError) else exc.message}", "error")
    return redirect(back)
