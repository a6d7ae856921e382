"""The appliance contract fixtures (tests/fixtures/appliance_contract): load them, serve their
answers, and compare requests and answers with them by shape.

Used by the client's contract tests (which serve the fixtures' answers and check what the client
sends and how it reads them) and meant for a simulator contract test (which sends the fixtures'
requests to the simulator and compares its answers with the fixtures' answers):

    for fixture in load_fixtures(appliance="vma"):
        answer = simulator_client.open(fixture.path, method=fixture.method, **fixture.request_kwargs())
        assert response_differences(answer.status_code, answer.content_type, answer.get_data(as_text=True),
                                    fixture) == []
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "appliance_contract"


@dataclass(frozen=True)
class Fixture:
    """One recorded exchange: `request` and `response` as in the fixture file."""

    name: str
    appliance: str
    source: tuple[str, ...]
    request: dict
    response: dict

    @property
    def method(self) -> str:
        return self.request["method"]

    @property
    def path(self) -> str:
        return self.request["path"]

    @property
    def request_json(self) -> Any:
        return self.request.get("json")

    def request_kwargs(self) -> dict:
        """Body and headers of the request, as `requests`/Flask's test client take them."""
        kwargs: dict = {"headers": dict(self.request.get("headers") or {})}
        if "json" in self.request:
            kwargs["data"] = json.dumps(self.request["json"])
            kwargs["headers"]["Content-Type"] = "application/json"
        elif "body_text" in self.request:
            kwargs["data"] = self.request["body_text"]
        return kwargs

    @property
    def response_body(self) -> str:
        """The answer's body as the real server writes it (encoding/json ends it with a newline)."""
        if "json" in self.response:
            return json.dumps(self.response["json"]) + "\n"
        return self.response["text"]

    def werkzeug_response(self):
        from werkzeug import Response
        return Response(self.response_body, status=self.response["status"],
                        headers={"Content-Type": self.response["content_type"]})


def load_fixture(name: str) -> Fixture:
    data = json.loads((FIXTURES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return Fixture(data["name"], data["appliance"], tuple(data["source"]), data["request"], data["response"])


def load_fixtures(appliance: str | None = None) -> list[Fixture]:
    fixtures = [load_fixture(path.stem) for path in sorted(FIXTURES_DIR.glob("*.json"))]
    return [f for f in fixtures if appliance is None or f.appliance == appliance]


# --- shapes ------------------------------------------------------------------------------------

def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def shape_differences(actual: Any, expected: Any, where: str = "$", *, extra_keys: bool = True) -> list[str]:
    """How `actual` differs in shape from `expected`: missing keys, other JSON types, and (with
    `extra_keys`) keys `expected` does not have. Numbers are one kind (Go writes a float64 0 as
    `0`); a null in `expected` accepts anything; arrays are compared element by element against
    the fixture's first element."""
    if expected is None:
        return []
    if _kind(actual) != _kind(expected):
        return [f"{where}: {_kind(actual)} where the appliance sends {_kind(expected)}"]
    found: list[str] = []
    if isinstance(expected, dict):
        for key, value in expected.items():
            if key not in actual:
                found.append(f"{where}.{key}: missing")
            else:
                found += shape_differences(actual[key], value, f"{where}.{key}", extra_keys=extra_keys)
        if extra_keys:
            found += [f"{where}.{key}: not sent by the appliance" for key in actual if key not in expected]
    elif isinstance(expected, list) and expected:
        for index, item in enumerate(actual):
            found += shape_differences(item, expected[0], f"{where}[{index}]", extra_keys=extra_keys)
    return found


def _media_type(content_type: str | None) -> str:
    return ";".join(part.strip().lower() for part in (content_type or "").split(";") if part.strip())


def response_differences(status: int, content_type: str | None, body: str, fixture: Fixture, *,
                         extra_keys: bool = True) -> list[str]:
    """How an answer differs from the fixture's: status, content type, and the body's shape
    (JSON) or text (`text_pattern`, a regular expression, when the fixture has one; else the
    exact text, trailing newline included)."""
    expected = fixture.response
    found = []
    if status != expected["status"]:
        found.append(f"status {status}, the appliance answers {expected['status']}")
    if _media_type(content_type) != _media_type(expected["content_type"]):
        found.append(f"content type {content_type!r}, the appliance sends {expected['content_type']!r}")
    if "json" in expected:
        try:
            decoded = json.loads(body)
        except ValueError:
            return found + [f"body is not JSON: {body[:120]!r}"]
        found += shape_differences(decoded, expected["json"], extra_keys=extra_keys)
    elif "text_pattern" in expected:
        if not re.fullmatch(expected["text_pattern"], body, re.DOTALL):
            found.append(f"body {body[:120]!r} does not match {expected['text_pattern']!r}")
    elif body != expected["text"]:
        found.append(f"body {body[:120]!r}, the appliance sends {expected['text']!r}")
    return found


# --- what the real decoder accepts ----------------------------------------------------------------

def request_problems(sent: Any, fixture: Fixture) -> tuple[list[str], list[str]]:
    """(`rejected`, `ignored`): what in a request body Go's encoding/json would refuse (a JSON
    type the struct field cannot take, a non-integral number for an int field) or the handler
    would refuse (an empty `required` field), and the keys the struct has no field for (dropped
    silently). The fixture's request lists every field of the real struct; a null is a no-op for
    encoding/json and so accepted anywhere."""
    rejected: list[str] = []
    ignored: list[str] = []
    _decode(sent, fixture.request_json, "$", rejected, ignored)
    for dotted in fixture.request.get("required", ()):
        value: Any = sent
        for part in dotted.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value in (None, "", 0) or isinstance(value, bool):
            rejected.append(f"$.{dotted}: required by the handler, sent {value!r}")
    return rejected, ignored


def _decode(sent: Any, field: Any, where: str, rejected: list[str], ignored: list[str]) -> None:
    if sent is None or field is None:
        return
    if isinstance(field, bool) or isinstance(sent, bool):
        if not (isinstance(field, bool) and isinstance(sent, bool)):
            rejected.append(f"{where}: {_kind(sent)} for a Go {_kind(field)} field")
        return
    if isinstance(field, int):
        if not isinstance(sent, int):
            rejected.append(f"{where}: {json.dumps(sent)[:40]} for a Go int field")
        return
    if isinstance(field, float):
        if not isinstance(sent, (int, float)):
            rejected.append(f"{where}: {_kind(sent)} for a Go float field")
        return
    if _kind(sent) != _kind(field):
        rejected.append(f"{where}: {_kind(sent)} for a Go {_kind(field)} field")
        return
    if isinstance(field, dict):
        for key, value in sent.items():
            if key in field:
                _decode(value, field[key], f"{where}.{key}", rejected, ignored)
            else:
                ignored.append(f"{where}.{key}")
    elif isinstance(field, list) and field:
        for index, item in enumerate(sent):
            _decode(item, field[0], f"{where}[{index}]", rejected, ignored)
