"""Admin page of the vCenters this appliance migrates from: save, change, test, make default,
delete. Forms are plain posts (no JavaScript needed); passwords are never shown or prefilled."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

import vcenters
from blueprints.confirm import confirmation_page, confirmed
from blueprints.pages.forms import field_errors
from domain_errors import DomainError, NotFound
from security import require_role
from vcenters import manage

bp = Blueprint("vcenters", __name__, url_prefix="/admin/vcenters")

LABELS = {"credential_name": "Name", "vcenter_host": "vCenter host", "username": "User name",
          "password": "Password", "datacenter": "Default datacenter"}
FIELDS = ("credential_name", "vcenter_host", "username", "datacenter")


def _form() -> dict:
    data = {name: request.form.get(name, "").strip() for name in FIELDS}
    data["password"] = request.form.get("password", "")
    data["is_active"] = request.form.get("is_active") == "on"
    data["is_default"] = request.form.get("is_default") == "on"
    return data


def _page(status: int = 200, form: dict | None = None, errors: dict | None = None, editing=None):
    try:
        rows = vcenters.list_credentials()
    except DomainError as exc:  # e.g. a key that is not 32 bytes: say so rather than fail
        rows, errors = [], {**(errors or {}), "_form": exc.message}
    views = [{**vcenters.credential_to_dict(c), "last_used_at": c.last_used} for c in rows]
    return render_template("admin/vcenters.html", credentials=views,
                           form=form or {"is_active": True}, errors=errors or {}, editing=editing,
                           key_shared=vcenters.key_is_shared()), status


@bp.get("/")
@require_role("admin")
def index():
    return _page()


@bp.post("/")
@require_role("admin")
def create():
    data = _form()
    try:
        credential = manage.create_credential(data, created_by=current_user.username)
    except DomainError as exc:
        data.pop("password")
        return _page(422, form=data, errors=field_errors(exc, LABELS))
    flash(f"vCenter {credential.credential_name} saved. Test the connection to check the login.")
    return redirect(url_for(".index"))


@bp.get("/<credential_id>/edit")
@require_role("admin")
def edit(credential_id: str):
    try:
        credential = vcenters.get_credential(credential_id)
    except NotFound as exc:
        flash(exc.message, "error")
        return redirect(url_for(".index"))
    view = vcenters.credential_to_dict(credential)
    return _page(form=view, editing=view)


@bp.post("/<credential_id>/edit")
@require_role("admin")
def update(credential_id: str):
    data = _form()
    if not data["password"]:
        data.pop("password")  # empty: keep the saved password
    try:
        credential = manage.update_credential(credential_id, data)
    except NotFound as exc:
        flash(exc.message, "error")
        return redirect(url_for(".index"))
    except DomainError as exc:
        data.pop("password", None)
        view = vcenters.credential_to_dict(vcenters.get_credential(credential_id))
        return _page(422, form={**view, **data}, errors=field_errors(exc, LABELS), editing=view)
    flash(f"vCenter {credential.credential_name} saved.")
    return redirect(url_for(".index"))


@bp.post("/<credential_id>/test")
@require_role("admin")
def test(credential_id: str):
    try:
        result = manage.test_connection(credential_id)
    except DomainError as exc:
        flash(f"Not tested: {exc.message}", "error")
    else:
        steps = " ".join(result.actionable_steps)
        flash(result.message + (f" What you can do: {steps}" if steps and not result.ok else ""),
              "ok" if result.ok else "error")
    return redirect(url_for(".index"))


@bp.post("/<credential_id>/default")
@require_role("admin")
def make_default(credential_id: str):
    try:
        credential = manage.set_default(credential_id)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(f"vCenter {credential.credential_name} is the default now.")
    return redirect(url_for(".index"))


@bp.post("/<credential_id>/delete")
@require_role("admin")
def delete(credential_id: str):
    try:
        credential = vcenters.get_credential(credential_id)
        if not confirmed():
            return confirmation_page(f"Delete the vCenter {credential.credential_name}?", url_for(".index"),
                                     button=f"Delete {credential.credential_name}",
                                     detail="Discovery and replication can no longer log in to it with this "
                                            "credential. This cannot be undone.")
        name = credential.credential_name
        manage.delete_credential(credential_id)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(f"vCenter {name} deleted.")
    return redirect(url_for(".index"))
