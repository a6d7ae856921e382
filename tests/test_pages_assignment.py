"""VM assignment board: drag moves, reorder, bulk assign, refusals that snap back, no-JS fallbacks."""
from extensions import db
from models import VMGroupMembership
from tests.factories import add_member, make_group, make_replication_job, make_vm
from tests.support.statements import count_statements


def _group_of(vm):
    return db.session.scalar(db.select(VMGroupMembership.group_id).where(
        VMGroupMembership.vm_context_id == vm.context_id))


def test_the_board_shows_ungrouped_vms_and_each_group_as_a_column(client):
    make_vm("lonely")
    group = make_group("web")
    add_member(group, make_vm("web-01"))
    page = client.get("/assignment/").get_data(as_text=True)
    assert 'data-group-id=""' in page and f'data-group-id="{group.id}"' in page
    assert "lonely" in page and "web-01" in page


def test_a_drop_onto_a_group_assigns_the_vm_and_answers_with_the_board(client):
    vm = make_vm("mover")
    group = make_group("target")
    response = client.post("/assignment/move", data={"vm_context_id": vm.context_id, "group_id": group.id},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'id="assignment-board"' in response.get_data(as_text=True)
    assert _group_of(vm) == group.id


def test_a_drop_within_a_group_sets_the_priority_order(client):
    group = make_group("ordered")
    first, second = make_vm("a"), make_vm("b")
    add_member(group, first, priority=0)
    add_member(group, second, priority=1)
    client.post("/assignment/move", data={"vm_context_id": second.context_id, "group_id": group.id,
                                          "before": first.context_id})
    priorities = dict(db.session.execute(db.select(VMGroupMembership.vm_context_id, VMGroupMembership.priority)).all())
    assert priorities[second.context_id] < priorities[first.context_id]


def test_moving_a_replicating_vm_is_refused_and_the_board_shows_why(client):
    source, target = make_group("from"), make_group("to")
    vm = make_vm("busy-vm")
    add_member(source, vm)
    make_replication_job(vm, status="replicating")
    response = client.post("/assignment/move", data={"vm_context_id": vm.context_id, "group_id": target.id})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'role="alert">Not moved:' in page and "busy-vm" in page
    assert _group_of(vm) == source.id


def test_bulk_assign_moves_every_selected_vm(client):
    group = make_group("bulk")
    vms = [make_vm() for _ in range(3)]
    response = client.post("/assignment/assign", data={"vm_context_ids": [vm.context_id for vm in vms],
                                                       "group_id": group.id})
    assert response.status_code == 302
    assert all(_group_of(vm) == group.id for vm in vms)


def test_assigning_without_choosing_a_group_says_so(client):
    vm = make_vm()
    page = client.post("/assignment/assign", data={"vm_context_ids": [vm.context_id], "group_id": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "Choose where the selected VMs go" in page


def test_the_move_up_button_works_without_javascript(client):
    group = make_group("keys")
    first, second = make_vm("k1"), make_vm("k2")
    add_member(group, first, priority=0)
    add_member(group, second, priority=1)
    client.post(f"/assignment/groups/{group.id}/reorder", data={"move": f"{second.context_id}:up"})
    priorities = dict(db.session.execute(db.select(VMGroupMembership.vm_context_id, VMGroupMembership.priority)).all())
    assert priorities[second.context_id] < priorities[first.context_id]


def test_the_board_runs_the_same_number_of_statements_for_3_or_40_vms(client):
    group = make_group()
    for _ in range(3):
        add_member(group, make_vm())
    with count_statements(db.engine) as few:
        client.get("/assignment/")
    for _ in range(20):
        add_member(make_group(), make_vm())
        make_vm()
    with count_statements(db.engine) as many:
        client.get("/assignment/")
    assert many.count == few.count


def _order(group):
    return [cid for (cid,) in db.session.execute(
        db.select(VMGroupMembership.vm_context_id).where(VMGroupMembership.group_id == group.id)
        .order_by(VMGroupMembership.priority)).all()]


def test_a_column_shows_its_first_vms_and_a_link_to_show_all(client):
    group = make_group("big")
    vms = [make_vm(f"big-{n:02d}") for n in range(14)]
    for priority, vm in enumerate(vms):
        add_member(group, vm, priority=priority)
    page = client.get("/assignment/").get_data(as_text=True)
    assert "big-09" in page and "big-10" not in page
    assert "Show all 14 VMs of big" in page
    expanded = client.get(f"/assignment/?expand={group.id}").get_data(as_text=True)
    assert "big-13" in expanded


def test_a_drop_below_the_last_shown_card_keeps_the_hidden_vms_in_their_places(client):
    group = make_group("long")
    vms = [make_vm(f"long-{n:02d}") for n in range(14)]
    for priority, vm in enumerate(vms):
        add_member(group, vm, priority=priority)
    client.post("/assignment/move", data={"vm_context_id": vms[0].context_id, "group_id": group.id,
                                          "after": vms[9].context_id})
    assert _order(group) == [vm.context_id for vm in vms[1:10] + [vms[0]] + vms[10:]]


def test_ungrouped_vms_are_paged(client):
    for n in range(45):
        make_vm(f"loose-{n:02d}")
    first = client.get("/assignment/").get_data(as_text=True)
    second = client.get("/assignment/?upage=2").get_data(as_text=True)
    assert "loose-39" in first and "loose-40" not in first
    assert "loose-40" in second and "loose-00" not in second


def test_bulk_removal_from_groups_refuses_all_when_one_vm_is_replicating(client):
    group = make_group("busy-bulk")
    idle, busy = make_vm("idle"), make_vm("busy")
    add_member(group, idle)
    add_member(group, busy)
    make_replication_job(busy, status="replicating")
    page = client.post("/assignment/assign", data={"vm_context_ids": [idle.context_id, busy.context_id],
                                                   "group_id": "ungrouped"}, follow_redirects=True)
    assert "Not assigned" in page.get_data(as_text=True)
    assert _group_of(idle) == group.id and _group_of(busy) == group.id


def test_a_filtered_board_counts_what_matches_out_of_each_columns_total(client):
    group = make_group("web")
    for name in ("web-01", "web-02", "db-01", "db-02", "db-03"):
        add_member(group, make_vm(name))
    make_vm("web-loose")
    make_vm("mail-loose")
    page = client.get("/assignment/?q=web").get_data(as_text=True)
    assert "2 of 5 match" in page, "the web column: 2 of its 5 VMs match"
    assert "1 of 2 match" in page, "ungrouped: 1 of 2 matches"
    page = client.get("/assignment/").get_data(as_text=True)
    assert "match" not in page.split('id="assignment-board"')[1] and '<span class="count">5</span>' in page


def test_a_filtered_column_is_truncated_by_what_matches(client, monkeypatch):
    from blueprints.pages import assignment
    monkeypatch.setattr(assignment, "COLUMN_LIMIT", 2)
    group = make_group("big")
    for n in range(6):
        add_member(group, make_vm(f"{'hit' if n < 2 else 'miss'}-{n}"), priority=n)
    page = client.get("/assignment/?q=hit").get_data(as_text=True)
    assert "Show all 2" not in page and "Show all 6" not in page, "both matching VMs are shown: nothing is hidden"
    assert "2 of 6 match" in page


def test_a_move_without_javascript_comes_back_anchored_to_the_moved_card(client):
    group = make_group("ordered")
    first, second = make_vm("a"), make_vm("b")
    add_member(group, first, priority=0)
    add_member(group, second, priority=1)
    response = client.post(f"/assignment/groups/{group.id}/reorder", data={"move": f"{second.context_id}:up", "q": ""})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assignment/#vm-card-{second.context_id}")
    page = client.get("/assignment/").get_data(as_text=True)
    assert f'id="vm-card-{second.context_id}"' in page


def test_a_keyboard_move_with_javascript_answers_with_the_board(client):
    group = make_group("ordered")
    first, second = make_vm("a"), make_vm("b")
    add_member(group, first, priority=0)
    add_member(group, second, priority=1)
    response = client.post(f"/assignment/groups/{group.id}/reorder", data={"move": f"{second.context_id}:up"},
                           headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="assignment-board"' in body and "New order saved." in body
    assert body.index(">b<") < body.index(">a<")
    refused = client.post(f"/assignment/groups/{group.id}/reorder", data={"move": "nope:up"},
                          headers={"HX-Request": "true"})
    assert refused.status_code == 409 and "Not moved" in refused.get_data(as_text=True)


def test_a_viewer_sees_the_board_without_controls_that_do_nothing(viewer_client):
    group = make_group("web")
    add_member(group, make_vm("web-01"))
    make_vm("loose")
    page = viewer_client.get("/assignment/").get_data(as_text=True)
    assert "web-01" in page and "loose" in page
    assert 'type="checkbox"' not in page and "<select" not in page and "Assign selected" not in page
    assert "Move web-01 up" not in page and "data-sortable" not in page
