"""The audit trail: recording changes with their actor, and the admin page that shows them."""
from datetime import datetime, timedelta, timezone

import pytest

from extensions import db
from models import DashboardAuditEvent, VMMachineGroup
from security.audit import AuditFilters, changed_fields, record_change, search_audit_events

pytestmark = pytest.mark.both_dbs


def _events(object_type=None):
    query = db.select(DashboardAuditEvent).order_by(DashboardAuditEvent.id)
    if object_type:
        query = query.where(DashboardAuditEvent.object_type == object_type)
    return db.session.execute(query).scalars().all()


def _event(actor="alice", action="schedule.update", object_type="schedule", object_id="s-1", object_name="nightly",
           ts=None, before=None, after=None):
    event = DashboardAuditEvent(actor=actor, actor_kind="user", action=action, object_type=object_type,
                                object_id=object_id, object_name=object_name, before=before, after=after,
                                ts=ts or datetime.now(timezone.utc))
    db.session.add(event)
    return event


def test_a_change_and_its_audit_row_are_committed_together(app):
    record_change("schedule.update", "schedule", "s-1", "nightly", {"enabled": True}, {"enabled": False})
    db.session.commit()
    assert [(e.action, e.before, e.after, e.actor) for e in _events()] == [
        ("schedule.update", {"enabled": True}, {"enabled": False}, "system")]


def test_a_rolled_back_change_leaves_no_audit_row(app):
    record_change("schedule.delete", "schedule", "s-1", "nightly", {"name": "nightly"}, None)
    db.session.rollback()
    assert _events() == []


def test_changes_through_the_api_name_the_tokens_user_and_keep_before_and_after(api_client):
    created = api_client.post("/api/v1/machine-groups", json={"name": "web-tier", "max_concurrent_vms": 3})
    assert created.status_code == 201, created.get_data(as_text=True)
    group_id = created.get_json()["id"]
    api_client.put(f"/api/v1/machine-groups/{group_id}", json={"name": "web-tier", "max_concurrent_vms": 5})
    create, update = _events("group")
    assert (create.action, create.actor, create.actor_kind) == ("group.create", "operator (token tests)", "token")
    assert create.before is None and create.after["max_concurrent_vms"] == 3
    assert (update.before["max_concurrent_vms"], update.after["max_concurrent_vms"]) == (3, 5)
    assert create.remote_addr == "127.0.0.1"


def test_audit_rows_are_kept_when_the_object_is_deleted(api_client, admin_client):
    group_id = api_client.post("/api/v1/machine-groups", json={"name": "short-lived"}).get_json()["id"]
    assert api_client.delete(f"/api/v1/machine-groups/{group_id}").status_code in (200, 204)
    assert db.session.get(VMMachineGroup, group_id) is None
    assert [e.action for e in _events("group")] == ["group.create", "group.delete"]
    page = admin_client.get(f"/admin/audit?object={group_id}").get_data(as_text=True)
    assert "group.delete" in page and "short-lived" in page


