"""Form helpers shared by the pages: domain errors next to their fields, paging, timezones."""
from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import available_timezones

from domain_errors import DomainError, ValidationError

FORM_ERROR = "_form"
_WHOLE_NUMBER = re.compile(r"\s*[+-]?\d{1,18}\s*")


def form_integer(raw):
    """A number field as posted ("5") as the integer the domain takes; anything else is passed
    on as it is, for the domain to refuse with its own message ("must be a whole number")."""
    if isinstance(raw, str) and _WHOLE_NUMBER.fullmatch(raw):
        return int(raw)
    return raw


def form_boolean(raw):
    """A hidden true/false input as a boolean; anything else is passed on for the domain to refuse."""
    return {"true": True, "false": False}.get(raw, raw)


def field_errors(exc: DomainError, labels: dict[str, str]) -> dict[str, str]:
    """{field: sentence} for the form: "Name is required", "A schedule named ... exists"."""
    if isinstance(exc, ValidationError):
        errors = {}
        for name, message in exc.errors.items():
            if message.startswith(("is ", "must ", "items ")):
                message = f"{labels.get(name, name.replace('_', ' ').capitalize())} {message}"
            errors[name] = message[:1].upper() + message[1:]
        return errors
    field = exc.details.get("field") if isinstance(exc.details, dict) else None
    return {field or FORM_ERROR: exc.message}


def page_number(raw: str | None) -> int:
    """A page number from the query string; anything that is not a positive number is page 1."""
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone, UTC first, for the timezone selects."""
    return ("UTC", *sorted(zone for zone in available_timezones()
                          if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "posix/", "right/"))))
