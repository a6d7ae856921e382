"""Operator pages. Each module is one page family; fragments live beside the page templates."""
from flask import Flask

from blueprints.pages.assignment import bp as assignment_bp
from blueprints.pages.context import register_template_helpers
from blueprints.pages.discovery import bp as discovery_bp
from blueprints.pages.filters import register_filters
from blueprints.pages.groups import bp as groups_bp
from blueprints.pages.jobs import bp as jobs_bp
from blueprints.pages.overview import bp as overview_bp
from blueprints.pages.preferences import bp as preferences_bp
from blueprints.pages.protection import bp as protection_bp
from blueprints.pages.schedules import bp as schedules_bp
from blueprints.pages.vms import bp as vms_bp


def register_pages(app: Flask) -> None:
    register_template_helpers(app)
    register_filters(app)
    for blueprint in (overview_bp, schedules_bp, groups_bp, assignment_bp, jobs_bp, vms_bp, discovery_bp,
                      preferences_bp, protection_bp):
        app.register_blueprint(blueprint)
