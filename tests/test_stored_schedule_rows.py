"""No stored schedule row can break a page, the API or the engine.

The appliance's database may hold schedules written by the system we replace, by hand or by
another tool, with expressions, zones and values we would refuse. Such a row is shown as
invalid with its reason, is never fired, and everything else keeps working. Rows here are
written straight into the table, never through our API."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, text

from extensions import db
from models import SCHEDULE_LIMITS, ReplicationSchedule
from scheduler import scheduler_status
from tests.factories import add_member, make_group, make_schedule, make_vm

pytestmark = pytest.mark.both_dbs

PAGES = ("/", "/schedules/", "/schedules/{id}", "/schedules/{id}/edit", "/overview/poll", "/groups/",
         "/assignment/", "/vms/", "/vms/stored-row-vm", "/jobs/", "/api/v1/schedules",
         "/api/v1/schedules/{id}", "/api/v1/schedules/{id}/executions", "/api/v1/machine-groups",
         "/readyz", "/metrics")

BAD_ROWS = {
    "far-future every": {"cron_expression": "@every 99999999999h"},
    "every below a second": {"cron_expression": "@every 1ms"},
    "garbage expression": {"cron_expression": "not a schedule"},
    "empty expression": {"cron_expression": ""},
    "eight fields": {"cron_expression": "* * * * * * * *"},
    "never-existing day": {"cron_expression": "0 0 0 30 2 *"},
    "below the frequency floor": {"cron_expression": "* * * * * *"},
    "unknown zone": {"timezone": "Mars/Olympus_Mons"},
    "path as zone": {"timezone": "../../etc/passwd"},
    "very long zone": {"timezone": "Europe/" + "x" * 40},
    "control characters in zone": {"timezone": "UTC\x01"},
    "blank zone": {"timezone": ""},
    "no zone": {"timezone": None},
    "negative limits": {"max_concurrent_jobs": -5, "retry_attempts": -1, "retry_delay_minutes": -30},
    "huge limits": {"max_concurrent_jobs": 2**31 - 1, "retry_attempts": 2**31 - 1,
                    "retry_delay_minutes": 2**31 - 1, "chain_delay_minutes": 2**31 - 1},
    "no replication type": {"replication_type": None},
    "unknown replication type": {"replication_type": "turbo"},
    "unknown schedule type": {"schedule_type": ""},
    "chain without a parent": {"schedule_type": "chain", "cron_expression": ""},
    "nulls everywhere": {"enabled": None, "skip_if_running": None, "max_concurrent_jobs": None,
                         "retry_attempts": None, "retry_delay_minutes": None, "chain_delay_minutes": None,
                         "description": None, "created_at": None, "updated_at": None, "created_by": None},
}


def write_row(**values) -> str:
    """Insert the row as another tool would: on MariaDB without strict mode, so that a value the
    column's ENUM does not list is stored as '' (what such a tool leaves behind)."""
    row = {"id": "stored-row", "name": "stored row", "cron_expression": "0 0 2 * * *", "timezone": "UTC",
           "schedule_type": "cron", "enabled": True, **values}
    if db.engine.dialect.name != "sqlite":
        db.session.execute(text("SET SESSION sql_mode = ''"))
    db.session.execute(insert(ReplicationSchedule.__table__).values(**row))
    db.session.commit()
    group = make_group("stored-row group")
    db.session.execute(text("UPDATE vm_machine_groups SET schedule_id = :id WHERE id = :group"),
                       {"id": row["id"], "group": group.id})
    db.session.commit()
    add_member(group, make_vm("stored-row-vm"))
    return row["id"]


def answers(client, schedule_id: str) -> dict[str, int]:
    return {path: client.get(path.format(id=schedule_id)).status_code for path in PAGES}


