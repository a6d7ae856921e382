"""What every API view shares: JSON body and query parsing, and domain errors as JSON.

Views stay a few lines: parse input with these helpers, call one domain function, return
JSON. Any `DomainError` a domain function raises becomes the API's error body here.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from flask import g, request

from blueprints.api.openapi import build_document
from domain_errors import Conflict, DomainError, NotFound, Unavailable, ValidationError, parse_instant
from security.access import api_error

STATUS_BY_ERROR = ((ValidationError, 400), (NotFound, 404), (Conflict, 409), (Unavailable, 502))


def domain_error_response(exc: DomainError):
    status = next((code for kind, code in STATUS_BY_ERROR if isinstance(exc, kind)), 400)
    return api_error(status, exc.code, exc.message, exc.details)


def register_domain_errors(blueprint) -> None:
    blueprint.register_error_handler(DomainError, domain_error_response)


def register_argument_check(blueprint) -> None:
    blueprint.before_request(refuse_undocumented_fields)


# Fields of the system this replaces that a request does not take, with what to send instead.
_INSTEAD: dict[str, str] = {}
_RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@lru_cache(maxsize=1)
def _documented_operations() -> dict[tuple[str, str], tuple[frozenset[str], frozenset[str] | None]]:
    """(path, method) → (query arguments, body fields or None) as the OpenAPI document states them."""
    document = build_document()
    schemas = document["components"]["schemas"]
    operations = {}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            names = frozenset(p["name"] for p in operation.get("parameters", ()) if p["in"] == "query")
            fields = None
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body is not None:
                if "$ref" in body:
                    body = schemas[body["$ref"].rsplit("/", 1)[1]]
                if body.get("additionalProperties") is False:
                    fields = frozenset(body.get("properties", ()))
            operations[(path, method.upper())] = (names, fields)
    return operations


def refuse_undocumented_fields() -> None:
    """One rule for every endpoint: a query argument or body field the OpenAPI document does not
    name is refused (400 naming it), never silently ignored, so the document stays the contract."""
    if request.url_rule is None:
        return
    path = _RULE_ARGUMENT.sub(r"{\1}", request.url_rule.rule.removeprefix("/api/v1"))
    documented = _documented_operations().get((path, request.method))
    if documented is None:
        return
    arguments, fields = documented
    errors = {name: "is not an argument of this request" for name in request.args if name not in arguments}
    if fields is not None and request.data:
        data = request.get_json(force=True, silent=True)
        if isinstance(data, dict):
            errors.update({name: _INSTEAD.get(name, "is not a field of this request")
                           for name in data if name not in fields})
    if errors:
        raise ValidationError(dict(sorted(errors.items())))


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


def bool_arg(name: str, default: bool = False) -> bool:
    """A true/false query parameter (`true`/`false`, `1`/`0`), refused by name otherwise."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    value = {"true": True, "1": True, "false": False, "0": False}.get(raw.strip().lower())
    if value is None:
        raise ValidationError(name, "must be true or false")
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


def retrieved_at() -> str:
    """`retrieved_at` of a list answer (the original API's, RFC 3339 UTC)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def listing(key: str, items: list, **extra: Any) -> dict[str, Any]:
    """A list answer: the items under `key`, with `count` (ours), `total_count` and
    `retrieved_at` (the original API's) unless `extra` gives them."""
    return {key: items, "count": len(items), "total_count": len(items), "retrieved_at": retrieved_at(), **extra}


def done(message: str, **payload: Any) -> dict[str, Any]:
    """The answer of a write: ours (`payload`) with the original API's `success` and `message`."""
    return {"success": True, "message": message, **payload}
