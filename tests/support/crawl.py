"""Open every page the way a visitor can reach it: the URL map, each filter value, each link.

`Crawler(client, app, world).run()` requests, as the client's user:

* every GET route of the URL map, its path parameters filled from the seeded rows;
* every GET form on the pages it opens (and every form whose fields drive an `hx-get`, such as
  the schedule form's preview): once as it stands, then once per value of each select, each
  radio and each checkbox, and with a value that finds something in each text field that has
  one (`World.text_values`);
* every same-origin link (`href`) and `hx-get` on those pages, deduplicated by endpoint and
  query shape (at most `PER_SHAPE` URLs of one shape, so a list of a thousand jobs is sampled).

Every response is recorded; `failures` are those with a 5xx status.
"""
from __future__ import annotations

import logging
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import BuildError

#: URLs of one endpoint with the same query keys (and path parameters of one route) followed per role.
PER_SHAPE = 6
#: A hard bound on requests per role, so a page that links to itself forever cannot hang the suite.
MAX_REQUESTS = 3000
#: Never followed: they change state on GET-less routes or leave the page (logout is a POST form).
SKIP_ENDPOINTS = {"static", "auth.logout"}
#: 5xx answers that are the route's meaning: the readiness probe says 503 while no scheduler
#: fires in this process (the crawl runs none), with the reason in its body.
DESIGNED_5XX = {("ops.readyz", 503)}


@dataclass
class Form:
    action: str
    method: str
    #: (name, kind, value, checked) for inputs; selects as (name, "select", [option values], selected)
    fields: list[tuple] = field(default_factory=list)


