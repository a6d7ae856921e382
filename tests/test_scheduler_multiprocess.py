"""Three dashboard processes on one MariaDB database, one schedule firing every 2 seconds.

One scenario runs once for the module (about 80 s): the processes elect a leader and fire the
schedule for 20 slots (40 s); then, while the leader is starting replications, it is killed with
SIGKILL (the OMA has received one request, a second one never arrives). A standby must take
over, the interrupted execution must be settled, and across the whole run every slot must have
exactly one execution row and no VM may be sent to the OMA twice for one slot. Each test below
checks one of those properties on what the scenario recorded.

The appliance is the built-in simulator, its OMA and VMA served from this test process (the OMA
behind a gate that can hold replication requests in flight); a "finisher" thread plays the OMA's
progress poller completing replications after a second, with the context recount that frees the
VMs again for the next slots.
"""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, insert, select, update
from sqlalchemy.exc import OperationalError

from cron import parse_cron
from models import (DashboardDispatchClaim, ReplicationJob, ReplicationSchedule, ScheduleExecution,
                    VMGroupMembership, VMMachineGroup, VMReplicationContext, utcnow)
from scheduler.slots import MISSED_REASON, SUPERSEDED_REASON
from tests.support.polling import eventually

pytestmark = pytest.mark.mariadb_only

REPO = Path(__file__).resolve().parents[1]
EVERY_TWO_SECONDS = "*/2 * * * * *"
SLOTS = parse_cron(EVERY_TWO_SECONDS, "UTC", 1)
VM_NAMES = ("web-01", "web-02", "web-03", "web-04")
STEADY_SLOTS = 20
RAN = ("running", "completed", "failed")  # the statuses of a slot that ran
TAKEOVER_LIMIT_SECONDS = 30
OMA_TOKEN = "multiprocess-oma-token"
VCENTER_PASSWORD = "multiprocess-vcenter-password"

LAUNCHER = """
import json, os, signal, threading
from app import create_app
from scheduler import stop_scheduler
create_app(json.loads(os.environ["DASHBOARD_TEST_CONFIG"]))
stopping = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stopping.set())
stopping.wait()
stop_scheduler()
"""


class GatedAppliance:
    """The simulated OMA's WSGI app behind a gate: records every replication request and, while
    `holding`, keeps them waiting until `release()` (the first is then passed on, the others
    answered 502 without reaching the OMA, as if the connection had dropped)."""

    def __init__(self, inner):
        self.inner = inner
        self.requests: list[tuple[str, str]] = []  # (schedule_execution_id, vm name)
        self.holding = False
        self.held: list[dict] = []
        self.arrived = threading.Event()
        self._released = threading.Event()
        self._lock = threading.Lock()

    def release(self) -> None:
        self.holding = False
        self._released.set()

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] != "/api/v1/replications":
            return self.inner(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        payload = json.loads(body)
        with self._lock:
            self.requests.append((payload.get("schedule_execution_id"), payload["source_vm"]["name"]))
            held = self.holding
            first = held and not self.held
            if held:
                self.held.append(payload)
        if held:
            self.arrived.set()
            self._released.wait(120)
            if not first:
                start_response("502 Bad Gateway", [("Content-Type", "application/json")])
                return [b'{"error": "Bad gateway", "details": "upstream connection reset"}']
        return self.inner(environ, start_response)


class Finisher:
    """Plays the OMA's poller finishing replications: a job running for a second completes, and
    its context's `current_job_id` is cleared as the OMA's recount does (context_after_job.py);
    otherwise the simulated OMA would refuse the VM's next replication with a 409."""

    def __init__(self, url: str):
        self.engine = create_engine(url)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="test-finisher", daemon=True)

    def start(self) -> "Finisher":
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.3):
            try:
                self._finish_once()
            except OperationalError:  # a deadlock victim against the dashboards' writes: next round
                continue

    def _finish_once(self) -> None:
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(update(ReplicationJob)
                         .where(ReplicationJob.status == "replicating",
                                ReplicationJob.started_at < now - timedelta(seconds=1))
                         .values(status="completed", progress_percent=100, completed_at=now, updated_at=now))
            finished = select(ReplicationJob.id).where(ReplicationJob.status == "completed")
            conn.execute(update(VMReplicationContext)
                         .where(VMReplicationContext.current_job_id.in_(finished))
                         .values(current_job_id=None, current_status="ready_for_failover",
                                 last_status_change=now, updated_at=now))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.engine.dispose()


