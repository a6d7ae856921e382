"""Blueprint registration: pages (Jinja + htmx), the JSON API under /api/v1, and probes."""
from flask import Flask

from blueprints.admin import bp as admin_bp
from blueprints.api import register_api
from blueprints.auth import bp as auth_bp
from blueprints.errors import register_error_handlers
from blueprints.ops import bp as ops_bp
from blueprints.pages import register_pages
from blueprints.vcenters import bp as vcenters_bp


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(vcenters_bp)
    app.register_blueprint(ops_bp)
    register_pages(app)
    register_api(app)
    register_error_handlers(app)
