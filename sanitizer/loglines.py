"""A JobLog line in operator words: internal step names become their display names, and a raw
error (a tool's message, an address, a path) becomes the sanitized message of its step.

The stored line keeps the raw text for administrators; pages and the API show these words.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .errors import sanitize_error
from .forbidden import find_forbidden, scrub_text
from .steps import STEPS, step_display_name

__all__ = ["log_line_words"]

_STEP_FAILED = re.compile(r"step\s+(?P<step>[A-Za-z0-9][A-Za-z0-9_-]*)\s+failed\s*:\s*(?P<error>.+)", re.I | re.S)
_DISPLAY = {alias: step.display_name for step in STEPS for alias in step.names}
# Longest first, so that "vm-startup-and-validation" is not read as "validation". Only names that
# cannot be plain English (they hold "-" or "_") are replaced anywhere in a line: "an earlier
# replication" stays as it is. Any step name that opens a line before a colon is the step's.
_ALIASES = sorted(_DISPLAY, key=len, reverse=True)
_INTERNAL_NAMES = re.compile(r"(?<![\w-])(" + "|".join(
    re.escape(name) for name in _ALIASES if re.search(r"[-_]", name)) + r")(?![\w-])")
_LEADING_NAME = re.compile(r"^(" + "|".join(re.escape(name) for name in _ALIASES) + r")(?=:)")


@lru_cache(maxsize=4096)
def log_line_words(message: str | None, step_name: str | None = None, level: str | None = None) -> str:
    """The words an operator reads for one log line of step `step_name` (internal name or None)."""
    text = (message or "").strip()
    failed = _STEP_FAILED.fullmatch(text)
    if failed:
        return _failure(failed["step"], failed["error"])
    if (level or "").upper() in ("ERROR", "WARN", "WARNING") and find_forbidden(text):
        return _failure(step_name, text)
    text = _LEADING_NAME.sub(lambda found: _DISPLAY[found[1]], text)
    return scrub_text(_INTERNAL_NAMES.sub(lambda found: _DISPLAY[found[1]], text))


def _failure(step_name: str | None, raw_error: str) -> str:
    error = sanitize_error(step_name or "", raw_error)
    shown = step_display_name(step_name) if step_name else None
    message = error.message if error else "failed"
    if shown and shown.lower() not in message.lower():
        return f"{shown} failed: {message}"
    return message
