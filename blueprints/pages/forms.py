"""Form helpers shared by the pages: domain errors next to their fields, paging, timezones."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable
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


# Zones most operators look for, listed under "Common" after UTC and the zones already in use.
MAJOR_ZONES = ("Europe/London", "Europe/Berlin", "Europe/Paris", "America/New_York", "America/Chicago",
               "America/Los_Angeles", "Asia/Tokyo", "Asia/Singapore", "Australia/Sydney")


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone, UTC first, for the timezone selects."""
    return ("UTC", *sorted(zone for zone in available_timezones()
                          if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "posix/", "right/"))))


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def known_zone(name: object) -> bool:
    """True if a posted or stored name is a zone of the tz database ("Europe/London", "Etc/GMT-3")."""
    return isinstance(name, str) and name in _known_zones()


#: Other names of UTC in the tz database: listed as "UTC" (unless one of them is the selected zone).
UTC_ALIASES = frozenset({"Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu",
                         "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "Etc/Greenwich", "GMT0", "GMT+0", "GMT-0"})


def canonical_zone(name: str | None) -> str | None:
    """A zone as a select offers it by default: any other name of UTC is "UTC"."""
    return "UTC" if name in UTC_ALIASES else name


@dataclass(frozen=True)
class ZoneChoices:
    """A timezone select: the common zones first, then every other zone; each zone is listed once
    and `selected` is marked once."""

    common: tuple[str, ...]
    all: tuple[str, ...]
    selected: str


def zone_choices(selected: str | None, display: str | None, in_use: Iterable[str] = ()) -> ZoneChoices:
    """UTC, the operator's display zone, the zones schedules already use and the major zones under
    "Common"; every other zone under "All timezones" (a zone is never listed twice, and another
    name of UTC such as "Etc/UTC" is listed as UTC). A selected zone the full list leaves out (an
    alias such as "Etc/GMT-3" written through the API) is added to "Common", so an edit does not
    silently change it; an unknown one selects UTC (and the field error says why)."""
    everything = zone_names()
    extra = (selected,) if known_zone(selected) and selected not in everything else ()
    common: list[str] = []
    for zone in ("UTC", display, *extra, *sorted(in_use), *MAJOR_ZONES):
        if zone in UTC_ALIASES and zone not in extra:
            zone = "UTC"
        if known_zone(zone) and zone not in common:
            common.append(zone)
    listed = set(common)
    return ZoneChoices(common=tuple(common), all=tuple(zone for zone in everything if zone not in listed),
                       selected=selected if known_zone(selected) else "UTC")


def zone_error(name: object) -> str:
    """The field error for a timezone that is not in the list, naming the field and the value."""
    shown = name if isinstance(name, str) and name.strip() else ""
    if not shown:
        return "Timezone is required: choose one from the list."
    return f"Timezone '{shown[:60]}' is not a known timezone: choose one from the list (for example Europe/London)."
