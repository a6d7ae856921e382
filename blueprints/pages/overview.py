"""Overview page: running jobs, next runs, recent failures, scheduler health."""
from flask import Blueprint, render_template

bp = Blueprint("overview", __name__)


@bp.get("/")
def index():
    return render_template("overview/index.html")