class PageParser(HTMLParser):
    """Links, hx-get URLs and forms of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        #: hx-get URLs (a page's poller): each page's own, whatever its shape
        self.live: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: list | None = None  # [name, options, selected]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if a.get("hx-get") and tag != "form":
            self.live.append(a["hx-get"])
        if tag == "form":
            if a.get("hx-get"):
                self._form = Form(a["hx-get"], "get")
            else:
                self._form = Form(a.get("action") or "", (a.get("method") or "get").lower())
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            self._form.fields.append((a["name"], kind, a.get("value", "on" if kind in ("checkbox", "radio") else ""),
                                      "checked" in a))
        elif tag == "textarea" and a.get("name"):
            self._form.fields.append((a["name"], "text", "", False))
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], [], None, "multiple" in a]
        elif tag == "option" and self._select is not None:
            self._option = a
            self._option_text = ""
            value = a.get("value")
            self._select[1].append(value)
            if "selected" in a:
                self._select[2] = len(self._select[1]) - 1

    def handle_data(self, data):
        if self._select is not None and getattr(self, "_option", None) is not None and \
                self._option.get("value") is None:
            self._option_text += data
            self._select[1][-1] = self._option_text.strip()

    def handle_endtag(self, tag):
        if tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options, selected, _multiple = self._select
            options = [o or "" for o in options]
            self._form.fields.append((name, "select", options, selected if selected is not None else 0))
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


#: A field with more values than this (a timezone select) is tried value by value, not in pairs.
PAIRWISE_MAX_VALUES = 12


def form_dimensions(form: Form, text_values: dict[str, list[str]]) -> tuple[dict, list[tuple]]:
    """The form's defaults and its choices: (dimension, values) per select, radio group,
    checkbox and text field that has values to type (`text_values`)."""
    defaults: dict = {}
    values: dict = {}
    for name, kind, value, state in form.fields:
        if kind == "select":
            defaults[("select", name)] = value[state] if value else None
            values[("select", name)] = list(value)
        elif kind == "radio":
            values.setdefault(("radio", name), []).append(value)
            if state or ("radio", name) not in defaults:
                defaults[("radio", name)] = value if state else None
        elif kind == "checkbox":
            defaults[("checkbox", name, value)] = bool(state)
            values[("checkbox", name, value)] = [True, False]
        elif not (kind == "hidden" and name == "csrf_token"):
            defaults[("text", name)] = value
            typed = [v for v in text_values.get(name, ()) if v != value] if kind != "hidden" else []
            if typed:
                values[("text", name)] = [value, *typed]
    return defaults, [(dim, options) for dim, options in values.items() if len(options) > 1]


def render_form(form: Form, defaults: dict, chosen: dict) -> list[tuple[str, str]]:
    """The (name, value) pairs the browser sends for the form with `chosen` over its defaults."""
    pairs, seen_radios = [], set()
    for name, kind, value, _state in form.fields:
        if kind == "radio":
            if name in seen_radios:
                continue
            seen_radios.add(name)
            picked = chosen.get(("radio", name), defaults[("radio", name)])
            if picked is not None:
                pairs.append((name, picked))
        elif kind == "checkbox":
            if chosen.get(("checkbox", name, value), defaults[("checkbox", name, value)]):
                pairs.append((name, value))
        elif kind == "select":
            picked = chosen.get(("select", name), defaults[("select", name)])
            if picked is not None:
                pairs.append((name, picked))
        elif ("text", name) in defaults:
            pairs.append((name, chosen.get(("text", name), defaults[("text", name)])))
    return pairs


def form_submissions(form: Form, text_values: dict[str, list[str]]) -> list[tuple[frozenset, list[tuple[str, str]]]]:
    """The form as it stands; every value of each field (the others as they stand); and every
    pair of values of two fields with few values each (a filter that fails only with another,
    such as a job type over a window that holds such jobs). Each with what it varies."""
    defaults, dimensions = form_dimensions(form, text_values)
    submissions = [(frozenset(), render_form(form, defaults, {}))]
    for dim, options in dimensions:
        submissions += [(frozenset({(dim, o)}), render_form(form, defaults, {dim: o})) for o in options]
    small = [(dim, options) for dim, options in dimensions if len(options) <= PAIRWISE_MAX_VALUES]
    for i, (first, first_options) in enumerate(small):
        for second, second_options in small[i + 1:]:
            for a in first_options:
                for b in second_options:
                    submissions.append((frozenset({(first, a), (second, b)}),
                                        render_form(form, defaults, {first: a, second: b})))
    return submissions


@dataclass
class Visit:
    url: str
    status: int
    referrer: str
    error: str = ""


class Crawler:
    def __init__(self, client, app, world, *, per_shape: int = PER_SHAPE):
        self.client = client
        self.app = app
        self.world = world
        self.per_shape = per_shape
        self.adapter = app.url_map.bind("localhost")
        self.visits: dict[str, Visit] = {}
        self.shapes: Counter = Counter()
        self.tried_values: set[tuple] = set()
        self.queue: deque[tuple[str, str]] = deque()
        #: Full-page HTML responses (200, text/html), for the browser pass to pick from.
        self.pages: dict[str, str] = {}

    # --- what to visit -------------------------------------------------------------------------

    def route_urls(self) -> list[str]:
        """Every GET route of the URL map, each path parameter filled with each seeded value."""
        urls = []
        for rule in sorted(self.app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint in SKIP_ENDPOINTS:
                continue
            arguments = sorted(rule.arguments)
            if not arguments:
                urls.append(self._build(rule.endpoint, {}))
                continue
            assert len(arguments) == 1, f"{rule.rule}: fill several path parameters"  # none today
            values = self.world.path_values.get(arguments[0])
            assert values, f"{rule.rule}: no seeded value for <{arguments[0]}> (add it to World.path_values)"
            urls.extend(self._build(rule.endpoint, {arguments[0]: value}) for value in values)
        return [url for url in urls if url]

    def _build(self, endpoint, values):
        try:
            return self.adapter.build(endpoint, values)
        except BuildError:
            return None

    def endpoint_of(self, path: str) -> str | None:
        try:
            endpoint, _ = self.adapter.match(path, method="GET")
        except (NotFound, MethodNotAllowed):
            return None
        except Exception:  # a redirect (trailing slash) still names the endpoint
            try:
                endpoint, _ = self.adapter.match(path + "/", method="GET")
            except Exception:
                return None
        return endpoint

    def enqueue(self, url: str, referrer: str, *, forced: bool = False) -> None:
        base = urlsplit(referrer).path if referrer.startswith("/") else "/"
        parts = urlsplit(urljoin("http://localhost" + base, url))
        if parts.scheme not in ("http", "https") or parts.netloc not in ("localhost", ""):
            return
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if target in self.visits or any(target == queued for queued, _ in self.queue):
            return
        endpoint = self.endpoint_of(parts.path)
        if endpoint in SKIP_ENDPOINTS:
            return
        shape = (endpoint or parts.path, tuple(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})))
        if not forced:
            if self.shapes[shape] >= self.per_shape:
                return
        self.shapes[shape] += 1
        self.queue.append((target, referrer))

    def enqueue_forms(self, forms: list[Form], referrer: str) -> None:
        for form in forms:
            if form.method != "get":
                continue
            action = form.action or urlsplit(referrer).path
            for varied, pairs in form_submissions(form, self.world.text_values):
                # Each choice once per action: the same select on many pages (a schedule form's
                # 500 timezones on every schedule) is tried on the first page that shows it.
                if varied:
                    if (action, varied) in self.tried_values:
                        continue
                    self.tried_values.add((action, varied))
                query = urlencode(pairs)
                self.enqueue(f"{action}?{query}" if query else action, referrer, forced=True)

    # --- visiting ------------------------------------------------------------------------------

    def run(self, start: list[str] | None = None) -> "Crawler":
        for url in start if start is not None else self.route_urls():
            self.enqueue(url, "(URL map)", forced=True)
        # The app's error handler logs what went wrong ("Unhandled error" with the exception):
        # the failure's message names it.
        catcher = _ExceptionCatcher()
        logging.getLogger().addHandler(catcher)
        try:
            while self.queue and len(self.visits) < MAX_REQUESTS:
                url, referrer = self.queue.popleft()
                catcher.last = ""
                self.visit(url, referrer)
                if catcher.last and url in self.visits and self.visits[url].status >= 500:
                    self.visits[url].error = catcher.last
        finally:
            logging.getLogger().removeHandler(catcher)
        return self

    def visit(self, url: str, referrer: str) -> None:
        headers = {"HX-Request": "true"} if self._is_fragment(url) else {}
        try:
            response = self.client.get(url, headers=headers)
        except Exception as exc:  # TESTING propagates exceptions: a 500 all the same
            self.visits[url] = Visit(url, 500, referrer, f"{type(exc).__name__}: {exc}"[:300])
            return
        self.visits[url] = Visit(url, response.status_code, referrer,
                                 _error_text(response)[:160] if response.status_code >= 500 else "")
        if response.status_code in (301, 302, 303, 307, 308) and response.location:
            self.enqueue(response.location, url)
            return
        if response.status_code != 200 or not response.mimetype == "text/html":
            return
        body = response.get_data(as_text=True)
        if not headers:
            self.pages[url] = body
        parser = PageParser()
        parser.feed(body)
        for link in parser.links:
            if link.startswith(("#", "mailto:", "javascript:")):
                continue
            self.enqueue(link.split("#", 1)[0], url)
        for link in parser.live:
            self.enqueue(link, url, forced=True)
        self.enqueue_forms(parser.forms, url)

    def _is_fragment(self, url: str) -> bool:
        endpoint = self.endpoint_of(urlsplit(url).path) or ""
        return endpoint.endswith("poll") or endpoint == "schedules.preview"

    @property
    def failures(self) -> list[Visit]:
        return [visit for visit in self.visits.values() if visit.status >= 500
                and (self.endpoint_of(urlsplit(visit.url).path), visit.status) not in DESIGNED_5XX]


class _ExceptionCatcher(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.last = ""

    def emit(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            self.last = f"{type(error).__name__}: {error}"[:240]


def _error_text(response) -> str:
    if response.is_json:
        return " ".join(response.get_data(as_text=True).split())
    match = re.search(r"<main[^>]*>(.*?)</main>", response.get_data(as_text=True), re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1) if match else "").split())
