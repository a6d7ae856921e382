"""The managed VM list: by name, each VM with its group, paged, filtered by name."""
import pytest

from extensions import db
from tests.factories import add_member, make_group, make_vm
from tests.support.statements import count_statements
from vms import list_vms

pytestmark = pytest.mark.both_dbs


def test_vms_come_by_name_with_the_group_they_are_in(app):
    group = make_group("web-tier")
    add_member(group, make_vm("web-b"))
    make_vm("web-a")

    listing = list_vms()

    assert [(row.vm.vm_name, row.group_id, row.group_name) for row in listing.items] == [
        ("web-a", None, None), ("web-b", group.id, "web-tier")]
    assert listing.total == 2


def test_the_search_keeps_names_containing_it_whatever_the_case(app):
    make_vm("DB-Primary")
    make_vm("web-1")
    listing = list_vms("db-p")
    assert [row.vm.vm_name for row in listing.items] == ["DB-Primary"]
    assert listing.total == 1


def test_a_page_holds_per_page_vms_and_the_total_counts_them_all(app):
    for index in range(5):
        make_vm(f"vm-{index}")
    listing = list_vms(page=2, per_page=2)
    assert [row.vm.vm_name for row in listing.items] == ["vm-2", "vm-3"]
    assert (listing.page, listing.pages, listing.total) == (2, 3, 5)


def test_a_page_takes_two_statements_however_many_vms_are_grouped(app):
    group = make_group()
    for _ in range(10):
        add_member(group, make_vm())
    with count_statements(db.engine) as counter:
        list_vms(per_page=50)
    assert counter.count == 2
