"""JSON for job metadata, step metadata and log attributes.

The appliance's JSON columns carry a `json_valid` CHECK on MariaDB, so whatever callers pass
(datetimes, Decimals, UUIDs, sets, NaN, objects) must become valid JSON rather than fail the write.
"""
from __future__ import annotations

import dataclasses
import enum
import json
import math
import re
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import PurePath
from typing import Any

_MAX_DEPTH = 32
_SECRET_KEY = re.compile("password|token|secret", re.IGNORECASE)


def to_jsonable(value: Any, _depth: int = 0) -> Any:
    """A structure of dicts, lists, strings, numbers, booleans and None equivalent to `value`."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if _depth >= _MAX_DEPTH:
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v, _depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [to_jsonable(v, _depth + 1) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return sorted(items, key=repr)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value, _depth + 1)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, PurePath):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable({f.name: getattr(value, f.name) for f in dataclasses.fields(value)}, _depth + 1)
    return str(value)


def _fast_default(value: Any) -> Any:
    """`json.dumps` fallback for the common non-JSON types; everything else goes through to_jsonable."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError


# Built once: json.dumps with options constructs a new encoder on every call.
_fast_encoder = json.JSONEncoder(default=_fast_default, allow_nan=False, separators=(",", ":")).encode
_strict_encoder = json.JSONEncoder(allow_nan=False, separators=(",", ":")).encode


def dumps(value: Any) -> str:
    """Compact, valid JSON for any value (the fast path first, the thorough one when it fails)."""
    try:
        return _fast_encoder(value)
    except (TypeError, ValueError):
        return _strict_encoder(to_jsonable(value))


@lru_cache(maxsize=4096)
def _names_a_secret(key: str) -> bool:
    """Cached: the log writer asks this for every attribute of every record, and a process
    logs the same few attribute names over and over."""
    return _SECRET_KEY.search(key) is not None


def without_secrets(attrs: dict) -> dict:
    """`attrs` minus every key (at any depth) naming a password, token or secret."""
    clean = {}
    for key, value in attrs.items():
        if _names_a_secret(key if type(key) is str else str(key)):
            continue
        clean[key] = without_secrets(value) if isinstance(value, dict) else value
    return clean
