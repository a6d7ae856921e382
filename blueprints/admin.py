"""Admin pages: users and API tokens, and the audit trail. Every view needs the admin role."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from blueprints.confirm import confirmation_page, confirmed
from blueprints.pages.context import display_zone, format_time
from models import ROLES
from security import require_role
from security.audit import describe_events, parse_audit_filters, search_audit_events
from security.sealed import seal, unseal
from security.tokens import TokenError, create_token_for, list_tokens, revocable_token, revoke_token
from security.users import UserError, create_user, get_user, list_users, set_password, update_user

bp = Blueprint("admin", __name__, url_prefix="/admin")

# A new API token waits here, sealed (security/sealed.py: encrypted, for two minutes at most) in
# the session of the admin who created it, for the one page that shows it (post/redirect/get: a
# reload cannot create a second token). The cookie alone never reveals it.
NEW_TOKEN_KEY = "_new_api_token"


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
    new = session.pop(NEW_TOKEN_KEY, None)
    if not isinstance(new, dict):
        return _users_page()
    plain = unseal(new.get("sealed"))
    if plain is None:
        return _users_page()
    rows = {token.id: token for token, _ in list_tokens()}
    html, status = _users_page(new_token=plain, new_token_row=rows.get(new.get("id")))
    # The token is in this page only: not kept by the browser's cache or shown again on reload.
    return html, status, {"Cache-Control": "no-store"}


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
    if active is False and not confirmed():
        try:
            user = get_user(user_id)
        except UserError as error:
            flash(error.message, "error")
            return _users_page(error.status)
        return confirmation_page(f"Disable user {user.username}?", url_for(".users"), button=f"Disable {user.username}",
                                 detail="They are logged out at once and cannot log in until enabled again; "
                                        "their API tokens stop working too.")
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
    # Shown once, by the page this redirects to; never in a URL, never stored server-side, and
    # only sealed in the cookie.
    session[NEW_TOKEN_KEY] = {"id": token.id, "sealed": seal(plain)}
    flash(f"Token {token.label} created.")
    return redirect(url_for(".users"))


@bp.post("/tokens/<int:token_id>/revoke")
@require_role("admin")
def revoke_token_view(token_id: int):
    try:
        if not confirmed():
            token = revocable_token(token_id)
            return confirmation_page(f"Revoke token {token.label}?", url_for(".users"), button=f"Revoke {token.label}",
                                     detail="Programs that use it are refused from then on; this cannot be undone.")
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
                           descriptions=describe_events(page.events, format_time)), 400 if filters.errors else 200