@pytest.mark.parametrize("values", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_no_page_or_api_answer_fails_on_a_stored_row(client, values):
    healthy = make_schedule("healthy", "0 0 3 * * *")
    schedule_id = write_row(**values)

    failed = {path: status for path, status in answers(client, schedule_id).items() if status >= 500
              and not (path == "/readyz" and status == 503)}

    assert failed == {}
    assert "healthy" in client.get("/schedules/").get_data(as_text=True)
    assert "healthy" in [item["schedule"] for item in scheduler_status()["next_fires"]]
    assert client.get(f"/api/v1/schedules/{healthy.id}").get_json()["problem"] is None


INVALID = {name: values for name, values in BAD_ROWS.items()
           if name not in ("blank zone", "no zone", "negative limits", "huge limits", "no replication type",
                           "unknown replication type", "nulls everywhere")}


@pytest.mark.parametrize("values", INVALID.values(), ids=INVALID.keys())
def test_a_row_that_cannot_run_is_shown_as_invalid_with_its_reason_everywhere(client, values):
    schedule_id = write_row(**values)

    problem = client.get(f"/api/v1/schedules/{schedule_id}").get_json()["problem"]
    listed = {item["id"]: item for item in client.get("/api/v1/schedules").get_json()["schedules"]}

    assert problem
    assert listed[schedule_id]["problem"] == problem
    assert listed[schedule_id]["next_run_at"] is None
    escaped = problem.replace("'", "&#39;")
    assert f"never runs: {escaped}" in client.get("/schedules/").get_data(as_text=True)
    assert f"This schedule never runs: {escaped}" in client.get(f"/schedules/{schedule_id}").get_data(as_text=True)
    assert "stored row" not in [item["schedule"] for item in scheduler_status()["next_fires"]]
    assert scheduler_status()["invalid_schedules"]["stored row"] == problem
    assert f"stored row: {escaped}" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("values", [BAD_ROWS["blank zone"], BAD_ROWS["no zone"], BAD_ROWS["nulls everywhere"]],
                         ids=["blank zone", "no zone", "nulls everywhere"])
def test_a_row_with_defaults_left_out_runs_with_the_defaults(client, values):
    schedule_id = write_row(**values)

    shown = client.get(f"/api/v1/schedules/{schedule_id}").get_json()

    assert (shown["problem"], shown["timezone"]) == (None, "UTC")
    upcoming = [item["schedule"] for item in scheduler_status()["next_fires"]]
    # A NULL `enabled` reads as off, as the engine treats it; an enabled one is listed.
    assert ("stored row" in upcoming) == (values.get("enabled", True) is not None)


FRAGMENTS = ["*", "*/15", "0", "59", "60", "1-5", "5-1", "7/2", "MON-FRI", "?", "L", "1,2,,3", "*/0", "JAN",
             "99999999999", "-1", "0-23/11", "\x00", "é"]
ZONES = ["UTC", "Europe/London", "America/New_York", "", None, "Mars/Base", "../../etc/passwd", "x" * 50,
         "UTC\x01", "Etc/GMT+14", "Europe/Londön"]


@st.composite
def stored_schedules(draw):
    kind = draw(st.sampled_from(["fields", "every", "descriptor", "text"]))
    if kind == "fields":
        expression = " ".join(draw(st.lists(st.sampled_from(FRAGMENTS), min_size=4, max_size=7)))
    elif kind == "every":
        expression = f"@every {draw(st.integers(0, 10**12))}{draw(st.sampled_from(['s', 'm', 'h', 'ms', 'd', '']))}"
    elif kind == "descriptor":
        expression = draw(st.sampled_from(["@daily", "@hourly", "@yearly", "@weekly", "@reboot", "@", "@every"]))
    else:
        expression = draw(st.text(max_size=40))
    small_int = st.one_of(st.none(), st.integers(-2**31, 2**31 - 1))
    return {"cron_expression": expression[:100], "timezone": draw(st.sampled_from(ZONES)),
            "schedule_type": draw(st.sampled_from(["cron", "chain", ""])),
            "replication_type": draw(st.sampled_from(["full", "incremental", "auto", "", None])),
            "enabled": draw(st.sampled_from([True, False, None])),
            "skip_if_running": draw(st.sampled_from([True, False, None])),
            "max_concurrent_jobs": draw(small_int), "retry_attempts": draw(small_int),
            "retry_delay_minutes": draw(small_int), "chain_delay_minutes": draw(small_int)}


PROPERTY_PAGES = ("/", "/schedules/", "/schedules/{id}", "/schedules/{id}/edit", "/overview/poll",
                  "/api/v1/schedules", "/api/v1/schedules/{id}", "/readyz")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          database=None)
@given(values=stored_schedules())
def test_any_stored_schedule_row_leaves_every_answer_free_of_server_errors(client, values):
    db.session.execute(text("DELETE FROM vm_group_memberships"))
    db.session.execute(text("DELETE FROM vm_machine_groups"))
    db.session.execute(text("DELETE FROM vm_replication_contexts"))
    db.session.execute(text("DELETE FROM replication_schedules"))
    db.session.commit()
    schedule_id = write_row(**values)

    statuses = {path: client.get(path.format(id=schedule_id)).status_code for path in PROPERTY_PAGES}

    assert {path: status for path, status in statuses.items()
            if status >= 500 and not (path == "/readyz" and status == 503)} == {}
    problem = client.get(f"/api/v1/schedules/{schedule_id}").get_json()["problem"]
    assert problem is None or isinstance(problem, str) and problem


def test_the_engine_reads_stored_delays_and_counts_within_the_limits_an_operator_may_set(app):
    write_row(retry_attempts=2**31 - 1, retry_delay_minutes=2**31 - 1, chain_delay_minutes=-5)
    schedule = db.session.get(ReplicationSchedule, "stored-row")

    assert schedule.within_limits("retry_attempts") == SCHEDULE_LIMITS["retry_attempts"][1]
    assert schedule.within_limits("retry_delay_minutes") == SCHEDULE_LIMITS["retry_delay_minutes"][1]
    assert schedule.within_limits("chain_delay_minutes") == 0
    schedule.retry_delay_minutes = None
    assert schedule.within_limits("retry_delay_minutes") == 0
