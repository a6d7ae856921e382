"""Schedules: list, create/edit with the frequency builder and live preview, detail, actions."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

import grouping
import schedules
from blueprints.confirm import confirmation_page, confirmed
from blueprints.pages.fragments import by_id, poll_context, poll_response, render_fragment
from blueprints.pages.context import display_zone
from blueprints.pages.forms import (canonical_zone, field_errors, form_boolean, form_integer, known_zone, page_number,
                                    zone_choices, zone_error)
from cron.builder import WEEKDAYS, Frequency, build_frequency, frequency_from_cron
from domain_errors import DomainError, NotFound, ValidationError
from policy import events as policy_events
from policy.slots import SlotPolicy, blackouts_between, schedule_groups
from policy.windows import WindowSet
from cron import CronError
from cron.zones import load_zone
from models import utcnow
from protection.manage import policy_to_dict
from policy.windows import DAYS, WindowError, grid_cells, parse_windows, windows_from_grid, windows_from_text, windows_text
from scheduler.manual import STARTED
from scheduler.next_runs import policy_of, schedule_problem, upcoming_slots
from security import form_page
from security.login import safe_next_url

bp = Blueprint("schedules", __name__, url_prefix="/schedules")

TEXT_FIELDS = ("name", "description", "schedule_type", "timezone", "chain_parent_schedule_id",
               "chain_delay_minutes", "replication_type", "max_concurrent_jobs", "retry_attempts",
               "retry_delay_minutes", "window_close_policy")
INTEGER_FIELDS = ("chain_delay_minutes", "max_concurrent_jobs", "retry_attempts", "retry_delay_minutes")
LABELS = {"name": "Name", "description": "Description", "schedule_type": "Type", "timezone": "Timezone",
          "chain_parent_schedule_id": "Chain parent", "chain_delay_minutes": "Delay after parent",
          "replication_type": "Replication type", "max_concurrent_jobs": "Concurrent jobs",
          "retry_attempts": "Retry attempts", "retry_delay_minutes": "Retry delay",
          "enabled": "Enabled", "skip_if_running": "Skip if running", "windows": "Replication windows",
          "window_close_policy": "When the window closes", "max_runtime_minutes": "Maximum runtime",
          "pause_after_failures": "Pause after failed runs"}
PREVIEW_RUNS = 5
EXECUTIONS_PER_PAGE = 20
SCHEDULES_PER_PAGE = 50
UNDER_WAY = ("scheduled", "running")  # execution statuses of a run that is not over


def _load(schedule_id: str):
    try:
        return schedules.get_schedule(schedule_id)
    except NotFound:
        abort(404, "No such schedule; it may have been deleted.")


def _form_values(form) -> tuple[dict, Frequency]:
    """The posted form as the schedules package's input, plus the builder's own reading."""
    values = {name: form.get(name, "") for name in TEXT_FIELDS}
    values["description"] = values["description"] or None
    values["chain_parent_schedule_id"] = values["chain_parent_schedule_id"] or None
    for name in INTEGER_FIELDS:
        values[name] = form_integer(values[name])
    # A checkbox is posted when ticked and absent when not.
    values["enabled"] = "enabled" in form
    values["skip_if_running"] = "skip_if_running" in form
    values["window_close_policy"] = values["window_close_policy"] or "defer"
    for name in ("max_runtime_minutes", "pause_after_failures"):
        raw = (form.get(name) or "").strip()
        values[name] = form_integer(raw) if raw else None
    values["windows"] = _windows(form)
    frequency = _frequency(form)
    if values["schedule_type"] == "chain":
        frequency = Frequency(frequency=frequency.frequency, custom=frequency.custom)
        values["cron_expression"] = ""
        values["chain_delay_minutes"] = form_integer(form.get("chain_delay_minutes") or "0")
    else:
        values["cron_expression"] = frequency.cron_expression()
        values["chain_parent_schedule_id"] = None
        values["chain_delay_minutes"] = 0
    return values, frequency


def _windows(form):
    """The windows of the form: its text (one window per line) when it was changed, else the
    ticked hours of the week grid. Text that cannot be read is passed on as it is, so that the
    domain names the field."""
    text = form.get("windows_text", "")
    if text.strip() != (form.get("windows_text_initial") or "").strip() or "window_grid" not in form:
        try:
            return [window.to_dict() for window in windows_from_text(text)]
        except WindowError as exc:
            return _Unreadable(exc.message)
    return [window.to_dict() for window in windows_from_grid(form.getlist("window_cells"))]


class _Unreadable(str):
    """Window text the form could not read: refused by the domain with this message."""


def _frequency(form) -> Frequency:
    """The builder inputs of a posted form or query string."""
    return build_frequency(form.get("frequency"), interval_value=form.get("interval_value"),
                           interval_unit=form.get("interval_unit"), time=form.get("time"),
                           weekdays=form.getlist("weekdays"), month_day=form.get("month_day"),
                           custom=form.get("cron_expression"))


def _initial_values(schedule=None) -> dict:
    if schedule is None:
        return {"name": "", "description": "", "schedule_type": "cron", "timezone": canonical_zone(current_app.config.get(
            "DISPLAY_TIMEZONE", "UTC")), "chain_parent_schedule_id": "", "chain_delay_minutes": "0",
            "replication_type": "auto", "max_concurrent_jobs": "1", "retry_attempts": "3",
            "retry_delay_minutes": "30", "enabled": True, "skip_if_running": True, "cron_expression": "0 0 2 * * *",
            "windows": [], "window_close_policy": "defer", "max_runtime_minutes": None, "pause_after_failures": None}
    values = schedules.schedule_to_dict(schedule)
    values["description"] = values["description"] or ""
    values["chain_parent_schedule_id"] = values["chain_parent_schedule_id"] or ""
    return values


def _preview(values: dict, frequency: Frequency, schedule_id: str | None = None) -> dict:
    if values.get("schedule_type") == "chain":
        return {"chain": True}
    if frequency.errors:
        field, message = next(iter(frequency.errors.items()))
        return {"valid": False, "error": message, "field": field, "runs": []}
    policy = _preview_policy(values, schedule_id)
    # With windows or blackouts some slots do not start: look further for PREVIEW_RUNS that do.
    looked_at = PREVIEW_RUNS if policy is None else 50
    preview = schedules.schedule_preview(values["cron_expression"], values.get("timezone") or "UTC", looked_at)
    preview["expression"] = values["cron_expression"]
    preview["timezone"] = values.get("timezone") or "UTC"
    if not preview["valid"]:
        # Shown once, at the field at fault, in the words a submit gives ("Hour: 25 is out of range").
        preview["error"] = _sentence(preview["error"])
        preview["field"] = preview.get("field") or "cron_expression"
    if preview["valid"]:
        zone = ZoneInfo(preview["timezone"])
        for run in preview["runs"]:
            run["local"] = datetime.fromisoformat(run["at"]).astimezone(zone)
        if policy is not None:
            starting, held = [], []
            for run in preview["runs"]:
                verdict = policy.slot_verdict(datetime.fromisoformat(run["at"]))
                if verdict is None:
                    starting.append(run)
                elif len(held) < PREVIEW_RUNS and len(starting) < PREVIEW_RUNS:
                    held.append({**run, "why": verdict.message})
            # Gaps were measured between cron slots, not between the runs that start.
            preview["runs"] = [{**run, "gap": None, "uneven": False} for run in starting[:PREVIEW_RUNS]]
            preview["not_started"] = held
            preview["windows_text"] = policy.windows.verdict_text() if policy.has_windows else None
    return preview


def _preview_policy(values: dict, schedule_id: str | None):
    """The windows being typed, with the blackouts ahead (and the groups of the schedule being
    edited), as the engine will read them; None when neither can hold a slot back."""
    windows = values.get("windows")
    try:
        parsed = parse_windows(windows) if isinstance(windows, list) else []
        zone = load_zone(values.get("timezone") or "UTC")
    except (WindowError, CronError):
        return None
    now = utcnow()
    blackouts = blackouts_between(now, now + timedelta(days=60), cached=True)
    if not parsed and not blackouts:
        return None
    groups = schedule_groups([schedule_id]).get(schedule_id, frozenset()) if schedule_id else frozenset()
    return SlotPolicy(schedule_id or "new", WindowSet.of(parsed, zone), group_ids=groups, blackouts=blackouts)


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def _render_form(schedule, values: dict, frequency: Frequency, errors: dict, status: int = 200,
                 preview: dict | None = None):
    parents = [(schedule_id, name) for schedule_id, name in schedules.schedule_names()
               if schedule is None or schedule_id != schedule.id]
    if errors.get("timezone") and not known_zone(values.get("timezone")):
        errors = {**errors, "timezone": zone_error(values.get("timezone"))}
    zones = zone_choices(values.get("timezone"), display_zone().key, schedules.zones_in_use())
    windows = values.get("windows")
    try:
        parsed = parse_windows(windows) if not isinstance(windows, str) else []
    except WindowError:
        parsed = []
    values = {**values, "window_cells": grid_cells(parsed),
              "windows_text": request.form.get("windows_text", windows_text(parsed)) if request.method == "POST"
              else windows_text(parsed), "windows_text_initial": windows_text(parsed)}
    return render_template("schedules/form.html", schedule=schedule, values=values, frequency=frequency, days=DAYS,
                           errors=errors, preview=preview or _preview(values, frequency, schedule.id if schedule else None),
                           parents=parents,
                           zones=zones, weekdays=WEEKDAYS), status


def _save(schedule):
    values, frequency = _form_values(request.form)
    if request.form.get("action") == "preview":  # without JavaScript: the field at fault is marked too
        preview = _preview(values, frequency, schedule.id if schedule else None)
        errors = {preview["field"]: preview["error"]} if preview.get("field") and preview.get("error") else {}
        return _render_form(schedule, values, frequency, errors, preview=preview)
    if isinstance(values["windows"], _Unreadable):
        return _render_form(schedule, values, frequency, {"windows": f"Replication windows: {values['windows']}"}, 422)
    try:
        if schedule is None:
            saved = schedules.create_schedule(values, created_by=current_user.username)
        else:
            saved = schedules.update_schedule(schedule.id, values)
    except DomainError as exc:
        errors = field_errors(exc, LABELS)
        for key in [key for key in errors if key.startswith("windows[")]:
            errors["windows"] = f"Replication windows: {key.removeprefix('windows')} {errors.pop(key)}"
        if frequency.errors:
            errors.pop("cron_expression", None)
            errors.update(frequency.errors)
        return _render_form(schedule, values, frequency, errors, 422)
    flash(f"Schedule '{saved.name}' {'created' if schedule is None else 'saved'}.", "ok")
    return redirect(url_for("schedules.detail", schedule_id=saved.id))


@bp.get("/")
def index():
    page = page_number(request.args.get("page"))
    fragments, running = _list_fragments(page)
    return render_template("schedules/index.html", panels=by_id(fragments),
                           **poll_context(url_for("schedules.list_poll", page=page), active=running))


@bp.get("/poll")
def list_poll():
    fragments, running = _list_fragments(page_number(request.args.get("page")))
    return poll_response(fragments, active=running)


def _list_fragments(page: int):
    """The list as one fragment (next runs and last executions move on their own), and whether an
    execution of a listed schedule is under way (the page then polls at the fast interval)."""
    listing = schedules.schedule_page(page, SCHEDULES_PER_PAGE)
    running = any(summary.last_execution is not None and summary.last_execution.status in UNDER_WAY
                  for summary in listing.items)
    return [render_fragment("schedules-list", "schedules/_list.html", label="All schedules",
                            summaries=listing.items, listing=listing,
                            back_url=url_for("schedules.index", page=page if page > 1 else None))], running


@bp.route("/new", methods=["GET", "POST"])
@form_page
def create():
    if request.method == "POST":
        return _save(None)
    values = _initial_values()
    return _render_form(None, values, frequency_from_cron(values["cron_expression"]), {})


@bp.route("/<schedule_id>/edit", methods=["GET", "POST"])
@form_page
def edit(schedule_id: str):
    schedule = _load(schedule_id)
    if request.method == "POST":
        return _save(schedule)
    values = _initial_values(schedule)
    return _render_form(schedule, values, frequency_from_cron(values["cron_expression"]), {})


@bp.get("/preview")
def preview():
    """The live preview while the operator types (htmx swaps it into the form)."""
    values, frequency = _form_values(request.args)
    editing = request.args.get("editing_schedule_id") or None
    return render_template("schedules/_preview.html", preview=_preview(values, frequency, editing))


def _detail_fragments(schedule, page: int):
    executions = schedules.list_executions(schedule.id, page=page, per_page=EXECUTIONS_PER_PAGE)
    running = schedules.schedule_has_running_execution(schedule.id)
    return [
        render_fragment("schedule-executions", "schedules/_executions.html", label="Execution history",
                        schedule=schedule, executions=executions,
                        job_errors=schedules.failed_job_errors(executions.items)),
    ], running


@bp.get("/<schedule_id>")
def detail(schedule_id: str):
    schedule = _load(schedule_id)
    now = utcnow()
    slot_policy = policy_of(schedule, now)
    page = page_number(request.args.get("page"))
    fragments, running = _detail_fragments(schedule, page)
    return render_template("schedules/detail.html", schedule=schedule, panels=by_id(fragments),
                           coverage=grouping.schedule_coverage(schedule.id),
                           next_run=schedules.schedules.next_run_of(schedule, now, slot_policy),
                           upcoming=upcoming_slots(schedule, now=now, policy=slot_policy),
                           policy=policy_to_dict(schedule.policy),
                           policy_events=policy_events.recent(schedule_id=schedule.id, limit=10),
                           problem=schedule_problem(schedule),
                           parent=schedules.schedule_name(schedule.chain_parent_schedule_id),
                           **poll_context(url_for("schedules.poll", schedule_id=schedule.id, page=page), active=running))


@bp.get("/<schedule_id>/poll")
def poll(schedule_id: str):
    schedule = _load(schedule_id)
    fragments, running = _detail_fragments(schedule, page_number(request.args.get("page")))
    return poll_response(fragments, active=running)


@bp.post("/<schedule_id>/enabled")
def set_enabled(schedule_id: str):
    try:
        schedule = schedules.set_schedule_enabled(schedule_id, form_boolean(request.form.get("enabled", "")))
    except NotFound:
        abort(404, "No such schedule; it may have been deleted.")
    except ValidationError as exc:
        flash(exc.message, "error")
        return redirect(_back(url_for("schedules.index")))
    flash(f"Schedule '{schedule.name}' {'enabled' if schedule.enabled else 'disabled'}.", "ok")
    return redirect(_back(url_for("schedules.index")))


@bp.post("/<schedule_id>/run")
def run_now(schedule_id: str):
    schedule = _load(schedule_id)
    try:
        run = schedules.trigger_schedule(schedule.id, requested_by=current_user.username)
    except DomainError as exc:  # disabled, or covering no VM: a Conflict saying so
        flash(f"Not started: {exc.message}", "error")
    else:
        flash(run.message, "ok" if run.outcome == STARTED else "warning")
    return redirect(url_for("schedules.detail", schedule_id=schedule.id))


@bp.post("/<schedule_id>/delete")
def delete(schedule_id: str):
    schedule = _load(schedule_id)
    if not confirmed():
        return confirmation_page(f"Delete schedule {schedule.name}?",
                                 _back(url_for("schedules.detail", schedule_id=schedule.id)),
                                 button=f"Delete {schedule.name}")
    try:
        schedules.delete_schedule(schedule.id)
    except DomainError as exc:
        flash(f"Not deleted: {exc.message}", "error")
        return redirect(_back(url_for("schedules.detail", schedule_id=schedule.id)))
    flash(f"Schedule '{schedule.name}' deleted.", "ok")
    return redirect(url_for("schedules.index"))


def _back(default: str) -> str:
    """Where a list action returns: the page it was posted from, if it is one of ours."""
    return safe_next_url(request.form.get("next"), default)
