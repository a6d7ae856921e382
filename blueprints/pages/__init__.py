"""Operator pages. Each module is one page family; fragments live beside the page templates."""
from flask import Flask

from blueprints.pages.context import register_template_helpers


def register_pages(app: Flask) -> None:
    from blueprints.pages.overview import bp as overview_bp

    register_template_helpers(app)
    app.register_blueprint(overview_bp)