@dataclass
class Scenario:
    """What happened, read back from the database once every process had stopped."""

    schedule_id: str
    elected_at: datetime
    killed_at: datetime
    took_over_at: datetime
    stopped_at: datetime  # when the processes were sent SIGTERM
    killed_holder: str
    new_holder: str
    interrupted_execution_id: str
    rows: list = field(default_factory=list)  # scheduler-triggered executions
    jobs: list = field(default_factory=list)
    claims: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    held: list = field(default_factory=list)  # VM names whose request was in flight at the kill
    interrupted: object = None
    logs: dict = field(default_factory=dict)

    def slots(self, start: datetime, end: datetime) -> list[datetime]:
        """The schedule's slots in [start, end]."""
        found, current = [], start - timedelta(microseconds=1)
        while (current := SLOTS.next_after(current)) <= end:
            found.append(current)
        return found

    def rows_at(self, slot: datetime) -> list:
        return [row for row in self.rows if row.scheduled_at == slot]


def _lease_holder(engine) -> str | None:
    from models import DashboardSchedulerLease
    with engine.connect() as conn:
        row = conn.execute(select(DashboardSchedulerLease.holder, DashboardSchedulerLease.expires_at)).first()
    if row is None or row.holder is None or row.expires_at is None:
        return None
    return row.holder


def _seed(engine) -> str:
    from simulator.inventory import VCENTER_HOST, demo_vm
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(insert(ReplicationSchedule).values(
            id="sched-every-2s", name="Every 2 seconds", cron_expression=EVERY_TWO_SECONDS, schedule_type="cron",
            timezone="UTC", replication_type="incremental", max_concurrent_jobs=10, retry_attempts=0,
            retry_delay_minutes=1, enabled=True, skip_if_running=False, created_at=now, updated_at=now))
        conn.execute(insert(VMMachineGroup).values(id="group-web", name="Web", schedule_id="sched-every-2s",
                                                   max_concurrent_vms=10, priority=1, created_at=now))
        for index, name in enumerate(VM_NAMES):
            spec = demo_vm(name)
            conn.execute(insert(VMReplicationContext).values(
                context_id=f"ctx-{name}", vm_name=name, vmware_vm_id=spec["id"], vm_path=spec["path"],
                vcenter_host=VCENTER_HOST, datacenter=spec["datacenter"], current_status="ready_for_failover",
                ossea_config_id=1, scheduler_enabled=True, created_at=now, updated_at=now))
            conn.execute(insert(VMGroupMembership).values(id=f"member-{name}", group_id="group-web",
                                                          vm_context_id=f"ctx-{name}", priority=index, enabled=True))
    return "sched-every-2s"


