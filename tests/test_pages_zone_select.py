"""The timezone selects of the schedule form and the preferences page: the common zones first (UTC,
the display zone, the zones schedules use, the major ones), then every zone; an unknown zone is
refused at the Timezone field, never a 500."""
from html.parser import HTMLParser

import pytest

from tests.factories import make_schedule
from tests.test_pages_schedules import FORM


class _Select(HTMLParser):
    """The optgroups of one select: [(label, [(zone, selected), ...]), ...], plus its attributes."""

    def __init__(self, select_id):
        super().__init__()
        self.select_id, self.inside, self.groups, self.attributes, self._option = select_id, False, [], {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select" and attrs.get("id") == self.select_id:
            self.inside, self.attributes = True, attrs
        elif self.inside and tag == "optgroup":
            self.groups.append((attrs["label"], []))
        elif self.inside and tag == "option":
            self._option = "selected" in attrs

    def handle_data(self, data):
        if self._option is not None:
            self.groups[-1][1].append((data, self._option))
            self._option = None

    def handle_endtag(self, tag):
        if tag == "select":
            self.inside = False


def _select(page, select_id):
    parser = _Select(select_id)
    parser.feed(page)
    assert parser.groups, f"no select #{select_id} with optgroups"
    return parser


def _zones(group):
    return [zone for zone, _ in group[1]]


def _selected(parser):
    return [(label, zone) for label, options in parser.groups for zone, selected in options if selected]


def test_the_schedule_form_lists_the_common_zones_first_then_every_zone(app, client):
    app.config["DISPLAY_TIMEZONE"] = "Asia/Kolkata"
    make_schedule("lisbon", timezone="Europe/Lisbon")
    make_schedule("legacy", timezone=None)

    select = _select(client.get("/schedules/new").get_data(as_text=True), "timezone")

    (common_label, _), (all_label, _) = select.groups
    assert (common_label, all_label) == ("Common", "All timezones")
    common, every = _zones(select.groups[0]), _zones(select.groups[1])
    assert common[:3] == ["UTC", "Asia/Kolkata", "Europe/Lisbon"]
    for zone in ("Europe/London", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney"):
        assert zone in common
    assert len(common) == len(set(common)) < 20
    assert len(every) > 400 and "Pacific/Auckland" in every
    # Each zone is listed once in the whole select: UTC and the common zones are not repeated below.
    assert not set(common) & set(every) and "UTC" not in every and every == sorted(every)
    # A new schedule starts in the dashboard's display timezone, marked once, among the common zones.
    assert _selected(select) == [("Common", "Asia/Kolkata")]
    assert select.attributes["aria-describedby"] == "timezone-hint"
    assert 'id="timezone-hint"' in client.get("/schedules/new").get_data(as_text=True)


def test_editing_a_schedule_selects_its_zone(client):
    schedule = make_schedule("osaka", timezone="Asia/Tokyo")
    select = _select(client.get(f"/schedules/{schedule.id}/edit").get_data(as_text=True), "timezone")
    assert _selected(select) == [("Common", "Asia/Tokyo")]


def test_editing_a_schedule_in_a_zone_the_full_list_leaves_out_keeps_it_selected(client):
    # Written through the API: a zone of the tz database the full list leaves out.
    schedule = make_schedule("gmt-minus-3", timezone="Etc/GMT-3")
    select = _select(client.get(f"/schedules/{schedule.id}/edit").get_data(as_text=True), "timezone")
    assert _selected(select) == [("Common", "Etc/GMT-3")]
    assert "Etc/GMT-3" not in _zones(select.groups[1])


def test_a_zone_picked_from_the_full_list_stays_selected_there_on_a_refused_post(client):
    response = client.post("/schedules/new", data={**FORM, "name": "", "timezone": "Pacific/Chatham"})
    assert response.status_code == 422
    assert _selected(_select(response.get_data(as_text=True), "timezone")) == [("All timezones", "Pacific/Chatham")]


@pytest.mark.parametrize("zone", ["Mars/Base", "../../etc/passwd", "x" * 80])
def test_an_unknown_zone_on_the_new_schedule_form_is_refused_at_the_timezone_field(client, zone):
    response = client.post("/schedules/new", data={**FORM, "timezone": zone})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    select = _select(page, "timezone")
    assert select.attributes["aria-invalid"] == "true"
    assert select.attributes["aria-describedby"] == "timezone-hint timezone-error"
    assert 'id="timezone-error">Timezone &#39;' in page
    assert "is not a known timezone: choose one from the list" in page


def test_an_unknown_zone_on_the_edit_form_is_refused_and_the_schedule_kept(client):
    schedule = make_schedule("kept", timezone="Europe/Paris")
    response = client.post(f"/schedules/{schedule.id}/edit", data={**FORM, "name": "kept", "timezone": "Mars/Base"})
    assert response.status_code == 422
    assert ('id="timezone-error">Timezone &#39;Mars/Base&#39; is not a known timezone'
            in response.get_data(as_text=True))
    assert client.get(f"/schedules/{schedule.id}/edit").status_code == 200
    assert _selected(_select(client.get(f"/schedules/{schedule.id}/edit").get_data(as_text=True),
                             "timezone")) == [("Common", "Europe/Paris")]


def test_the_preferences_page_lists_the_common_zones_first_with_the_current_one_selected(client):
    make_schedule("sydney", timezone="Australia/Perth")
    client.post("/preferences/", data={"display_timezone": "America/Chicago"})

    select = _select(client.get("/preferences/").get_data(as_text=True), "display_timezone")

    assert [label for label, _ in select.groups] == ["Common", "All timezones"]
    assert _zones(select.groups[0])[:3] == ["UTC", "America/Chicago", "Australia/Perth"]
    assert _selected(select) == [("Common", "America/Chicago")]
    assert select.attributes["aria-describedby"] == "display_timezone-hint"


@pytest.mark.parametrize("zone", ["Mars/Base", "", "Europe"])
def test_an_unknown_zone_on_the_preferences_page_is_refused_at_the_field(client, zone):
    response = client.post("/preferences/", data={"display_timezone": zone})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="display_timezone-error">Timezone' in page
    assert _select(page, "display_timezone").attributes["aria-invalid"] == "true"


def test_an_alias_zone_may_be_chosen_as_the_display_zone(client):
    assert client.post("/preferences/", data={"display_timezone": "US/Pacific"}).status_code == 302


def test_the_api_refuses_an_unknown_zone_naming_the_timezone_field(api_client):
    response = api_client.post("/api/v1/schedules", json={
        "name": "mars", "cron_expression": "0 0 2 * * *", "timezone": "Mars/Base"})
    body = response.get_json()
    assert response.status_code == 400
    assert "timezone" in body["details"]["fields"]
    assert body["error"].startswith("timezone:")


@pytest.mark.parametrize("display", ["UTC", "Etc/UTC", "Zulu"])
def test_utc_is_listed_once_whatever_name_the_display_zone_gives_it(app, client, display):
    app.config["DISPLAY_TIMEZONE"] = display
    make_schedule("etc", timezone="Etc/UTC")
    for page, select_id in (("/schedules/new", "timezone"), ("/preferences/", "display_timezone")):
        select = _select(client.get(page).get_data(as_text=True), select_id)
        zones = [zone for _, options in select.groups for zone, _ in options]
        assert len(zones) == len(set(zones)), page
        assert [zone for zone in zones if zone in ("UTC", "Etc/UTC", "Zulu")] == ["UTC"], page
        assert len(_selected(select)) == 1


def test_a_schedule_stored_in_etc_utc_keeps_that_name_selected_once(client):
    schedule = make_schedule("etc-utc", timezone="Etc/UTC")
    select = _select(client.get(f"/schedules/{schedule.id}/edit").get_data(as_text=True), "timezone")
    zones = [zone for _, options in select.groups for zone, _ in options]
    assert _selected(select) == [("Common", "Etc/UTC")] and len(zones) == len(set(zones))
