"""The scheduler under a thundering herd: 500 schedules due in the same second, 10 VMs each.

Data: 500 cron schedules with the same expression (one slot, about 25 s after the engine
starts), one group of 10 VMs per schedule (5,000 VMs), on MariaDB. The appliance is the built-in
simulator over HTTP in processes of its own (gunicorn, as a separate appliance would be): its VMA
serves discovery for the bench's 5,000 VMs (by name, or the whole datacenter in one listing), its
OMA the replication API unchanged except that the setup neither waits for provisioning nor fails
(the figure is the scheduler's dispatch rate, not the OMA's). The OMA and the VMA are two hosts;
here one gunicorn serves both, each request routed by its path to the OMA's or the VMA's app, and
OMA_API_URL and VMA_API_URL are the same address. One scheduler service (lease,
APScheduler, pipeline) runs in this process with the production settings.

Figures, read back from the database:
* fire lag: from the slot to the commit of its claim (the scheduler's own measurement: the
  execution columns only hold whole seconds), p50 and p99 over the 500 executions;
* replications dispatched per second: jobs the OMA created, divided by the time from the slot
  to the last job's creation;
* duplicate claims: slots with more than one execution row, plus (execution, VM) pairs with more
  than one replication job, plus claims this process lost; must be 0.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import requests
from gunicorn.app.base import BaseApplication
from sqlalchemy import func, select
from werkzeug.wrappers import Request, Response

from app import create_app
from bench.common import percentile, result
from extensions import db
from models import (DashboardDispatchClaim, ReplicationJob, ReplicationSchedule, ScheduleExecution,
                    VMGroupMembership, VMMachineGroup, VMReplicationContext, utcnow)
from scheduler import metrics
from scheduler.engine import SchedulerService
from simulator.server import Credentials, build_apps
from simulator.vma_api import VMAApp
from simulator.wsgi import go_json

SCHEDULES = 500
VMS_PER_SCHEDULE = 10
LEAD_SECONDS = 25
TARGET_P99_SECONDS = 1.0
TARGET_DISPATCH_PER_SECOND = 200.0
SETTLE_TIMEOUT_SECONDS = 180
VCENTER_HOST = "vcenter.bench.local"
DATACENTER = "Bench-DC1"
OMA_TOKEN = "bench-oma-token"
VCENTER_USERNAME = "bench@vsphere.local"
VCENTER_PASSWORD = "bench-vcenter-password"
SIMULATOR_WORKERS = int(os.environ.get("BENCH_SIMULATOR_WORKERS", "2"))
SIMULATOR_THREADS = 16
REPO = Path(__file__).resolve().parents[1]
# The paths the simulated VMA serves (simulator/vma_api.py); the OMA serves the others.
VMA_PATHS = ("/api/v1/discover", "/api/v1/status/", "/api/v1/progress/")


def bench_vm_spec(name: str) -> dict:
    """What the bench's vCenter reports for one VM (any name): one disk, one network."""
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.bench")), "name": name,
        "path": f"/{DATACENTER}/vm/Bench/{name}", "datacenter": DATACENTER, "power_state": "poweredOn",
        "guest_os": "Ubuntu Linux (64-bit)", "memory_mb": 4096, "num_cpu": 2, "os_type": "linux",
        "vmx_version": "vmx-17",
        "disks": [{"id": "disk-2000", "label": "Hard disk 1", "path": f"[ds-bench-01] {name}/{name}.vmdk",
                   "vmdk_path": f"[ds-bench-01] {name}/{name}.vmdk", "size_gb": 40, "capacity_bytes": 40 * 1024 ** 3,
                   "datastore": "ds-bench-01", "provisioning_type": "thin", "unit_number": 0}],
        "networks": [{"label": "Network adapter 1", "network_name": "VLAN-100-Web", "adapter_type": "vmxnet3",
                      "mac_address": "00:50:56:00:00:01", "connected": True, "type": "distributed"}],
    }