@pytest.fixture(scope="module")
def scenario(mariadb_template, tmp_path_factory):
    from app import create_app
    from simulator.inventory import VCENTER_HOST, VCENTER_USERNAME
    from simulator.server import Credentials, SimulatorServer, build_apps

    url = mariadb_template.fresh_url()
    workdir = tmp_path_factory.mktemp("multiprocess")
    engine = create_engine(url)
    schedule_id = _seed(engine)

    host_app = create_app({"TESTING": True, "SECRET_KEY": "multiprocess", "SQLALCHEMY_DATABASE_URI": url,
                           "BACKGROUND_SERVICES": False, "SCHEDULER_ENABLED": False, "INSTANCE_PATH": str(workdir),
                           # the setup answers at once and never fails: the dashboards' 3 s read
                           # timeout below is for the scheduler's timings, not the OMA's provisioning
                           "SIMULATOR_PROVISION_SECONDS": 0, "SIMULATOR_SETUP_FAILURE_RATE": 0})
    # OMA_TOKEN is a session that exists from the start: the dashboards send it as their bearer token.
    credentials = Credentials(oma_token=OMA_TOKEN, vcenter_username=VCENTER_USERNAME,
                              vcenter_password=VCENTER_PASSWORD)
    oma_app, vma_app = build_apps(host_app, credentials, seed="multiprocess")
    gate = GatedAppliance(oma_app)
    oma = SimulatorServer(gate, name="simulator-oma").start()
    vma = SimulatorServer(vma_app, name="simulator-vma").start()
    finisher = Finisher(url).start()

    config = {"SECRET_KEY": "multiprocess", "SQLALCHEMY_DATABASE_URI": url, "BACKGROUND_SERVICES": True,
              "SCHEDULER_ENABLED": True, "DEMO": False, "MIN_SCHEDULE_INTERVAL_SECONDS": 1,
              "OMA_API_URL": oma.url, "VMA_API_URL": vma.url, "OMA_API_TOKEN": OMA_TOKEN,
              "VCENTER_HOST": VCENTER_HOST, "VCENTER_USERNAME": VCENTER_USERNAME,
              "VCENTER_PASSWORD": VCENTER_PASSWORD, "API_CONNECT_TIMEOUT": 1, "API_READ_TIMEOUT": 3,
              "OMA_REPLICATION_TIMEOUT": 3, "VMA_DISCOVERY_TIMEOUT": 3, "SCHEDULER_DISPATCH_GRACE_SECONDS": 5}
    processes: dict[int, subprocess.Popen] = {}
    log_files = {}
    for number in range(3):
        log_path = workdir / f"process-{number}.log"
        log_files[number] = log_path
        env = {**os.environ, "DASHBOARD_TEST_CONFIG": json.dumps(config),
               "INSTANCE_PATH": str(workdir / f"instance-{number}"), "PYTHONUNBUFFERED": "1"}
        with open(log_path, "wb") as log:
            process = subprocess.Popen([sys.executable, "-c", LAUNCHER], cwd=REPO, env=env, stdout=log,
                                       stderr=subprocess.STDOUT)
        processes[process.pid] = process

    def logs() -> dict:
        return {path.name: path.read_text(errors="replace") for path in log_files.values()}

    def log_tails() -> str:
        return "".join(f"\n--- {name} ---\n{text[-3000:]}" for name, text in logs().items())

    def live_holder() -> str | None:
        holder = _lease_holder(engine)
        if holder is None:
            return None
        pid = int(holder.split(":")[1])
        return holder if pid in processes and processes[pid].poll() is None else None

    def slots_run_after(moment: datetime) -> int:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(ScheduleExecution)
                                .where(ScheduleExecution.schedule_id == schedule_id,
                                       ScheduleExecution.triggered_by == "scheduler",
                                       ScheduleExecution.scheduled_at > moment,
                                       ScheduleExecution.status.in_(RAN))).scalar_one()

    def whole_wave_arrived(execution_id: str) -> bool:
        """Every VM the leader is dispatching for the execution has sent its request."""
        with engine.connect() as conn:
            details = conn.execute(select(ScheduleExecution.execution_details)
                                   .where(ScheduleExecution.id == execution_id)).scalar_one()
        dispatching = {entry["vm_name"] for entry in (details or {}).get("vms", ())
                       if entry["outcome"] == "dispatching" and not entry.get("claimed_elsewhere")}
        sent = {name for execution, name in list(gate.requests) if execution == execution_id}
        return bool(dispatching) and dispatching <= sent

    try:
        leader = eventually(live_holder, "a leader was elected", 60, 0.2, details=log_tails)
        elected_at = utcnow()
        # 40 s of slots; the timeout leaves room for the leader's engine to start on a loaded machine.
        eventually(lambda: slots_run_after(elected_at) >= STEADY_SLOTS, f"the leader ran {STEADY_SLOTS} slots",
                   120, 0.2, details=log_tails)

        gate.holding = True
        eventually(gate.arrived.is_set, "the leader sent a replication request", 30, 0.2, details=log_tails)
        interrupted_execution_id = gate.held[0]["schedule_execution_id"]
        eventually(lambda: whole_wave_arrived(interrupted_execution_id), "the rest of this dispatch arrived too",
                   30, 0.2, details=log_tails)
        leader_pid = int(leader.split(":")[1])
        processes[leader_pid].send_signal(signal.SIGKILL)
        processes[leader_pid].wait(10)
        killed_at = utcnow()
        gate.release()

        new_holder = eventually(lambda: (h := live_holder()) and h != leader and h, "a standby took the lease",
                                60, 0.2, details=log_tails)
        took_over_at = utcnow()

        def settled():
            with engine.connect() as conn:
                status = conn.execute(select(ScheduleExecution.status)
                                      .where(ScheduleExecution.id == interrupted_execution_id)).scalar_one()
            return status != "running"

        eventually(settled, "the interrupted execution was settled", 60, 0.2, details=log_tails)
        settled_at = utcnow()
        eventually(lambda: slots_run_after(settled_at) >= 3, "a few more slots ran under the new leader", 60, 0.2,
                   details=log_tails)
    finally:
        # The leader fires until it is told to stop; how long the processes then take to exit
        # (seconds, on a loaded machine) must not move the end of the checked slots.
        stopped_at = utcnow()
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        finisher.stop()
        gate.release()
        oma.stop()
        vma.stop()

    with engine.connect() as conn:
        rows = conn.execute(select(ScheduleExecution.id, ScheduleExecution.scheduled_at, ScheduleExecution.status,
                                   ScheduleExecution.error_message, ScheduleExecution.execution_details)
                            .where(ScheduleExecution.schedule_id == schedule_id,
                                   ScheduleExecution.triggered_by == "scheduler")
                            .order_by(ScheduleExecution.scheduled_at)).all()
        jobs = conn.execute(select(ReplicationJob.id, ReplicationJob.schedule_execution_id,
                                   ReplicationJob.vm_context_id, ReplicationJob.scheduled_by)).all()
        claims = conn.execute(select(DashboardDispatchClaim.execution_id, DashboardDispatchClaim.vm_context_id,
                                     DashboardDispatchClaim.holder)).all()
        table = ScheduleExecution.__table__
        interrupted = conn.execute(select(table).where(table.c.id == interrupted_execution_id)).mappings().one()
    engine.dispose()
    with host_app.app_context():
        from extensions import db
        db.engine.dispose()
    return Scenario(schedule_id=schedule_id, elected_at=elected_at, killed_at=killed_at, took_over_at=took_over_at,
                    stopped_at=stopped_at, killed_holder=leader, new_holder=new_holder,
                    interrupted_execution_id=interrupted_execution_id, rows=rows, jobs=jobs, claims=claims,
                    requests=list(gate.requests),
                    held=[payload["source_vm"]["name"] for payload in gate.held], interrupted=interrupted, logs=logs())


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def test_every_slot_from_election_to_shutdown_has_exactly_one_execution_row(scenario):
    slots = scenario.slots(scenario.elected_at, scenario.stopped_at - timedelta(seconds=3))
    assert len(slots) >= STEADY_SLOTS
    missing = [slot for slot in slots if not scenario.rows_at(slot)]
    doubled = [slot for slot in slots if len(scenario.rows_at(slot)) > 1]
    assert missing == [] and doubled == []
    assert len({row.id for row in scenario.rows}) == len(scenario.rows)


