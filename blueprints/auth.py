"""Login and logout (Flask-Login sessions). CSRF is checked by the access guard."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user

from security import public
from security.login import authenticate, safe_next_url
from security.ratelimit import limit_login
from security.sessions import end_current_session, start_session

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
@limit_login
def login():
    username = request.form.get("username", "").strip()
    errors = {}
    if request.method == "POST":
        user, errors = authenticate(username, request.form.get("password", ""))
        if user is not None:
            login_user(user)
            start_session(user)
            session.permanent = True
            return redirect(safe_next_url(request.args.get("next"), url_for("overview.index")))
    return render_template("auth/login.html", errors=errors, username=username), 400 if errors else 200


@bp.route("/logout", methods=["POST"])
@public
def logout():
    end_current_session()
    logout_user()
    flash("You are logged out.")
    return redirect(url_for("auth.login"))
