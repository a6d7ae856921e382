"""What every API view shares: JSON body and query parsing, and domain errors as JSON.

Views stay a few lines: parse input with these helpers, call one domain function, return
JSON. Any `DomainError` a domain function raises becomes the API's error body here.
"""
from __future__ import annotations

from typing import Any

from flask import g, request

from domain_errors import Conflict, DomainError, NotFound, Unavailable, ValidationError, parse_instant
from security.access import api_error

STATUS_BY_ERROR = ((ValidationError, 400), (NotFound, 404), (Conflict, 409), (Unavailable, 502))


def domain_error_response(exc: DomainError):
    status = next((code for kind, code in STATUS_BY_ERROR if isinstance(exc, kind)), 400)
    return api_error(status, exc.code, exc.message, exc.details)


def register_domain_errors(blueprint) -> None:
    blueprint.register_error_handler(DomainError, domain_error_response)


def json_body() -> dict[str, Any]:
    """The request's JSON object; ValidationError naming `body` for anything else."""
    if not request.data:
        raise ValidationError("body", "is required: send a JSON object")
    try:
        data = request.get_json(force=True, silent=False)
    except Exception:  # noqa: BLE001 - werkzeug raises several kinds for undecodable bodies
        raise ValidationError("body", "is not valid JSON") from None
    if not isinstance(data, dict):
        raise ValidationError("body", "must be a JSON object")
    return data


def optional_json_body() -> dict[str, Any]:
    """Like `json_body` but an empty body means `{}` (for actions without parameters)."""
    return json_body() if request.data else {}


def int_arg(name: str, default: int | None = None, minimum: int | None = None,
            maximum: int | None = None) -> int | None:
    """An integer query parameter, checked against its bounds."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(name, "must be a whole number") from None
    if minimum is not None and value < minimum:
        raise ValidationError(name, f"must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise ValidationError(name, f"must be at most {maximum}")
    return value


def str_arg(name: str, max_length: int = 255) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return None
    if len(raw) > max_length:
        raise ValidationError(name, f"must be at most {max_length} characters")
    return raw.strip()


def instant_arg(name: str):
    return parse_instant(name, request.args.get(name))


def actor_name() -> str:
    actor = getattr(g, "current_actor", None)
    return actor.username if actor is not None else "system"
