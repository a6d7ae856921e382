"""Page fragments and the page poller.

A fragment is one partial template (`jobs/_active.html`, `jobs/_list.html`, ...) shown in a panel
that carries its id and a version: a short hash of its rendered HTML. The page renders its
fragments for the first paint with the `panel` macro of `_macros.html`; the page's single poll
endpoint renders the very same fragments, compares each version with the one the browser
reports (`v.<fragment id>` query parameters, added by static/js/app.js) and answers with only the
fragments that changed, through the same macro as out-of-band swaps (`_poll.html`). 204 means
nothing changed; 286 tells htmx to stop polling because nothing on the page is running any more
(the response still carries the last changes).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Iterable

from flask import current_app, make_response, render_template, request
from markupsafe import Markup

STOP_POLLING = 286
DEFAULT_POLL_INTERVAL_SECONDS = 2


@dataclass(frozen=True)
class Fragment:
    """A rendered partial with its element id, its accessible name and its content version."""

    id: str
    label: str
    inner: Markup
    version: str


def render_fragment(fragment_id: str, template: str, *, label: str, **context) -> Fragment:
    """Render `template` as the fragment `fragment_id`; the version is a hash of the HTML."""
    inner = Markup(render_template(template, **context))
    version = hashlib.blake2b(inner.encode("utf-8"), digest_size=6).hexdigest()
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


def poll_panels(panels: Iterable[Panel], *, active: bool):
    """`poll_response` for panels: only those whose state changed are loaded and rendered."""
    return poll_response([panel.render() for panel in panels if _changed(panel)], active=active)


def minute_of(now) -> str:
    """The state part of panels that show relative times ("3 min ago"): they change each minute."""
    return now.strftime("%Y%m%d%H%M")


def poll_interval() -> int:
    """Seconds between two polls of a page (PAGE_POLL_INTERVAL_SECONDS, default 2)."""
    return int(current_app.config.get("PAGE_POLL_INTERVAL_SECONDS") or DEFAULT_POLL_INTERVAL_SECONDS)


def _changed(item: Fragment | Panel) -> bool:
    """Whether its version differs from the one the browser reported (`v.<id>`)."""
    return request.args.get(f"v.{item.id}") != item.version


def poll_response(fragments: Iterable[Fragment], *, active: bool):
    """Answer one poll: changed fragments as OOB swaps, 204 if none, 286 once nothing runs."""
    changed = [fragment for fragment in fragments if _changed(fragment)]
    status = 200 if active else STOP_POLLING
    if not changed and active:
        status = 204
    response = make_response(render_template("_poll.html", fragments=changed) if changed else "", status)
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("HX-Request")
    return response