def test_changed_fields_lists_only_what_differs():
    assert changed_fields({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == [("b", 2, 3), ("c", None, 4)]
    assert changed_fields(None, {"name": "x"}) == [("name", None, "x")]
    assert changed_fields({"name": "x"}, None) == [("name", "x", None)]


def test_the_audit_page_shows_who_what_when_and_the_changed_values(admin_client):
    _event(before={"cron_expression": "0 0 2 * * *", "enabled": True},
           after={"cron_expression": "0 30 3 * * *", "enabled": True})
    db.session.commit()
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "alice" in page and "schedule.update" in page and "nightly" in page
    assert "0 0 2 * * *" in page and "0 30 3 * * *" in page
    assert "<dt>enabled</dt>" not in page, "unchanged fields are not listed"


def test_the_audit_page_is_for_admins_only(client):
    assert client.get("/admin/audit").status_code == 403


def test_the_audit_page_filters_by_user_including_that_users_tokens(admin_client):
    _event(actor="alice", object_name="mine")
    _event(actor="alice (token ci)", object_name="by-token")
    _event(actor="alicia", object_name="someone-else")
    db.session.commit()
    page = admin_client.get("/admin/audit?user=alice").get_data(as_text=True)
    assert "mine" in page and "by-token" in page and "someone-else" not in page


def test_the_audit_page_filters_by_object_type_and_object(admin_client):
    _event(object_type="schedule", object_id="s-1", object_name="nightly")
    _event(object_type="group", object_id="g-1", object_name="web-tier")
    _event(object_type="group", object_id="g-2", object_name="db-tier")
    db.session.commit()
    by_type = admin_client.get("/admin/audit?object_type=group").get_data(as_text=True)
    assert "web-tier" in by_type and "db-tier" in by_type and "nightly" not in by_type
    by_name = admin_client.get("/admin/audit?object=web").get_data(as_text=True)
    assert "web-tier" in by_name and "db-tier" not in by_name
    by_id = admin_client.get("/admin/audit?object=g-2").get_data(as_text=True)
    assert "db-tier" in by_id and "web-tier" not in by_id


def test_the_audit_page_filters_by_time_in_the_display_zone(admin_client, app):
    app.config["DISPLAY_TIMEZONE"] = "Europe/Berlin"
    _event(object_name="before-window", ts=datetime(2026, 1, 9, 22, 30, tzinfo=timezone.utc))  # 23:30 Berlin, 9 Jan
    _event(object_name="in-window", ts=datetime(2026, 1, 9, 23, 30, tzinfo=timezone.utc))  # 00:30 Berlin, 10 Jan
    _event(object_name="after-window", ts=datetime(2026, 1, 11, 0, 30, tzinfo=timezone.utc))  # 01:30 Berlin, 11 Jan
    db.session.commit()
    page = admin_client.get("/admin/audit?from=2026-01-10&to=2026-01-10").get_data(as_text=True)
    assert "in-window" in page and "before-window" not in page and "after-window" not in page
    timed = admin_client.get("/admin/audit?from=2026-01-10T00:00&to=2026-01-10T00:15").get_data(as_text=True)
    assert "in-window" not in timed


def test_a_bad_date_is_named_next_to_its_field(admin_client):
    response = admin_client.get("/admin/audit?from=yesterday")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="audit-from-error"' in page and "Use a date like 2026-01-31" in page


def test_an_end_before_the_start_is_refused(admin_client):
    response = admin_client.get("/admin/audit?from=2026-02-01&to=2026-01-01")
    assert response.status_code == 400
    assert "must be after its start" in response.get_data(as_text=True)


def test_the_audit_page_is_paginated_newest_first(admin_client):
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for n in range(55):
        _event(object_name=f"change-{n:02d}", ts=start + timedelta(minutes=n))
    db.session.commit()
    first = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "change-54" in first and "change-05" in first and "change-04" not in first
    assert "Page 1 of 2" in first and 'rel="next" href="/admin/audit?page=2"' in first
    second = admin_client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "change-04" in second and "change-00" in second and "change-05" not in second


def test_a_page_past_the_end_shows_the_last_page(app):
    _event()
    db.session.commit()
    result = search_audit_events(AuditFilters(page=7))
    assert (result.page, result.pages, len(result.events)) == (1, 1, 1)


def test_like_wildcards_in_a_filter_are_taken_literally(app):
    _event(actor="a_b", object_name="100%")
    _event(actor="axb", object_name="1000")
    db.session.commit()
    assert [e.object_name for e in search_audit_events(AuditFilters(object="100%")).events] == ["100%"]
    assert [e.actor for e in search_audit_events(AuditFilters(user="a_b")).events] == ["a_b"]


def test_the_audit_page_uses_a_fixed_number_of_queries(admin_client, app):
    from sqlalchemy import event as sa_event
    for n in range(30):
        _event(object_name=f"n{n}")
    db.session.commit()
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)
    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        admin_client.get("/admin/audit")
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    audit_statements = [s for s in statements if "dashboard_audit_events" in s]
    assert len(audit_statements) == 3


class TestBehindATrustedProxy:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "TRUSTED_PROXY_COUNT": 1}

    def test_the_forwarded_client_address_is_recorded(self, admin_client):
        admin_client.post("/admin/users", data={"username": "gina", "role": "viewer", "password": "gina-password-1"},
                          headers={"X-Forwarded-For": "203.0.113.9"})
        event = db.session.execute(db.select(DashboardAuditEvent)).scalar_one()
        assert event.remote_addr == "203.0.113.9"


def test_a_reorder_reads_as_the_move_it_was_not_as_json(admin_client):
    from tests.factories import add_member, make_group, make_vm
    import grouping
    group = make_group("Web")
    vms = [make_vm(name) for name in ("web-01", "web-02", "web-03", "web-04")]
    for priority, vm in enumerate(vms):
        add_member(group, vm, priority=priority)
    grouping.place_member(group.id, vms[0].context_id, after=vms[2].context_id)
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Moved web-01 to position 3 in Web (was 1)." in page
    events = page.split('id="audit-events-heading"')[1]
    assert "priorities" not in events and "{&#34;" not in events and '{"' not in events


def test_assign_move_and_unassign_read_in_plain_words(admin_client):
    from tests.factories import make_group, make_vm
    import grouping
    first, second = make_group("first"), make_group("second")
    vm = make_vm("mover")
    grouping.set_vm_group(vm.context_id, first.id)
    grouping.set_vm_group(vm.context_id, second.id)
    grouping.set_vm_group(vm.context_id, None)
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Assigned to group first." in page and "Moved from group first to group second." in page
    assert "Removed from group second; now ungrouped." in page and "group_id" not in page


