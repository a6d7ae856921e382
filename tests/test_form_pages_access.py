"""A viewer is refused a form page when opening it, not after filling it in.

Over the whole URL map (path parameters filled from the demo's rows, tests/support/world.py):
every GET page whose form posts to an endpoint a viewer may not use answers 403 to a viewer,
with the plain-words forbidden page, and still opens for an operator; and a page a viewer can
open shows the viewer no form that would be refused on submit.
"""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from security.access import required_role
from tests.support.crawl import Crawler
from tests.support.world import client_for


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": False}


def _one_url_per_endpoint(crawler: Crawler) -> dict[str, str]:
    urls: dict[str, str] = {}
    for url in crawler.route_urls():
        endpoint = crawler.endpoint_of(urlsplit(url).path)
        if endpoint and not url.startswith("/api/"):
            urls.setdefault(endpoint, url)
    return urls


def _post_role(app, adapter, action: str, page_path: str) -> tuple[str, str | None]:
    """(endpoint, role needed) of the endpoint a POST form submits to."""
    path = urlsplit(action).path or page_path
    try:
        endpoint, _ = adapter.match(path, method="POST")
    except (NotFound, MethodNotAllowed):
        return path, None
    return endpoint, required_role(app.view_functions[endpoint], "POST")


class _PostForms(HTMLParser):
    """The action of every form that submits with POST (whatever htmx attributes it also has)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.actions: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self.actions.append(a.get("action") or "")
        elif tag in ("button", "input") and a.get("formaction") and (a.get("formmethod") or "").lower() == "post":
            self.actions.append(a["formaction"])


def _forms_needing_operator(app, adapter, url: str, body: str) -> list[str]:
    parser = _PostForms()
    parser.feed(body)
    needing = []
    for action in parser.actions:
        endpoint, role = _post_role(app, adapter, action, urlsplit(url).path)
        if role in ("operator", "admin"):
            needing.append(endpoint)
    return needing


def test_every_form_page_for_an_operator_action_is_refused_to_a_viewer_on_opening(app, world):
    operator, viewer = client_for(app, "operator"), client_for(app, "viewer")
    crawler = Crawler(operator, app, world)
    adapter = app.url_map.bind("localhost")
    form_pages, leaks, refused_operator = [], [], []
    for endpoint, url in sorted(_one_url_per_endpoint(crawler).items()):
        as_operator = operator.get(url)
        if as_operator.status_code == 200 and as_operator.mimetype == "text/html":
            own = [name for name in _forms_needing_operator(app, adapter, url, as_operator.get_data(as_text=True))
                   if name == endpoint]
            if own:  # the page is the form of its own POST: a form page
                form_pages.append(url)
        as_viewer = viewer.get(url)
        if url in form_pages:
            if as_viewer.status_code != 403:
                leaks.append(f"{url}: {as_viewer.status_code} for a viewer")
            else:
                page = as_viewer.get_data(as_text=True)
                assert "needs the operator role" in page and "<form" not in page.split("<main", 1)[-1], url
        elif as_viewer.status_code == 200 and as_viewer.mimetype == "text/html":
            offered = _forms_needing_operator(app, adapter, url, as_viewer.get_data(as_text=True))
            # Logging out is every user's own form; anything else would be refused on submit.
            offered = [name for name in offered if name != "auth.logout"]
            if offered:
                leaks.append(f"{url}: shows a viewer forms for {sorted(set(offered))}")
        if url in form_pages and as_operator.status_code != 200:
            refused_operator.append(url)
    assert {"schedules.create", "schedules.edit", "groups.create", "groups.edit"} <= {
        crawler.endpoint_of(urlsplit(url).path) for url in form_pages}, form_pages
    assert not leaks, "\n".join(leaks)
    assert not refused_operator, refused_operator


def test_a_form_page_is_marked_for_the_operator_role_on_get_too(app):
    for endpoint in ("schedules.create", "schedules.edit", "groups.create", "groups.edit"):
        view = app.view_functions[endpoint]
        assert (required_role(view, "GET"), required_role(view, "POST")) == ("operator", "operator"), endpoint
    assert required_role(app.view_functions["schedules.index"], "GET") == "viewer"
