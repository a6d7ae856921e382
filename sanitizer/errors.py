"""Turn a raw error of a step into what an operator sees: a SanitizedError."""

from __future__ import annotations

from dataclasses import dataclass

from .forbidden import scrub_text
from .rules import CATEGORIES, SEVERITIES, Rule, family_of_step, rules_for_family
from .steps import normalize_step_name, step_display_name

__all__ = ["CATEGORIES", "SEVERITIES", "SanitizedError", "match_rule", "sanitize_error", "technical_detail_of"]

# Used in "{step} failed" when the step is not known at all.
UNNAMED_STEP = "Operation"
_MAX_CAUSES = 3


@dataclass(frozen=True)
class SanitizedError:
    """A failure in operator words; ``technical_detail`` is for logs and admins only."""

    message: str
    technical_detail: str
    category: str
    severity: str
    actionable_steps: tuple[str, ...]

    def to_dict(self) -> dict:
        """Return the operator-facing fields (never the technical detail) for JSON and templates."""
        return {
            "message": self.message,
            "category": self.category,
            "severity": self.severity,
            "actionable_steps": list(self.actionable_steps),
        }


def technical_detail_of(raw_error: object) -> str:
    """Return the full text of a raw error for logs: exceptions carry their class and causes."""
    if isinstance(raw_error, BaseException):
        parts = []
        exc: BaseException | None = raw_error
        while exc is not None and len(parts) <= _MAX_CAUSES:
            text = str(exc)
            parts.append(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)
            exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
        return " (caused by ".join(parts) + ")" * (len(parts) - 1)
    if isinstance(raw_error, (bytes, bytearray)):
        return bytes(raw_error).decode("utf-8", errors="replace")
    return str(raw_error)


def match_rule(step_name: object, technical_detail: str) -> Rule:
    """Return the first rule of the step's family that matches the error text."""
    lowered = technical_detail.lower()
    rules = rules_for_family(family_of_step(normalize_step_name(step_name)))
    for rule in rules:
        if rule.matches(lowered):
            return rule
    raise LookupError(f"no catch-all rule for step {step_name!r}")  # the tables always end with one


def sanitize_error(step_name: object, raw_error: object) -> SanitizedError | None:
    """Map a step's raw error (text or exception) to operator words; None means no error."""
    if raw_error is None:
        return None
    detail = technical_detail_of(raw_error)
    if not isinstance(raw_error, BaseException) and not detail.strip():
        return None
    rule = match_rule(step_name, detail)
    shown_step = step_display_name(step_name) or UNNAMED_STEP
    parts = {**rule.named_parts(detail), "step": shown_step}
    return SanitizedError(
        message=scrub_text(rule.message.format(**parts)),
        technical_detail=detail,
        category=rule.category,
        severity=rule.severity,
        actionable_steps=tuple(scrub_text(action.format(**parts)) for action in rule.actions),
    )
