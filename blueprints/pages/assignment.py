"""VM assignment board: ungrouped VMs and every group as columns.

Dragging a card posts one move (`move`), answered with the re-rendered board: the server's
answer is the truth, so a refused move snaps back and shows why. The same changes are plain
form posts without JavaScript: select VMs and a group and assign (`assign`), or move a VM up or
down inside its group (`reorder`).
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from protection import read
from flask_login import current_user

import grouping
from blueprints.pages.forms import page_number
from domain_errors import DomainError, ValidationError

bp = Blueprint("assignment", __name__, url_prefix="/assignment")


GROUPS_PER_PAGE = 12
COLUMN_LIMIT = 10
UNGROUPED_PER_PAGE = 40


def _search() -> str:
    return (request.values.get("q") or "").strip()[:100]


def _view() -> dict:
    """Which part of the board is shown: filter, page of group columns, expanded column, ungrouped page."""
    return {"q": _search(), "gpage": page_number(request.values.get("gpage")),
            "upage": page_number(request.values.get("upage")), "expand": request.values.get("expand") or ""}


def _load_board(view: dict):
    return grouping.assignment_board(view["q"] or None, groups_page=view["gpage"], groups_per_page=GROUPS_PER_PAGE,
                                     column_limit=COLUMN_LIMIT, expanded=view["expand"] or None,
                                     ungrouped_page=view["upage"], ungrouped_per_page=UNGROUPED_PER_PAGE)


def _view_url(view: dict, **changes) -> str:
    """The board's address for this view with some of it changed (defaults left out)."""
    merged = {**view, **changes}
    return url_for("assignment.index", **{key: value for key, value in merged.items()
                                          if value and not (key in ("gpage", "upage") and value == 1)})


def _back_url(card: str | None = None) -> str:
    """The board as it was shown; with `card`, anchored to that VM's card (focus comes back to it)."""
    url = _view_url(_view())
    return f"{url}#vm-card-{card}" if card else url


def _render(template: str, message: str | None = None, error: str | None = None):
    view = _view()
    board = _load_board(view)
    shown = [vm.context_id for vm in board.ungrouped] + [row.vm.context_id for rows in board.members.values()
                                                          for row in rows]
    return render_template(template, board=board, view=view, q=view["q"], message=message, error=error,
                           board_url=lambda **changes: _view_url(view, **changes),
                           protection=read.states_for(shown))


def _board(message: str | None = None, error: str | None = None, status: int = 200):
    return _render("assignment/_board.html", message, error), status


@bp.get("/")
def index():
    return _render("assignment/index.html")


def _move(context_id: str, group_id: str | None, after: str | None, before: str | None) -> str:
    """Apply one drag: a new place within a group when the VM stays, else an assign/move/ungroup.

    The drop names the cards it landed between (`after`, `before`), so a column that shows only
    its first VMs still reorders correctly.
    """
    if group_id is not None and grouping.vm_group_id(context_id) == group_id:
        grouping.place_member(group_id, context_id, after=after, before=before)
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
        message = _move(context_id, group_id, request.form.get("after") or None, request.form.get("before") or None)
    except DomainError as exc:
        return _board(error=f"Not moved: {exc.message}", status=409)
    return _board(message=message)


@bp.post("/assign")
def assign():
    """Select-and-assign (bulk and keyboard alternative): VMs go to the chosen group or out of groups."""
    context_ids = request.form.getlist("vm_context_ids")
    target = request.form.get("group_id", "")
    back = _back_url()
    try:
        if not context_ids:
            raise ValidationError("vm_context_ids", "Select at least one VM.")
        if target == "":
            raise ValidationError("group_id", "Choose where the selected VMs go.")
        if target == "ungrouped":
            result = grouping.ungroup_vms(context_ids)
            flash(f"{len(result.removed)} VM(s) removed from their groups"
                  f"{f', {len(result.unchanged)} were in none' if result.unchanged else ''}.", "ok")
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
    back = _back_url(context_id or None)
    message, error = None, None
    try:
        order = [row.vm.context_id for row in grouping.group_members(group_id)]
        if context_id not in order or direction not in ("up", "down"):
            raise ValidationError("move", "That VM is not in this group any more; the board has been reloaded.")
        index = order.index(context_id)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(order):
            order[index], order[other] = order[other], order[index]
            grouping.reorder_members(group_id, order)
            message = "New order saved."
    except DomainError as exc:
        error = f"Not moved: {exc.errors[exc.field] if isinstance(exc, ValidationError) else exc.message}"
    if request.headers.get("HX-Request"):
        # The keyboard's Alt+↑/↓ with JavaScript: the board as it now is, like a drop.
        return _board(message=message, error=error, status=409 if error else 200)
    if message or error:
        flash(message or error, "ok" if message else "error")
    return redirect(back)
