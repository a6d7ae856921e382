"""A viewer sees no control for an action its role cannot do: no ticks, group selects or buttons
that post to operator-only views, on any page."""
import re

import pytest

from tests.factories import add_member, make_group, make_schedule, make_vm
from tests.test_pages_discovery import app_config, vma  # noqa: F401 - the stand-in VMA for discovery


def _main(page: str) -> str:
    return re.search(r'<main id="main".*?</main>', page, re.S).group(0)


def _post_actions(main: str) -> list[str]:
    return re.findall(r'<form method="post" action="([^"]+)"', main)


@pytest.fixture
def fleet():
    schedule = make_schedule("nightly")
    group = make_group("web", schedule)
    vm = make_vm("web-01", vcenter_host="vc.example", datacenter="DC1")
    add_member(group, vm)
    make_vm("loose")
    return {"schedule": schedule, "group": group}


PAGES = ["/assignment/", "/groups/", "/schedules/", "/schedules/{schedule}", "/vms/", "/vms/web-01",
         "/discovery/", "/discovery/?datacenter=DC1"]


@pytest.mark.parametrize("url", PAGES)
def test_a_viewer_sees_no_controls_it_cannot_use(viewer_client, client, fleet, vma, url):  # noqa: F811
    url = url.format(schedule=fleet["schedule"].id)
    viewer = _main(viewer_client.get(url).get_data(as_text=True))
    assert 'type="checkbox"' not in viewer
    assert all("/dismiss-banner" in action for action in _post_actions(viewer)), _post_actions(viewer)
    for control in ("Assign selected", "Add ticked VMs", "Add matching VMs", "Run now", "Delete", "New group",
                    "New schedule", ">Edit<"):
        assert control not in viewer, f"{url}: {control}"
    assert not re.search(r'<select [^>]*name="group_id"', viewer), url


def test_an_operator_still_sees_them(client, fleet, vma):  # noqa: F811
    assert 'type="checkbox"' in _main(client.get("/assignment/").get_data(as_text=True))
    discovered = _main(client.get("/discovery/?datacenter=DC1").get_data(as_text=True))
    assert "Add ticked VMs" in discovered and "Add matching VMs" in discovered
