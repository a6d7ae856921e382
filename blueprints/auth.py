"""Login and logout (Flask-Login sessions)."""
from urllib.parse import urlparse

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from extensions import db
from models import DashboardUser, utcnow
from security import public, verify_password

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if not target:
        return url_for("overview.index")
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/"):
        return url_for("overview.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    errors = {}
    username = request.form.get("username", "").strip()
    if request.method == "POST":
        from extensions import csrf
        csrf.protect()
        password = request.form.get("password", "")
        if not username:
            errors["username"] = "Enter your user name."
        if not password:
            errors["password"] = "Enter your password."
        if not errors:
            user = db.session.execute(
                db.select(DashboardUser).where(DashboardUser.username == username)).scalar_one_or_none()
            if user is None or not user.is_active or not verify_password(user.password_hash, password):
                errors["password"] = "User name or password is not correct."
            else:
                user.last_login_at = utcnow()
                db.session.commit()
                login_user(user)
                return redirect(_safe_next(request.args.get("next")))
    status = 400 if errors else 200
    return render_template("auth/login.html", errors=errors, username=username), status


@bp.route("/logout", methods=["POST"])
@public
def logout():
    from extensions import csrf
    csrf.protect()
    logout_user()
    flash("You are logged out.")
    return redirect(url_for("auth.login"))
