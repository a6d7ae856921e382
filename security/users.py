"""Dashboard users: creation, roles, enabling and disabling, the first admin.

Used by the admin page and by `flask users ...`; every change stages an audit row and commits
once, so a change is never saved without its audit row.
"""
from __future__ import annotations

import re
import secrets
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import ROLES, DashboardUser
from security.audit import record_change
from security.passwords import hash_password
from security.sessions import end_user_sessions

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
MIN_PASSWORD_LENGTH = 10
FIRST_ADMIN = "admin"


class UserError(ValueError):
    """A user change that cannot be made; `field` names the offending input."""

    def __init__(self, field: str, message: str, status: int = 400, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status
        self.errors = errors or {field: message}


def user_snapshot(user: DashboardUser) -> dict:
    """What the audit trail keeps of a user (never the password hash)."""
    return {"username": user.username, "role": user.role, "active": bool(user.active)}


def validate_new_user(username: str, role: str, password: str) -> dict[str, str]:
    """Field name → message for every problem with a new user's input."""
    errors = {}
    if not username:
        errors["username"] = "Enter a user name."
    elif not USERNAME_PATTERN.match(username):
        errors["username"] = ("Use up to 100 letters, digits, dots, dashes, underscores or @, "
                              "starting with a letter or digit.")
    if role not in ROLES:
        errors["role"] = f"Choose one of: {', '.join(ROLES)}."
    password_problem = password_error(password)
    if password_problem:
        errors["password"] = password_problem
    return errors


def password_error(password: str) -> str | None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > 1024:
        return "Use at most 1024 characters."
    return None


def find_user(username: str) -> DashboardUser | None:
    """The user named exactly `username`.

    MySQL/MariaDB compare the column with its case- and accent-insensitive collation, under
    which `öper1` equals `oper1`; the indexed lookup finds the candidates and the exact match
    is made here, the same on every database.
    """
    if not username:
        return None
    candidates = db.session.execute(
        db.select(DashboardUser).where(DashboardUser.username == username)).scalars()
    return next((user for user in candidates if user.username == username), None)


def list_users() -> list[DashboardUser]:
    return list(db.session.execute(db.select(DashboardUser).order_by(DashboardUser.username)).scalars())


def create_user(username: str, role: str, password: str) -> DashboardUser:
    """Create a user; raises UserError naming the field (400) or a taken name (409)."""
    username = (username or "").strip()
    errors = validate_new_user(username, role, password)
    if errors:
        field, message = next(iter(errors.items()))
        raise UserError(field, message, errors=errors)
    if find_user(username) is not None:
        raise UserError("username", f"The user name {username!r} is already taken.", status=409)
    user = DashboardUser(username=username, role=role, password_hash=hash_password(password), active=True)
    db.session.add(user)
    try:
        db.session.flush()
        record_change("user.create", "user", user.id, user.username, None, user_snapshot(user))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise UserError("username", f"The user name {username!r} is already taken.", status=409) from None
    return user


def get_user(user_id: int) -> DashboardUser:
    """The user with this id; UserError (404) when there is none."""
    return _get_user(user_id)


def _get_user(user_id: int) -> DashboardUser:
    user = db.session.get(DashboardUser, user_id)
    if user is None:
        raise UserError("user_id", f"There is no user with id {user_id}.", status=404)
    return user


def _active_admin_count() -> int:
    return db.session.execute(
        db.select(db.func.count()).select_from(DashboardUser)
        .where(DashboardUser.role == "admin", DashboardUser.active.is_(True))).scalar_one()


def _would_remove_last_admin(user: DashboardUser) -> bool:
    return user.role == "admin" and bool(user.active) and _active_admin_count() <= 1


def update_user(user_id: int, *, role: str | None = None, active: bool | None = None) -> DashboardUser:
    """Change a user's role and/or enable or disable the user; the last active admin stays.

    Disabling ends all of the user's sessions, a role change all but the one making it.
    """
    user = _get_user(user_id)
    before = user_snapshot(user)
    if role is not None and role not in ROLES:
        raise UserError("role", f"Choose one of: {', '.join(ROLES)}.")
    demoting = role is not None and role != "admin"
    disabling = active is False
    if (demoting or disabling) and _would_remove_last_admin(user):
        raise UserError("role" if demoting else "active",
                        "This is the only active admin; make another user admin first.", status=409)
    if role is not None:
        user.role = role
    if active is not None:
        user.active = active
    after = user_snapshot(user)
    if before["active"] and not after["active"]:
        end_user_sessions(user.id, keep_current=False)
    elif before["role"] != after["role"]:
        end_user_sessions(user.id, keep_current=True)
    if after != before:
        action = "user.update" if role is not None and before["role"] != after["role"] else (
            "user.enable" if after["active"] else "user.disable")
        record_change(action, "user", user.id, user.username, before, after)
    db.session.commit()
    return user


def set_password(user_id: int, password: str) -> DashboardUser:
    """Set a new password and end the user's other sessions (the audit row says that it
    changed, never what it is)."""
    problem = password_error(password)
    if problem:
        raise UserError("password", problem)
    user = _get_user(user_id)
    user.password_hash = hash_password(password)
    end_user_sessions(user.id, keep_current=True)
    record_change("user.password", "user", user.id, user.username, None, {"password": "changed"})
    db.session.commit()
    return user


def ensure_first_admin(configured_password: str | None) -> tuple[DashboardUser, str | None] | None:
    """When no user exists, create `admin` with the admin role.

    Uses `configured_password` (ADMIN_PASSWORD) or generates one, returned so the caller can
    show it once. Several processes starting at once race on the unique user name: exactly
    one insert succeeds and only that process gets a password back. Returns None when users
    already existed or another process won.
    """
    if db.session.execute(db.select(DashboardUser.id).limit(1)).first() is not None:
        return None
    generated = None
    password = configured_password or ""
    if not password:
        generated = password = secrets.token_urlsafe(15)
    user = DashboardUser(username=FIRST_ADMIN, role="admin", password_hash=hash_password(password), active=True)
    db.session.add(user)
    try:
        db.session.flush()
        record_change("user.create", "user", user.id, user.username, None, user_snapshot(user))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return user, generated
