"""Page fragments and the page poller.

A fragment is one partial template (`jobs/_active.html`, `jobs/_list.html`, ...) shown in a panel
that carries its id and a version: a short hash of its rendered HTML. The page renders its
fragments for the first paint with the `panel` macro of `_macros.html`; the page's single poll
endpoint renders the very same fragments, compares each version with the one the browser
reports (`v.<fragment id>` query parameters, added by static/js/app.js) and answers with only the
fragments that changed, through the same macro as out-of-band swaps (`_poll.html`). 204 means
nothing changed.

A live page never stops polling because nothing runs right now: an Overview left open overnight
must show the 02:00 run start. Every answer says whether something on the page is running
(`X-Poll-Active`), and the browser polls every PAGE_POLL_INTERVAL_SECONDS while it is, every
PAGE_IDLE_POLL_INTERVAL_SECONDS while it is not; `X-Poll-Updated` is the time of the answer in
the operator's display zone, shown as the page's freshness ("updated 22:41:07"). 286 is kept for
a page whose subject is finished for good (a completed job's detail page): the browser stops.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from flask import current_app, make_response, render_template, request
from markupsafe import Markup

from blueprints.pages.context import format_time
from models import utcnow

STOP_POLLING = 286
DEFAULT_POLL_INTERVAL_SECONDS = 2
DEFAULT_IDLE_POLL_INTERVAL_SECONDS = 20
FRESHNESS_FORMAT = "%H:%M:%S"


@dataclass(frozen=True)
class Fragment:
    """A rendered partial with its element id, its accessible name and its content version."""

    id: str
    label: str
    inner: Markup
    version: str


# A form's CSRF token is signed with the time it was made, so it differs from one rendering to the
# next: the version leaves it out, or a panel with a form would be swapped in at every poll (and
# the control the operator is on would lose focus) although nothing on it changed.
_CSRF_VALUE = re.compile(r'(name="csrf_token" value=")[^"]*(")')


def render_fragment(fragment_id: str, template: str, *, label: str, **context) -> Fragment:
    """Render `template` as the fragment `fragment_id`; the version is a hash of the HTML."""
    inner = Markup(render_template(template, **context))
    stable = _CSRF_VALUE.sub(r"\1\2", str(inner))
    version = hashlib.blake2b(stable.encode("utf-8"), digest_size=6).hexdigest()
    return Fragment(fragment_id, label, inner, version)


@dataclass(frozen=True)
class Panel:
    """A fragment whose version is known before it is rendered.

    `state` is a cheap description of everything the partial shows (a fingerprint of the rows
    behind it, the minute for relative times, the filters); `context` loads what the template
    needs and runs only when the panel is rendered. A poll compares states and renders only the
    panels that changed.
    """

    id: str
    template: str
    state: str
    context: Callable[[], dict]
    label: str

    @property
    def version(self) -> str:
        return hashlib.blake2b(f"{self.template}|{self.state}".encode("utf-8"), digest_size=6).hexdigest()

    def render(self) -> Fragment:
        inner = Markup(render_template(self.template, **self.context()))
        return Fragment(self.id, self.label, inner, self.version)


def by_id(fragments: Iterable[Fragment]) -> dict[str, Fragment]:
    """The fragments keyed by element id, for a page template that places each one itself."""
    return {fragment.id: fragment for fragment in fragments}


def render_panels(panels: Iterable[Panel]) -> dict[str, Fragment]:
    """Every panel rendered, for the first paint, keyed by element id."""
    return by_id(panel.render() for panel in panels)


def poll_panels(panels: Iterable[Panel], *, active: bool, finished: bool = False):
    """`poll_response` for panels: only those whose state changed are loaded and rendered."""
    return poll_response([panel.render() for panel in panels if _changed(panel)], active=active,
                         finished=finished)


def minute_of(now) -> str:
    """The state part of panels that show relative times ("3 min ago"): they change each minute."""
    return now.strftime("%Y%m%d%H%M")


def poll_interval() -> int:
    """Seconds between two polls of a page while something on it runs (PAGE_POLL_INTERVAL_SECONDS)."""
    return max(1, int(current_app.config.get("PAGE_POLL_INTERVAL_SECONDS") or DEFAULT_POLL_INTERVAL_SECONDS))


def idle_poll_interval() -> int:
    """Seconds between two polls of a page while nothing on it runs (PAGE_IDLE_POLL_INTERVAL_SECONDS)."""
    return max(1, int(current_app.config.get("PAGE_IDLE_POLL_INTERVAL_SECONDS") or DEFAULT_IDLE_POLL_INTERVAL_SECONDS))


def poll_context(url: str, *, active: bool, finished: bool = False) -> dict:
    """What a live page's template needs for its poller (the `poller` macro of `_macros.html`)."""
    return {"poll": {"url": url, "active": active, "finished": finished, "interval": poll_interval(),
                     "idle_interval": idle_poll_interval(), "updated": freshness()}}


def freshness() -> str:
    """The time of this answer in the operator's display zone: what "updated 22:41:07" shows."""
    return format_time(utcnow(), FRESHNESS_FORMAT)


def _changed(item: Fragment | Panel) -> bool:
    """Whether its version differs from the one the browser reported (`v.<id>`)."""
    return request.args.get(f"v.{item.id}") != item.version


def poll_response(fragments: Iterable[Fragment], *, active: bool, finished: bool = False):
    """Answer one poll: changed fragments as OOB swaps, 204 if none; 286 once the page's subject
    is finished for good (the answer still carries the last changes)."""
    changed = [fragment for fragment in fragments if _changed(fragment)]
    status = 200 if changed else 204
    if finished:
        status = STOP_POLLING
    response = make_response(render_template("_poll.html", fragments=changed) if changed else "", status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Poll-Active"] = "1" if active and not finished else "0"
    response.headers["X-Poll-Updated"] = freshness()
    response.vary.add("HX-Request")
    return response