def serve_simulator(database_url: str, port: int) -> None:
    """Entry point of the appliance process: serves on `port` until SIGTERM.

    The OMA it stands for is a multi-core server; a single Python process would measure its own
    global interpreter lock instead (dozens of connection threads queueing for one core). So the
    simulator runs under gunicorn: SIMULATOR_WORKERS processes of threads, keep-alive connections.
    """
    class BenchVMA(VMAApp):
        """The simulated VMA with a vCenter that knows the bench's VMs (the demo one knows 42): one
        VM by name (`filter`), or the whole datacenter, as the VMA lists it without a filter."""

        inventory = [bench_vm_spec(f"bench-vm-{s:03d}-{v:02d}") for s in range(SCHEDULES)
                     for v in range(VMS_PER_SCHEDULE)]

        def _discover(self, request: Request) -> Response:
            payload = json.loads(request.get_data(as_text=True))
            if payload.get("filter"):
                vms = [bench_vm_spec(payload["filter"])]
            else:
                vms = self.inventory if payload["datacenter"] == DATACENTER else []
            return go_json(200, {"vcenter": {"host": payload["vcenter"], "datacenter": payload["datacenter"]},
                                 "vms": vms})

    # One pooled connection per server thread, kept (no overflow connections opened and closed
    # under the herd) and not pinged before each request: the appliance's database is local.
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "BACKGROUND_SERVICES": False, "SECRET_KEY": "bench",
                      "LOG_LEVEL": "WARNING", "ADMIN_PASSWORD": "bench-admin-pass",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": SIMULATOR_THREADS, "max_overflow": 4,
                                                    "pool_pre_ping": False, "pool_recycle": 1800}})
    with app.app_context():
        db.engine.dispose()  # no connection crosses the fork: each worker opens its own
    credentials = Credentials(oma_token=OMA_TOKEN, vcenter_username=VCENTER_USERNAME, vcenter_password=VCENTER_PASSWORD)
    oma, vma = build_apps(app, credentials, seed="bench", provision_seconds=0, setup_failure_rate=0)
    bench_vma = BenchVMA(app, vcenter_username=vma.vcenter_username, vcenter_password=vma.vcenter_password,
                         seed=vma.seed, failure_rate=vma.failure_rate, discovery_seconds=0)

    def wsgi(environ, start_response):
        """The VMA's routes (vma_api.py) to the VMA, every other path to the OMA."""
        path = environ.get("PATH_INFO", "")
        target = bench_vma if path == "/api/v1/health" or path.startswith(VMA_PATHS) else oma
        return target(environ, start_response)

    class Appliance(BaseApplication):
        def load_config(self):
            for key, value in {"bind": f"127.0.0.1:{port}", "workers": SIMULATOR_WORKERS, "worker_class": "gthread",
                               "threads": SIMULATOR_THREADS, "keepalive": 60, "loglevel": "warning",
                               "preload_app": True}.items():
                self.cfg.set(key, value)

        def load(self):
            return wsgi

    Appliance().run()


def _seed(app, cron_expression: str) -> None:
    now = utcnow() - timedelta(minutes=1)
    schedules, groups, vms, members = [], [], [], []
    for s in range(SCHEDULES):
        schedule_id = f"bench-schedule-{s:03d}"
        schedules.append({"id": schedule_id, "name": f"bench-{s:03d}", "cron_expression": cron_expression,
                          "timezone": "UTC", "schedule_type": "cron", "enabled": True, "skip_if_running": True,
                          "replication_type": "incremental", "max_concurrent_jobs": VMS_PER_SCHEDULE,
                          "retry_attempts": 0, "created_at": now, "updated_at": now})
        groups.append({"id": f"bench-group-{s:03d}", "name": f"bench-group-{s:03d}", "schedule_id": schedule_id,
                       "max_concurrent_vms": VMS_PER_SCHEDULE, "priority": s % 10, "created_at": now})
        for v in range(VMS_PER_SCHEDULE):
            name = f"bench-vm-{s:03d}-{v:02d}"
            spec = bench_vm_spec(name)
            vms.append({"context_id": f"ctx-{name}", "vm_name": name, "vmware_vm_id": spec["id"],
                        "vm_path": spec["path"], "vcenter_host": VCENTER_HOST, "datacenter": DATACENTER,
                        "current_status": "ready_for_failover", "scheduler_enabled": True, "ossea_config_id": 1,
                        "created_at": now, "updated_at": now})
            members.append({"id": f"bench-member-{s:03d}-{v:02d}", "group_id": f"bench-group-{s:03d}",
                            "vm_context_id": f"ctx-{name}", "enabled": True, "priority": v})
    with app.app_context():
        for model, rows in ((ReplicationSchedule, schedules), (VMMachineGroup, groups),
                            (VMReplicationContext, vms), (VMGroupMembership, members)):
            db.session.execute(db.insert(model), rows)
        db.session.commit()


def _start_simulator(url: str, workdir: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = open(workdir / "simulator.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-c", f"from bench.scheduler_fire import serve_simulator; serve_simulator({url!r}, {port})"],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "INSTANCE_PATH": str(workdir)})
    address = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(f"{address}/health", timeout=2).status_code == 200:
                return process, address
        except requests.RequestException:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the simulator did not start: {(workdir / 'simulator.log').read_text()[-2000:]}")


