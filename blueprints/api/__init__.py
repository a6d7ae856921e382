"""JSON REST API v1. Errors are {"error": {"code", "message", "details"}}."""
from flask import Blueprint, Flask

api_v1 = Blueprint("api", __name__, url_prefix="/api/v1")


def register_api(app: Flask) -> None:
    app.register_blueprint(api_v1)


# Importing the endpoint modules attaches their routes to api_v1 (before any registration).
from blueprints.api.common import register_argument_check, register_domain_errors  # noqa: E402

register_domain_errors(api_v1)
register_argument_check(api_v1)
from blueprints.api import discovery, groups, jobs, openapi, protection, schedules, vcenters  # noqa: E402,F401
