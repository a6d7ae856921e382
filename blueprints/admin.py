"""Admin pages: users and API tokens, and the audit trail. Every view needs the admin role."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from blueprints.pages.context import display_zone
from models import ROLES
from security import require_role
from security.audit import changed_fields, parse_audit_filters, search_audit_events
from security.tokens import TokenError, create_token_for, list_tokens, revoke_token
from security.users import UserError, create_user, list_users, set_password, update_user

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _users_page(status: int = 200, **context):
    context.setdefault("user_form", {})
    context.setdefault("user_errors", {})
    context.setdefault("token_form", {})
    context.setdefault("token_errors", {})
    return render_template("admin/users.html", users=list_users(), tokens=list_tokens(),
                           roles=ROLES, **context), status


@bp.get("/users")
@require_role("admin")
def users():
    return _users_page()


@bp.post("/users")
@require_role("admin")
def create_user_view():
    form = {"username": request.form.get("username", "").strip(), "role": request.form.get("role", "")}
    try:
        user = create_user(form["username"], form["role"], request.form.get("password", ""))
    except UserError as error:
        return _users_page(error.status, user_form=form, user_errors=error.errors)
    flash(f"User {user.username} created with the {user.role} role.")
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>")
@require_role("admin")
def update_user_view(user_id: int):
    role = request.form.get("role") or None
    active = {"1": True, "0": False}.get(request.form.get("active", ""))
    try:
        user = update_user(user_id, role=role, active=active)
    except UserError as error:
        flash(error.message, "error")
        return _users_page(error.status)
    flash(f"User {user.username} is now {'an active' if user.active else 'a disabled'} {user.role}.")
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/password")
@require_role("admin")
def set_password_view(user_id: int):
    try:
        user = set_password(user_id, request.form.get("password", ""))
    except UserError as error:
        flash(f"Password not changed: {error.message}", "error")
        return _users_page(error.status)
    if user.id == current_user.id:
        flash("Your password is changed; your other sessions are logged out.")
    else:
        flash(f"Password of {user.username} changed; their sessions are logged out.")
    return redirect(url_for(".users"))


@bp.post("/tokens")
@require_role("admin")
def create_token_view():
    form = {"user": request.form.get("user", "").strip(), "label": request.form.get("label", "").strip()}
    try:
        token, plain = create_token_for(form["user"], form["label"])
    except TokenError as error:
        return _users_page(error.status, token_form=form, token_errors={error.field: error.message})
    # Shown in this response only: it is not stored anywhere it could be shown from again.
    return _users_page(201, new_token=plain, new_token_row=token)


@bp.post("/tokens/<int:token_id>/revoke")
@require_role("admin")
def revoke_token_view(token_id: int):
    try:
        token = revoke_token(token_id)
    except TokenError as error:
        flash(error.message, "error")
        return _users_page(error.status)
    flash(f"Token {token.label} revoked.")
    return redirect(url_for(".users"))


@bp.get("/audit")
@require_role("admin")
def audit():
    filters = parse_audit_filters(request.args, display_zone())
    page = search_audit_events(filters)
    return render_template("admin/audit.html", filters=filters, result=page,
                           changed_fields=changed_fields), 400 if filters.errors else 200
