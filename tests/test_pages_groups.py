"""Machine groups page: correct VM counts from one query, create/edit/delete with field errors."""
from extensions import db
from models import VMMachineGroup
from tests.factories import add_member, make_group, make_schedule, make_vm
from tests.support.statements import count_statements


def test_each_group_shows_its_real_vm_count_and_schedule(client):
    group = make_group("web", make_schedule("nightly"))
    for _ in range(3):
        add_member(group, make_vm())
    page = client.get("/groups/").get_data(as_text=True)
    assert '<span class="vm-count">3</span>' in page and "nightly" in page


def test_creating_a_group_without_javascript_redirects_to_the_list(client):
    schedule = make_schedule("nightly")
    response = client.post("/groups/new", data={"name": "db-tier", "schedule_id": schedule.id,
                                                "max_concurrent_vms": "3", "priority": "1"})
    assert response.status_code == 302
    group = db.session.scalar(db.select(VMMachineGroup).where(VMMachineGroup.name == "db-tier"))
    assert group.schedule_id == schedule.id and group.max_concurrent_vms == 3


def test_a_bad_limit_is_reported_next_to_its_field_and_nothing_is_saved(client):
    response = client.post("/groups/new", data={"name": "x", "max_concurrent_vms": "0", "priority": "0"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="max_concurrent_vms-error">Concurrent VMs must be at least 1' in page
    assert 'value="x"' in page
    assert db.session.scalar(db.select(VMMachineGroup)) is None


def test_deleting_a_group_with_vms_is_refused_with_the_reason(client):
    group = make_group("full")
    add_member(group, make_vm())
    page = client.post(f"/groups/{group.id}/delete", data={"confirm": "yes"}, follow_redirects=True).get_data(as_text=True)
    assert "Not deleted" in page and "still has 1 VM" in page


def test_the_list_runs_the_same_number_of_statements_for_2_or_25_groups(client):
    for _ in range(2):
        add_member(make_group(schedule=make_schedule()), make_vm())
    with count_statements(db.engine) as few:
        client.get("/groups/")
    for _ in range(23):
        add_member(make_group(schedule=make_schedule()), make_vm())
    with count_statements(db.engine) as many:
        client.get("/groups/")
    assert many.count == few.count


def test_the_group_list_is_paged(client):
    for n in range(52):
        make_group(f"g-{n:02d}")
    first = client.get("/groups/").get_data(as_text=True)
    second = client.get("/groups/?page=2").get_data(as_text=True)
    assert "g-49" in first and "g-50" not in first and "Page 1 of 2" in first
    assert "g-51" in second and "g-00" not in second


def test_the_form_reports_a_number_that_is_not_one_and_a_name_with_a_control_character(client):
    response = client.post("/groups/new", data={"name": "db\x07tier", "description": "line one\r\nline two",
                                                "max_concurrent_vms": "many", "priority": "0"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="max_concurrent_vms-error">Concurrent VMs must be a whole number' in page
    assert 'id="name-error">Name must not contain control characters' in page
    assert db.session.scalar(db.select(VMMachineGroup)) is None
