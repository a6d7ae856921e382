"""Template helpers shared by every page: navigation, display timezone, time formatting."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, request
from flask_login import current_user

from cron import CronError
from cron.zones import load_zone

# (endpoint, label, minimum role) — the navigation shows the pages a user may open.
NAVIGATION = (
    ("overview.index", "Overview", "viewer"),
    ("schedules.index", "Schedules", "viewer"),
    ("groups.index", "Machine groups", "viewer"),
    ("assignment.index", "VM assignment", "viewer"),
    ("jobs.index", "Jobs", "viewer"),
    ("vms.index", "VMs", "viewer"),
    ("protection.index", "Protection", "viewer"),
    ("discovery.index", "Discovery", "viewer"),
    ("admin.users", "Users & tokens", "admin"),
    ("vcenters.index", "vCenters", "admin"),
    ("admin.audit", "Audit trail", "admin"),
)


def current_navigation(endpoint: str | None, items: list[tuple[str, str]]) -> str | None:
    """The one navigation item a page belongs to: its own endpoint, else the first item of its
    blueprint (a schedule's page is under Schedules, a failed user form under Users & tokens)."""
    if not endpoint:
        return None
    if any(item == endpoint for item, _ in items):
        return endpoint
    blueprint = endpoint.split(".")[0]
    return next((item for item, _ in items if item.split(".")[0] == blueprint), None)


def display_zone() -> ZoneInfo:
    """The operator's display timezone: cookie, then user setting, then DISPLAY_TIMEZONE."""
    cached = getattr(g, "_display_zone", None)
    if cached is not None:
        return cached
    candidates = [request.cookies.get("display_tz") if request else None]
    if current_user and getattr(current_user, "is_authenticated", False):
        candidates.append(getattr(current_user, "display_timezone", None))
    candidates.append(current_app.config.get("DISPLAY_TIMEZONE", "UTC"))
    zone = next((found for found in map(_zone_or_none, candidates) if found is not None), ZoneInfo("UTC"))
    g._display_zone = zone
    return zone


def _zone_or_none(name: object) -> ZoneInfo | None:
    """The zone a preference names, or None for a blank or unusable one (the cookie is whatever
    the browser sends: too long, a path, a directory — cron's zone loader refuses them all)."""
    if not isinstance(name, str) or not name.strip():
        return None
    try:
        return load_zone(name)
    except CronError:
        return None


def relative_time(value: datetime | None, now: datetime | None = None) -> str:
    """'in 3 h', '5 min ago', 'just now'."""
    if value is None:
        return ""
    now = now or datetime.now(timezone.utc)
    seconds = (value - now).total_seconds()
    future = seconds > 0
    seconds = abs(seconds)
    if seconds < 45:
        return "just now" if not future else "in a few seconds"
    for limit, unit, size in ((3600, "min", 60), (86400 * 2, "h", 3600), (float("inf"), "d", 86400)):
        if seconds < limit:
            amount = round(seconds / size)
            return f"in {amount} {unit}" if future else f"{amount} {unit} ago"
    return ""


def format_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """Absolute time in the display zone, with the zone named."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    zone = display_zone()
    local = value.astimezone(zone)
    return f"{local.strftime(fmt)} {local.tzname()}"


NBSP = "\u00a0"


def format_duration(seconds: float | int | None) -> str:
    """'1 h 5 min', '3 min 49 s', '12 s', with no-break spaces: a duration never wraps mid-phrase."""
    if seconds is None:
        return "—"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        text = f"{hours} h {minutes} min"
    elif minutes:
        text = f"{minutes} min {secs} s"
    else:
        text = f"{secs} s"
    return text.replace(" ", NBSP)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["time"] = format_time
    app.jinja_env.filters["reltime"] = relative_time
    app.jinja_env.filters["duration"] = format_duration

    @app.context_processor
    def _navigation():
        items = []
        user = current_user if getattr(current_user, "is_authenticated", False) else None
        for endpoint, label, role in NAVIGATION:
            if endpoint not in app.view_functions:
                continue
            if user is None or not user.has_role(role):
                continue
            items.append((endpoint, label))
        return {"navigation": items, "navigation_current": current_navigation(request.endpoint if request else None, items),
                "display_zone_name": display_zone().key if request else "UTC"}
