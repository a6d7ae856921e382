"""The main navigation marks exactly one item as the current page, on every page of the app."""
import re

from tests.factories import make_group, make_replication_job, make_schedule, make_vm

# Pages that are in no navigation section: they mark none.
OUTSIDE_NAVIGATION = {"preferences.index"}
NOT_PAGES = {"auth.login", "ops.healthz", "ops.readyz", "ops.metrics", "ops.favicon", "schedules.preview", "static"}


def _current(page: str) -> list[str]:
    nav = re.search(r'<nav class="mainnav".*?</nav>', page, re.S).group(0)
    return re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', nav)


def test_every_page_marks_exactly_one_navigation_item(admin_client, app):
    vm = make_vm("nav-vm")
    schedule = make_schedule("nav-schedule")
    group = make_group("nav-group", schedule)
    job = make_replication_job(vm, status="completed")
    from vcenters.manage import create_credential
    credential = create_credential({"credential_name": "nav-vcenter", "vcenter_host": "vc.nav.local",
                                    "username": "svc", "password": "nav-secret-1"})
    values = {"schedule_id": schedule.id, "group_id": group.id, "vm_name": vm.vm_name, "job_id": job.id,
              "credential_id": credential.id}
    checked = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or rule.rule.startswith("/api") \
                or rule.endpoint.endswith("poll"):
            continue
        url = rule.build({name: values[name] for name in rule.arguments})[1]
        response = admin_client.get(url)
        assert response.status_code == 200, url
        current = _current(response.get_data(as_text=True))
        checked[rule.endpoint] = current
        if rule.endpoint in OUTSIDE_NAVIGATION:
            assert current == [], url
        else:
            assert len(current) == 1, f"{url} marks {current}"
    assert checked["admin.audit"] == ["Audit trail"] and checked["admin.users"] == ["Users &amp; tokens"]
    assert checked["schedules.detail"] == ["Schedules"] and checked["vms.detail"] == ["VMs"]
    assert checked["jobs.detail"] == ["Jobs"] and checked["groups.edit"] == ["Machine groups"]
    assert checked["vcenters.index"] == checked["vcenters.edit"] == ["vCenters"]
    assert checked["protection.index"] == ["Protection"]
    assert len(checked) == 20, sorted(checked)


def test_a_page_answered_to_a_post_marks_its_section(admin_client):
    page = admin_client.post("/admin/users", data={"username": "", "role": "viewer", "password": ""})
    assert _current(page.get_data(as_text=True)) == ["Users &amp; tokens"]
