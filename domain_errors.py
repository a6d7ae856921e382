"""Typed errors of the domain packages, and a reader that turns raw input into checked values.

Domain functions (schedules, grouping, discovery, jobs) raise these; the JSON API turns them
into 400/404/409 bodies and the pages show the message next to the named field. Nothing here
knows about Flask.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.exc import IntegrityError


class DomainError(Exception):
    """Base class: `code` is the machine-readable reason, `message` the operator sentence."""

    code = "error"

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationError(DomainError):
    """Input that cannot be accepted; `errors` maps each faulty field to its message."""

    code = "validation_error"

    def __init__(self, errors: Mapping[str, str] | str, message: str | None = None):
        if isinstance(errors, str):  # ValidationError("field", "message")
            errors = {errors: message or "is invalid"}
            message = None
        self.errors = dict(errors)
        first_field, first_message = next(iter(self.errors.items()))
        text = message or f"{first_field}: {first_message}"
        if message is None and len(self.errors) > 1:
            text += f" (and {len(self.errors) - 1} more)"
        super().__init__(text, {"fields": self.errors})

    @property
    def field(self) -> str:
        """The first field named, for callers that highlight one input."""
        return next(iter(self.errors))


class NotFound(DomainError):
    """An id that names nothing; `object_type` says what was looked for."""

    code = "not_found"

    def __init__(self, object_type: str, object_id: Any, field: str | None = None):
        self.object_type = object_type
        self.object_id = object_id
        details = {"object_type": object_type, "id": str(object_id)}
        if field:
            details["field"] = field
        super().__init__(f"No {object_type.replace('_', ' ')} with id '{object_id}'.", details)


class Conflict(DomainError):
    """The request is valid but clashes with the current state (name taken, still in use, busy)."""

    code = "conflict"

    def __init__(self, code: str, message: str, details: dict | None = None):
        self.code = code
        super().__init__(message, details)


class ChainCycle(Conflict):
    """Saving this chain parent would make the chain run in a circle; `names` lists the cycle."""

    def __init__(self, names: list[str]):
        self.names = names
        super().__init__("chain_cycle",
                         f"This chain parent would make the chain run in a circle (Chain cycle: {' → '.join(names)}).",
                         {"field": "chain_parent_schedule_id", "cycle": names})


class Unavailable(DomainError):
    """A service the request depends on (VMA, OMA, scheduler) failed; `message` is sanitized."""

    code = "upstream_unavailable"

    def __init__(self, message: str, details: dict | None = None, code: str | None = None):
        if code:
            self.code = code
        super().__init__(message, details)


# C0 and C1 control characters: NUL ends strings in C, the others move terminals' cursors or
# hide text. Free text keeps tab and line breaks (a textarea posts CR LF).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class FieldReader:
    """Read fields out of a JSON object, collecting one message per faulty field.

    Types are JSON's: a boolean is true or false, a number is a number, never a string that
    looks like one. The pages translate what an HTML form posts ("5", a ticked checkbox)
    before calling the domain. Call `raise_if_errors()` once everything has been read so that
    the operator sees every problem at once and nothing is written on bad input.
    """

    def __init__(self, data: Any, partial: bool = False):
        if not isinstance(data, Mapping):
            raise ValidationError("body", "must be a JSON object")
        self.data = data
        self.partial = partial
        self.errors: dict[str, str] = {}

    def has(self, name: str) -> bool:
        return name in self.data

    def _wanted(self, name: str, required: bool) -> tuple[bool, Any]:
        """(read it?, raw value); records 'is required' for a missing required field."""
        if name not in self.data:
            if required and not self.partial:
                self.errors[name] = "is required"
            return False, None
        return True, self.data[name]

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def string(self, name: str, *, required: bool = False, max_length: int = 255, default: Any = None,
               allow_blank: bool = False, multiline: bool = False) -> Any:
        """A stripped string without control characters; `multiline` text may hold tabs and line breaks."""
        present, raw = self._wanted(name, required)
        if not present:
            return default
        if raw is None and not required:
            return None
        if not isinstance(raw, str):
            self.error(name, "must be a string")
            return default
        if (_CONTROL_IN_TEXT if multiline else _CONTROL).search(raw):
            self.error(name, "must not contain control characters" if multiline
                       else "must not contain control characters, tabs or line breaks")
            return default
        value = raw.strip()
        if not value and not allow_blank:
            if required:
                self.error(name, "must not be empty")
                return default
            return None
        if len(value) > max_length:
            self.error(name, f"must be at most {max_length} characters")
            return default
        return value

    def integer(self, name: str, *, required: bool = False, minimum: int | None = None,
                maximum: int | None = None, default: Any = None) -> Any:
        present, raw = self._wanted(name, required)
        if not present:
            return default
        if isinstance(raw, bool) or raw is None:
            self.error(name, "must be a whole number")
            return default
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if not isinstance(raw, int):
            self.error(name, "must be a whole number")
            return default
        if minimum is not None and raw < minimum:
            self.error(name, f"must be at least {minimum}")
            return default
        if maximum is not None and raw > maximum:
            self.error(name, f"must be at most {maximum}")
            return default
        return raw

    def boolean(self, name: str, *, required: bool = False, default: Any = None) -> Any:
        present, raw = self._wanted(name, required)
        if not present:
            return default
        if not isinstance(raw, bool):
            self.error(name, "must be true or false")
            return default
        return raw

    def choice(self, name: str, choices: tuple[str, ...], *, required: bool = False, default: Any = None) -> Any:
        value = self.string(name, required=required, default=default)
        if value is not None and value is not default and value not in choices:
            self.error(name, f"must be one of {', '.join(choices)}")
            return default
        return value

    def string_list(self, name: str, *, required: bool = False, max_items: int = 1000,
                    max_length: int = 255) -> list[str] | None:
        present, raw = self._wanted(name, required)
        if not present:
            return None
        if not isinstance(raw, list) or not all(isinstance(item, str) and item.strip() for item in raw):
            self.error(name, "must be a list of non-empty strings")
            return None
        if any(_CONTROL.search(item) for item in raw):
            self.error(name, "items must not contain control characters")
            return None
        if required and not raw:
            self.error(name, "must name at least one item")
            return None
        if len(raw) > max_items:
            self.error(name, f"must have at most {max_items} items")
            return None
        if any(len(item) > max_length for item in raw):
            self.error(name, f"items must be at most {max_length} characters")
            return None
        return list(dict.fromkeys(item.strip() for item in raw))  # drop duplicates, keep order

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def parse_instant(name: str, raw: Any) -> datetime | None:
    """An ISO-8601 instant (offset required, `Z` allowed) as an aware UTC datetime; None if absent."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise ValidationError(name, "must be an ISO-8601 date and time")
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValidationError(name, "must be an ISO-8601 date and time, e.g. 2025-10-03T14:00:00Z") from None
    if value.tzinfo is None:
        raise ValidationError(name, "must include a UTC offset or Z, e.g. 2025-10-03T14:00:00Z")
    try:
        return value.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        raise ValidationError(name, "is out of range") from None


@contextmanager
def name_taken_on_conflict(kind: str, name: str, session) -> Iterator[None]:
    """A concurrent request that saved the same unique name first becomes a Conflict, not a server error.

    `session` is rolled back so nothing of the refused change stays behind.
    """
    try:
        yield
    except IntegrityError:
        session.rollback()
        raise Conflict("name_taken", f"A {kind} named '{name}' already exists.", {"field": "name"}) from None