def _wait_for_dispatch(app, slot, expected: int) -> None:
    """Until every VM has its job or a failed outcome, or nothing moved for a while."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(1)
        with app.app_context():
            jobs = db.session.scalar(select(func.count()).select_from(ReplicationJob))
            failed = db.session.scalar(select(func.coalesce(func.sum(ScheduleExecution.jobs_failed), 0))
                                       .where(ScheduleExecution.scheduled_at == slot))
            executions = db.session.scalar(select(func.count()).select_from(ScheduleExecution))
        if executions >= SCHEDULES and jobs + int(failed) >= expected:
            return


def run(ctx) -> list[dict]:
    url = ctx.migrated_database("bench_scheduler")
    workdir = Path(ctx.workdir) / "scheduler-fire"
    workdir.mkdir(parents=True, exist_ok=True)
    simulator, simulator_url = _start_simulator(url, workdir)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "BACKGROUND_SERVICES": False, "SECRET_KEY": "bench",
                      "INSTANCE_PATH": str(workdir), "LOG_LEVEL": "WARNING", "OMA_API_URL": simulator_url,
                      "VMA_API_URL": simulator_url, "OMA_API_TOKEN": OMA_TOKEN, "VCENTER_HOST": VCENTER_HOST,
                      "VCENTER_USERNAME": VCENTER_USERNAME, "VCENTER_PASSWORD": VCENTER_PASSWORD})
    slot = (utcnow() + timedelta(seconds=LEAD_SECONDS)).replace(microsecond=0)
    _seed(app, f"{slot.second} {slot.minute} {slot.hour} {slot.day} {slot.month} *")
    lost_before = sum(sample.value for sample in metrics.DUPLICATE_CLAIMS.collect()[0].samples
                      if sample.name.endswith("_total"))
    metrics.RECENT_FIRE_LAGS.clear()
    service = SchedulerService(app)
    service.start()
    try:
        while utcnow() < slot:
            time.sleep(0.2)
        _wait_for_dispatch(app, slot, SCHEDULES * VMS_PER_SCHEDULE)
    finally:
        service.stop()
        simulator.send_signal(signal.SIGTERM)
        simulator.wait(30)
    lost = sum(sample.value for sample in metrics.DUPLICATE_CLAIMS.collect()[0].samples
               if sample.name.endswith("_total")) - lost_before

    with app.app_context():
        executions = db.session.execute(select(ScheduleExecution.schedule_id, ScheduleExecution.scheduled_at,
                                               ScheduleExecution.created_at, ScheduleExecution.jobs_failed)
                                        .where(ScheduleExecution.triggered_by == "scheduler")).all()
        job_times = sorted(db.session.scalars(select(ReplicationJob.created_at)).all())
        doubled_jobs = db.session.scalar(select(func.count()).select_from(
            select(ReplicationJob.schedule_execution_id, ReplicationJob.vm_context_id)
            .group_by(ReplicationJob.schedule_execution_id, ReplicationJob.vm_context_id)
            .having(func.count() > 1).subquery()))
        claims = db.session.scalar(select(func.count()).select_from(DashboardDispatchClaim))
        db.engine.dispose()
    fired = [row for row in executions if row.scheduled_at == slot]
    lags = sorted(metrics.RECENT_FIRE_LAGS)  # measured at each claim's commit (the columns hold seconds)
    slots = [(row.schedule_id, row.scheduled_at) for row in executions]
    doubled_slots = len(slots) - len(set(slots))
    dispatched = len(job_times)
    failed = sum(row.jobs_failed or 0 for row in fired)
    span = (job_times[-1] - slot).total_seconds() if job_times else float("inf")
    rate = dispatched / span if span > 0 else 0.0
    duplicates = doubled_slots + doubled_jobs + lost
    p50, p99 = (percentile(lags, 0.50), percentile(lags, 0.99)) if lags else (float("inf"), float("inf"))
    return [
        result("scheduler: slots fired of 500 due in one second", len(fired), "executions", "= 500",
               len(fired) == SCHEDULES),
        result("scheduler: fire lag p50 (500 schedules, one second)", p50, "s", "-", True),
        result("scheduler: fire lag p99 (500 schedules, one second)", p99, "s", f"<= {TARGET_P99_SECONDS:g}",
               p99 <= TARGET_P99_SECONDS),
        result("scheduler: replications dispatched per second (simulator over HTTP)", rate, "req/s",
               f">= {TARGET_DISPATCH_PER_SECOND:g}", rate >= TARGET_DISPATCH_PER_SECOND),
        result("scheduler: replications started / VMs due", 100.0 * dispatched / (SCHEDULES * VMS_PER_SCHEDULE), "%",
               "100", dispatched == SCHEDULES * VMS_PER_SCHEDULE and failed == 0 and claims == dispatched),
        result("scheduler: duplicate claims (slots, VM jobs per slot, lost claims)", duplicates, "claims", "= 0",
               duplicates == 0),
    ]
