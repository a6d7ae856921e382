"""Destructive form posts without JavaScript: a post without confirm=yes answers a page that asks,
with a Confirm button (the same post with confirm=yes) and a Cancel link, and changes nothing."""
import base64
import re
import zlib

import pytest

from extensions import db
from models import DashboardApiToken, DashboardUser, ReplicationSchedule, VMMachineGroup
from security.tokens import create_token
from tests.factories import make_group, make_schedule


def _confirm_form(page: str) -> dict:
    """The confirmation page's form: where it posts and what it posts."""
    form = re.search(r'<form method="post" action="([^"]+)" class="row">(.*?)</form>', page, re.S)
    assert form, "the page has a confirmation form"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))
    return {"action": form.group(1).replace("&amp;", "&"), "fields": fields, "html": form.group(2)}


def _asks_then_acts(client, url, data, question, cancel, done, undone):
    response = client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and question in page
    assert undone(), "nothing changes before the confirmation"
    form = _confirm_form(page)
    assert form["action"] == url and form["fields"]["confirm"] == "yes"
    assert all(form["fields"][name] == value for name, value in data.items())
    assert f'href="{cancel}">Cancel</a>' in page and 'type="submit"' in form["html"]
    response = client.post(form["action"], data=form["fields"])
    assert response.status_code == 302 and done()


def test_deleting_a_group_asks_first(client):
    group = make_group("short-lived")
    group_id = group.id
    exists = lambda: db.session.get(VMMachineGroup, group_id) is not None  # noqa: E731
    _asks_then_acts(client, f"/groups/{group_id}/delete", {}, "Delete group short-lived?", "/groups/",
                    done=lambda: not exists(), undone=exists)


def test_deleting_a_schedule_asks_first_and_cancel_goes_back_where_it_came_from(client):
    schedule = make_schedule("nightly")
    schedule_id = schedule.id
    exists = lambda: db.session.get(ReplicationSchedule, schedule_id) is not None  # noqa: E731
    _asks_then_acts(client, f"/schedules/{schedule_id}/delete", {"next": "/schedules/"}, "Delete schedule nightly?",
                    "/schedules/", done=lambda: not exists(), undone=exists)


def test_revoking_a_token_asks_first(admin_client, users):
    row, _ = create_token(users["operator"], "backup-script")
    token_id = row.id
    revoked = lambda: db.session.get(DashboardApiToken, token_id).revoked_at is not None  # noqa: E731
    _asks_then_acts(admin_client, f"/admin/tokens/{token_id}/revoke", {}, "Revoke token backup-script?",
                    "/admin/users", done=revoked, undone=lambda: not revoked())


def test_disabling_a_user_asks_first_but_enabling_and_role_changes_do_not(admin_client, users):
    user_id = users["viewer"].id
    active = lambda: db.session.get(DashboardUser, user_id).active  # noqa: E731
    _asks_then_acts(admin_client, f"/admin/users/{user_id}", {"active": "0"}, "Disable user viewer?",
                    "/admin/users", done=lambda: not active(), undone=active)
    assert admin_client.post(f"/admin/users/{user_id}", data={"active": "1"}).status_code == 302 and active()


@pytest.mark.parametrize("url", ["/admin/tokens/999/revoke", "/admin/users/999"])
def test_asking_about_something_that_is_not_there_is_a_404(admin_client, users, url):
    assert admin_client.post(url, data={"active": "0"}).status_code == 404


def test_every_destructive_form_carries_data_confirm(admin_client, users):
    make_group("g")
    schedule = make_schedule("s")
    create_token(users["operator"], "t")
    pages = [admin_client.get(url).get_data(as_text=True)
             for url in ("/groups/", "/schedules/", f"/schedules/{schedule.id}", "/admin/users")]
    forms = [form for page in pages for form in re.findall(r"<form [^>]*>", page)
             if re.search(r"/delete|/revoke", form)]
    assert len(forms) == 4 and all("data-confirm=" in form for form in forms)
    disable = [form for form in re.findall(r'<form [^>]*>(?:(?!</form>).)*?name="active" value="0"', pages[3], re.S)]
    assert disable and all("data-confirm=" in form for form in disable)


def test_a_created_token_is_shown_once_after_a_redirect_and_a_reload_creates_no_second_one(admin_client, users,
                                                                                          caplog):
    response = admin_client.post("/admin/tokens", data={"user": "operator", "label": "ci"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    shown = admin_client.get("/admin/users")
    page = shown.get_data(as_text=True)
    plain = re.search(r'id="new-token">([^<]+)<', page).group(1)
    assert "no-store" in shown.headers["Cache-Control"]
    assert plain not in response.headers["Location"]
    again = admin_client.get("/admin/users").get_data(as_text=True)  # the reload: a GET, no new token
    assert plain not in again and 'id="new-token"' not in again
    assert db.session.execute(db.select(db.func.count()).select_from(DashboardApiToken)).scalar_one() == 1
    assert plain not in caplog.text
    # The cookie that carried it across the redirect held it sealed: decoding it reveals nothing.
    cookie = response.headers["Set-Cookie"].split("session=", 1)[1].split(";", 1)[0]
    payload = cookie.lstrip(".").split(".", 1)[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if cookie.startswith("."):
        raw = zlib.decompress(raw)
    assert b"_new_api_token" in raw and plain.encode() not in raw and plain.split("_", 1)[1][:12].encode() not in raw


def test_a_sealed_token_is_refused_when_tampered_with_or_stale(app):
    from security.sealed import seal, unseal
    with app.test_request_context():
        sealed = seal("rsd_secret-value")
        assert unseal(sealed) == "rsd_secret-value"
        assert unseal(sealed[:-4] + "AAAA") is None and unseal("rsd_secret-value") is None and unseal(None) is None
        assert unseal(sealed, max_age=-1) is None