def test_every_slot_runs_while_a_leader_is_alive(scenario):
    def first_run_after(moment: datetime) -> datetime:
        """The first slot a (new) leader ran: slots due while its engine was still starting are
        caught up as superseded, by design, and the start may take seconds on a loaded machine."""
        return next(_aware(row.scheduled_at) for row in scenario.rows
                    if _aware(row.scheduled_at) > moment and row.status != "skipped")

    alive = (scenario.slots(first_run_after(scenario.elected_at), scenario.killed_at - timedelta(seconds=1))
             + scenario.slots(first_run_after(scenario.killed_at), scenario.stopped_at - timedelta(seconds=8)))
    not_run = [(slot, row.status, row.error_message) for slot in alive for row in scenario.rows_at(slot)
               if row.status not in RAN]
    assert alive and not_run == []


def test_no_vm_is_sent_to_the_oma_twice_for_one_slot(scenario):
    assert len(scenario.requests) >= len(VM_NAMES)
    assert len(set(scenario.requests)) == len(scenario.requests)
    per_slot = [(job.schedule_execution_id, job.vm_context_id) for job in scenario.jobs]
    assert len(set(per_slot)) == len(per_slot)
    claims = {(claim.execution_id, claim.vm_context_id) for claim in scenario.claims}
    assert set(per_slot) <= claims, "every job was started under a dispatch claim"


def test_a_standby_takes_the_lease_within_30_seconds_of_the_leader_being_killed(scenario):
    assert scenario.new_holder != scenario.killed_holder
    assert (scenario.took_over_at - scenario.killed_at).total_seconds() <= TAKEOVER_LIMIT_SECONDS


def test_slots_while_no_leader_lived_are_recorded_as_missed_or_run_once_by_the_new_leader(scenario):
    gap = scenario.slots(scenario.killed_at + timedelta(seconds=1), scenario.took_over_at - timedelta(seconds=1))
    assert gap, "the takeover left slots to catch up"
    rows = [row for slot in gap for row in scenario.rows_at(slot)]
    assert len(rows) == len(gap)
    for row in rows:
        assert row.status != "skipped" or row.error_message in (MISSED_REASON, SUPERSEDED_REASON)


def test_the_execution_interrupted_by_the_kill_is_settled_by_the_new_leader(scenario):
    interrupted = scenario.interrupted
    assert interrupted["status"] in ("completed", "failed")
    assert interrupted["completed_at"] is not None
    entries = {entry["vm_name"]: entry for entry in interrupted["execution_details"]["vms"]}
    outcomes = sorted(entry["outcome"] for entry in entries.values())
    assert "running" not in outcomes and "dispatching" not in outcomes and "queued" not in outcomes
    adopted, *dropped = scenario.held
    assert entries[adopted]["outcome"] == "completed" and entries[adopted]["job_id"]
    for name in dropped:
        assert (entries[name]["outcome"], entries[name]["reason"]) == ("failed", "interrupted")
    assert _aware(interrupted["completed_at"]) > scenario.killed_at


def test_no_process_logged_an_unexpected_error(scenario):
    assert {name: text for name, text in scenario.logs.items() if "Traceback" in text} == {}
