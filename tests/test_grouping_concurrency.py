"""A VM stays in one group when two assignments of it race (MariaDB row locks)."""
import threading
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text

from extensions import db
from models import VMGroupMembership
from tests.factories import make_group, make_vm
from tests.support.polling import eventually

pytestmark = pytest.mark.mariadb_only


def _blocked_lock_queries(conn) -> int:
    """How many other connections sit in a `... FOR UPDATE` query (waiting for the row lock)."""
    return conn.execute(text(
        "SELECT COUNT(*) FROM information_schema.processlist WHERE command = 'Query' "
        "AND info LIKE '%FOR UPDATE%' AND info NOT LIKE '%processlist%'")).scalar_one()


def test_an_assignment_waits_for_a_concurrent_one_and_then_moves_the_vm(app, database_url):
    from grouping import assign_vms
    vm = make_vm("racer")
    first, second = make_group("first"), make_group("second")
    other = create_engine(database_url, isolation_level="READ COMMITTED")
    outcome = {}

    with other.connect() as rival:
        rival_tx = rival.begin()
        # Another process is assigning the same VM: it holds the VM row and has added a membership.
        rival.execute(text("SELECT context_id FROM vm_replication_contexts WHERE context_id = :c FOR UPDATE"),
                      {"c": vm.context_id})
        rival.execute(text("INSERT INTO vm_group_memberships (id, group_id, vm_context_id, enabled, priority) "
                           "VALUES (:id, :g, :c, 1, 1)"), {"id": str(uuid.uuid4()), "g": first.id, "c": vm.context_id})

        def assign_to_second():
            with app.app_context():
                try:
                    outcome["result"] = assign_vms(second.id, [vm.context_id])
                except Exception as exc:  # reported by the assertions below
                    outcome["error"] = exc
                finally:
                    db.session.remove()

        worker = threading.Thread(target=assign_to_second)
        worker.start()
        with other.connect() as watcher:
            eventually(lambda: _blocked_lock_queries(watcher), "the second assignment waits for the first one's lock",
                       60, 0.05, details=lambda: f" ({outcome})")
        rival_tx.commit()
        worker.join(timeout=60)
    other.dispose()

    assert not worker.is_alive()
    db.session.expire_all()
    groups = db.session.scalars(select(VMGroupMembership.group_id)
                                .where(VMGroupMembership.vm_context_id == vm.context_id)).all()
    assert groups == [second.id]
    assert outcome["result"].moved == [vm.context_id]
    assert db.session.scalar(select(func.count()).select_from(VMGroupMembership)) == 1