def test_unknown_change_shapes_read_as_key_value_lists_never_json():
    from models import DashboardAuditEvent
    from security.audit import describe_event
    event = DashboardAuditEvent(action="thing.change", object_type="thing", object_name="x",
                                before={"tags": ["a"], "limits": {"cpu": 2}, "on": False},
                                after={"tags": ["a", "b"], "limits": {"cpu": 4, "mem": 8}, "on": True})
    described = describe_event(event)
    assert described.fields == [("Tags", "a", "a, b"), ("Limits", "cpu: 2", "cpu: 4; mem: 8"), ("On", "no", "yes")]
    odd = describe_event(DashboardAuditEvent(action="group.reorder", object_type="group", before=None,
                                             after={"priorities": "garbled"}))
    assert odd.sentences == [] and odd.fields == [("Priorities", "—", "garbled")]


def _schedule_rows(schedule_id):
    return [e for e in _events("schedule") if e.object_id == schedule_id]


def test_disabling_a_disabled_schedule_records_nothing_and_keeps_updated_at(client):
    from models import ReplicationSchedule
    from tests.factories import make_schedule
    schedule = make_schedule("quiet")
    db.session.commit()
    assert client.post(f"/schedules/{schedule.id}/enabled", data={"enabled": "false"}).status_code in (200, 302, 303)
    stamp = db.session.get(ReplicationSchedule, schedule.id).updated_at
    for _ in range(3):
        assert client.post(f"/schedules/{schedule.id}/enabled", data={"enabled": "false"}).status_code in (
            200, 302, 303)
    assert [e.action for e in _schedule_rows(schedule.id)] == ["schedule.disable"]
    assert db.session.get(ReplicationSchedule, schedule.id).updated_at == stamp
    client.post(f"/schedules/{schedule.id}/enabled", data={"enabled": "true"})
    client.post(f"/schedules/{schedule.id}/enabled", data={"enabled": "true"})
    assert [e.action for e in _schedule_rows(schedule.id)] == ["schedule.disable", "schedule.enable"]


def test_an_update_that_changes_nothing_records_nothing(api_client):
    from models import ReplicationSchedule
    created = api_client.post("/api/v1/schedules", json={"name": "same", "cron_expression": "0 0 2 * * *",
                                                         "timezone": "UTC"})
    assert created.status_code == 201, created.get_data(as_text=True)
    schedule_id = created.get_json()["id"]
    stamp = db.session.get(ReplicationSchedule, schedule_id).updated_at
    again = api_client.put(f"/api/v1/schedules/{schedule_id}", json={"name": "same", "cron_expression": "0 0 2 * * *"})
    assert again.status_code == 200, again.get_data(as_text=True)
    assert [e.action for e in _schedule_rows(schedule_id)] == ["schedule.create"]
    assert db.session.get(ReplicationSchedule, schedule_id).updated_at == stamp

    group_id = api_client.post("/api/v1/machine-groups", json={"name": "g", "max_concurrent_vms": 3}).get_json()["id"]
    stamp = db.session.get(VMMachineGroup, group_id).updated_at
    assert api_client.put(f"/api/v1/machine-groups/{group_id}",
                          json={"name": "g", "max_concurrent_vms": 3}).status_code == 200
    assert [e.action for e in _events("group")] == ["group.create"]
    assert db.session.get(VMMachineGroup, group_id).updated_at == stamp


def test_the_trail_leaves_out_bookkeeping_and_shows_labels_names_and_display_zone_times(admin_client):
    from tests.factories import make_schedule
    schedule = make_schedule("nightly-run")
    _event(action="schedule.disable", object_id=schedule.id,
           before={"id": schedule.id, "enabled": True, "updated_at": "2026-01-31T10:00:00.123456+00:00"},
           after={"id": schedule.id, "enabled": False, "updated_at": "2026-01-31T10:05:00.654321+00:00"})
    _event(action="group.update", object_type="group", object_id="g-1", object_name="web",
           before={"max_concurrent_vms": 5, "schedule_id": None},
           after={"max_concurrent_vms": 3, "schedule_id": schedule.id})
    _event(action="token.revoke", object_type="token", object_id="7", object_name="ci",
           before={"revoked_at": None}, after={"revoked_at": "2026-01-31T23:30:00.000001+00:00"})
    db.session.commit()
    admin_client.set_cookie("display_tz", "Europe/Berlin")
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "updated_at" not in page and ".123456" not in page and "10:05:00" not in page
    assert "<dt>Enabled</dt>" in page and "<dt>Max concurrent VMs</dt>" in page
    assert "<dt>Schedule</dt>" in page and "nightly-run</dd>" in page
    assert "2026-02-01 00:30:00 CET" in page and "T23:30" not in page
    assert 'class="audit-table"' in page
