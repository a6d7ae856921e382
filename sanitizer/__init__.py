"""Operator-facing words for steps and errors of migration jobs.

Operators see plain words only: step names, error messages and actions never mention tool
names, device or file paths, SQL, stack traces or internal addresses. The raw text stays in
``SanitizedError.technical_detail`` for logs and administrators. Pure Python, no Flask.
"""

from .errors import SanitizedError, sanitize_error
from .forbidden import FORBIDDEN_KINDS, find_forbidden, scrub_text
from .rules import CATEGORIES, RULES, SEVERITIES, STEP_FAMILIES, Rule
from .steps import STEP_CATEGORIES, STEPS, step_category, step_description, step_display_name, step_icon

__all__ = [
    "CATEGORIES",
    "FORBIDDEN_KINDS",
    "RULES",
    "SEVERITIES",
    "STEPS",
    "STEP_CATEGORIES",
    "STEP_FAMILIES",
    "Rule",
    "SanitizedError",
    "find_forbidden",
    "sanitize_error",
    "scrub_text",
    "step_category",
    "step_description",
    "step_display_name",
    "step_icon",
]
