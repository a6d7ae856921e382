"""The first admin, created when the dashboard starts serving with no user at all.

A generated password is printed once on the console (standard output, never a log record)
and registered for redaction, so the only place it can be read again is the operator's
terminal. Only its Argon2 hash is stored.
"""
from __future__ import annotations

import logging
import sys

from flask import Flask
from sqlalchemy.exc import OperationalError, ProgrammingError

from extensions import db
from runtime import serving_process
from security.redaction import register_secret
from security.users import FIRST_ADMIN, ensure_first_admin

log = logging.getLogger(__name__)


def _should_bootstrap(app: Flask) -> bool:
    configured = app.config.get("BOOTSTRAP_ADMIN")
    if configured is not None:
        return bool(configured)
    return serving_process() and not app.testing


def bootstrap_admin(app: Flask, out=None) -> None:
    """Create the first admin if the app serves and no user exists (see module docstring)."""
    if not _should_bootstrap(app):
        return
    out = out or sys.stdout
    with app.app_context():
        try:
            created = ensure_first_admin(app.config.get("ADMIN_PASSWORD"))
        except (OperationalError, ProgrammingError):
            db.session.rollback()
            log.warning("The user table does not exist yet; run `flask db upgrade` to create the first admin.")
            return
        finally:
            db.session.remove()
    if created is None:
        return
    _, generated = created
    if generated is None:
        log.info("Created the user %r with the admin role from ADMIN_PASSWORD.", FIRST_ADMIN)
        return
    register_secret(generated)
    line = "=" * 72
    print(f"\n{line}\n  First start: created the user {FIRST_ADMIN!r} with the admin role.\n"
          f"  Password (shown only this once): {generated}\n"
          f"  Log in and create named users on the 'Users & tokens' page.\n{line}\n",
          file=out, flush=True)
