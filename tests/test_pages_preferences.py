"""Display timezone preference: every time on the pages is shown in the chosen zone, named."""
from datetime import datetime, timezone

import pytest

from tests.factories import make_replication_job, make_vm


def test_choosing_a_display_timezone_shows_times_in_it_with_the_zone_named(client):
    make_replication_job(make_vm("tz-vm"), status="replicating",
                         started_at=datetime(2025, 7, 1, 12, 0, tzinfo=timezone.utc))
    assert client.post("/preferences/", data={"display_timezone": "Europe/London"}).status_code == 302
    page = client.get("/jobs/?window=all").get_data(as_text=True)
    assert "2025-07-01 13:00 BST" in page


def test_an_unknown_timezone_is_refused_next_to_the_field(client):
    response = client.post("/preferences/", data={"display_timezone": "Mars/Base"})
    assert response.status_code == 422
    assert 'id="display_timezone-error"' in response.get_data(as_text=True)


def test_a_viewer_may_choose_a_timezone(viewer_client):
    assert viewer_client.post("/preferences/", data={"display_timezone": "Asia/Tokyo"}).status_code == 302


@pytest.mark.filterwarnings("ignore:The 'display_tz' cookie is too large")
@pytest.mark.parametrize("cookie", [
    "x" * 5000, "../../etc/passwd", "Europe/\x00London", "Europe/Zürich", "", "Mars/Base", "Europe",
    "zone.tab", "/etc/localtime"])
def test_an_unusable_display_timezone_cookie_falls_back_to_the_default_zone(app, client, cookie):
    app.config["DISPLAY_TIMEZONE"] = "Asia/Tokyo"
    make_replication_job(make_vm("tz-vm"), status="replicating",
                         started_at=datetime(2025, 7, 1, 12, 0, tzinfo=timezone.utc))
    client.set_cookie("display_tz", cookie)

    for path in ("/", "/jobs/?window=all", "/preferences/"):
        response = client.get(path)
        assert response.status_code == 200, f"{path} with display_tz={cookie[:20]!r}: {response.status_code}"
    assert "2025-07-01 21:00 JST" in client.get("/jobs/?window=all").get_data(as_text=True)
