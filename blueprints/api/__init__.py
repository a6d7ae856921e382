"""JSON REST API v1. Errors are {"error": {"code", "message", "details"}}."""
from flask import Blueprint, Flask

api_v1 = Blueprint("api", __name__, url_prefix="/api/v1")


def register_api(app: Flask) -> None:
    app.register_blueprint(api_v1)
