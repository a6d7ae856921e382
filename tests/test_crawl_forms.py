"""The crawl's form handling (tests/support/crawl.py): which submissions a filter form yields."""
from urllib.parse import urlencode

from tests.support.crawl import PageParser, form_submissions

FORM = """<form method="get" action="/jobs/">
  <input type="hidden" name="csrf_token" value="secret">
  <select name="job_type"><option value="">All types</option><option value="replication">Replication</option>
    <option value="test_failover" selected>Test failover</option></select>
  <select name="window"><option value="24h" selected>24 h</option><option value="7d">7 d</option></select>
  <input name="vm" value="">
  <input type="checkbox" name="mine" value="1">
  <label><input type="radio" name="order" value="new" checked> new</label><input type="radio" name="order" value="old">
  <button type="submit">Apply</button>
</form>"""


def _queries(text_values=None):
    parser = PageParser()
    parser.feed(FORM)
    [form] = parser.forms
    return [urlencode(pairs) for _, pairs in form_submissions(form, text_values or {})]


def test_the_form_as_it_stands_comes_first_without_the_csrf_token():
    assert _queries()[0] == "job_type=test_failover&window=24h&vm=&order=new"


def test_every_value_of_every_choice_is_submitted_and_every_pair_of_two_choices():
    queries = [dict(pair.split("=") for pair in query.split("&")) for query in _queries({"vm": ["web"]})]
    for job_type in ("", "replication", "test_failover"):
        for window in ("24h", "7d"):
            assert {"job_type": job_type, "window": window, "vm": "", "order": "new"} in queries
    assert any(q.get("mine") == "1" and q["order"] == "old" for q in queries)
    assert any(q["vm"] == "web" and q["window"] == "7d" for q in queries)
