"""JSON for JobLog metadata and log attributes: always valid, secrets left out."""
from __future__ import annotations

import enum
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from joblog.serialize import dumps, to_jsonable, without_secrets


class Colour(enum.Enum):
    RED = "red"


@dataclass
class Disk:
    label: str
    size_gb: int


@pytest.mark.parametrize("value, expected", [
    (datetime(2025, 9, 22, 14, 12, 13, tzinfo=timezone.utc), "2025-09-22T14:12:13+00:00"),
    (date(2025, 9, 22), "2025-09-22"),
    (time(2, 30), "02:30:00"),
    (timedelta(seconds=90), 90.0),
    (Decimal("16"), 16),
    (Decimal("0.25"), 0.25),
    (Decimal("NaN"), "NaN"),
    (uuid.UUID(int=255), "00000000-0000-0000-0000-0000000000ff"),
    ({3, 1, 2}, [1, 2, 3]),
    (frozenset({"b", "a"}), ["a", "b"]),
    ({1, "a"}, ["a", 1]),  # mixed types: ordered by their repr, so always the same order
    ((1, 2), [1, 2]),
    (Colour.RED, "red"),
    (b"raw\xff", "raw\ufffd"),
    (Path("/var/lib/x"), "/var/lib/x"),
    (Disk("Hard disk 1", 100), {"label": "Hard disk 1", "size_gb": 100}),
    (float("inf"), "inf"),
    ({1: "numeric key"}, {"1": "numeric key"}),
    (object, str(object)),
])
def test_python_values_become_their_natural_json_form(value, expected):
    assert to_jsonable(value) == expected


def test_json_values_pass_through_unchanged():
    value = {"a": [1, 2.5, None, True, "x", {"b": []}]}
    assert to_jsonable(value) == value


def test_a_structure_that_contains_itself_still_becomes_json():
    loop: list = []
    loop.append(loop)
    assert json.loads(dumps({"loop": loop}))["loop"]


def test_dumps_never_writes_nan_which_a_json_column_would_refuse():
    assert json.loads(dumps({"ratio": float("nan"), "at": datetime(2025, 1, 1)})) == {
        "ratio": "nan", "at": "2025-01-01T00:00:00"}


def test_keys_naming_passwords_tokens_or_secrets_are_left_out_at_any_depth():
    attrs = {"vcenter": "vc", "Password": "p", "oma_api_token": "t",
             "nested": {"client_secret": "s", "keep": 1, "deeper": {"token": "t2", "ok": True}}}
    assert without_secrets(attrs) == {"vcenter": "vc", "nested": {"keep": 1, "deeper": {"ok": True}}}
