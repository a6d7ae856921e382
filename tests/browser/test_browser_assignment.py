"""Drag-and-drop assignment in a real browser: into a group, between groups, within a group, bulk."""
from playwright.sync_api import expect

from tests.browser.conftest import shoot
from tests.browser.pages import AssignmentBoard
from tests.factories import add_member, make_group, make_vm


def test_dragging_vms_into_between_and_within_groups_persists_across_a_reload(page):
    web = make_group("web")
    make_group("db")
    make_vm("alpha")
    beta, gamma = make_vm("beta"), make_vm("gamma")
    add_member(web, beta, priority=0)
    add_member(web, gamma, priority=1)
    board = AssignmentBoard(page).open()
    shoot(page, "assignment")

    board.drag("alpha", board.column("VMs in web, in priority order"))
    expect(board.column("VMs in web, in priority order").get_by_text("alpha", exact=True)).to_be_visible()

    board.drag("beta", board.column("VMs in db, in priority order"))
    expect(board.column("VMs in db, in priority order").get_by_text("beta", exact=True)).to_be_visible()

    web_column = board.column("VMs in web, in priority order")
    board.drag("alpha", web_column, above=board.card("gamma"))
    expect(page.locator("#assignment-board").get_by_role("status")).to_contain_text("New order saved")

    page.reload()
    assert board.names_in("VMs in web, in priority order") == ["alpha", "gamma"]
    assert board.names_in("VMs in db, in priority order") == ["beta"]
    assert board.names_in("Ungrouped VMs") == []


def test_a_refused_move_snaps_back_with_the_reason(page):
    from tests.factories import make_replication_job
    source = make_group("source")
    make_group("target")
    busy = make_vm("busy")
    add_member(source, busy)
    make_replication_job(busy, status="replicating")
    board = AssignmentBoard(page).open()
    board.drag("busy", board.column("VMs in target, in priority order"))
    expect(page.locator("#assignment-board").get_by_role("alert")).to_contain_text("Not moved")
    assert board.names_in("VMs in source, in priority order") == ["busy"]


def test_bulk_assign_with_checkboxes_and_the_group_select(page):
    make_group("bulk-target")
    for name in ("one", "two", "three"):
        make_vm(name)
    board = AssignmentBoard(page).open()
    page.get_by_role("checkbox", name="two", exact=True).check()
    page.get_by_role("checkbox", name="three", exact=True).check()
    page.get_by_label("Assign selected VMs to").select_option(label="bulk-target")
    page.get_by_role("button", name="Assign selected").click()
    expect(page.get_by_text("2 VM(s) assigned")).to_be_visible()
    assert sorted(board.names_in("VMs in bulk-target, in priority order")) == ["three", "two"]
    assert board.names_in("Ungrouped VMs") == ["one"]
