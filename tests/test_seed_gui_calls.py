"""Each call the original system's GUI makes (tests/seed_gui_calls.py), sent as it sends it with a
bearer token, answers a success status (or the original's own error status) and every key the GUI
reads, of the JSON type it reads.

One world (the demo's data behind the built-in simulator, tests/support/world.py) serves every row;
rows that change something get their own fresh objects from their `setup`, so no row depends on
another. Discovery and the credential test reach the simulator's VMA. The original's proxies send
one bearer token for every call, so the rows use an admin's token.
"""
from __future__ import annotations

import json
import re
import uuid

import pytest
from sqlalchemy import func, select

from extensions import db
from models import DashboardUser, JobTracking, ScheduleExecution, VMReplicationContext
from security import hash_password
from security.tokens import create_token
from simulator.inventory import DATACENTERS, demo_vms
from tests.conftest import PASSWORDS
from tests.factories import add_member, make_group, make_schedule, make_vm
from tests.seed_gui_calls import CALLS, NO_BODY, Call
from tests.support.clients import DashboardClient

WORLD_VM = "file-01"  # the world leaves a test failover of it running (tests/support/world.py)


class Env:
    def __init__(self, app, world, token):
        self.app, self.world, self.token = app, world, token
        self.client = app.test_client()

    def call(self, method: str, path: str, body=NO_BODY):
        kwargs = {"headers": {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}}
        if body is not NO_BODY:
            kwargs["data"] = json.dumps(body)
        return self.client.open(f"/api/v1{path}", method=method, **kwargs)


@pytest.fixture(scope="module")
def env(sqlite_template, tmp_path_factory):
    from app import create_app
    from tests.support.world import build_world
    tmp = tmp_path_factory.mktemp("seed-gui-calls")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INSTANCE_PATH", str(tmp / "instance"))
        app = create_app({
            "TESTING": True, "SECRET_KEY": "test-secret-key", "SQLALCHEMY_DATABASE_URI": sqlite_template.fresh_url(tmp),
            "BACKGROUND_SERVICES": False, "SCHEDULER_ENABLED": False, "DEMO": False, "OMA_API_URL": "",
            "VMA_API_URL": "", "RATELIMIT_ENABLED": False})
        app.test_client_class = DashboardClient
        ctx = app.app_context()
        ctx.push()
        users = {}
        for role, password in PASSWORDS.items():
            users[role] = DashboardUser(username=role, password_hash=hash_password(password), role=role)
            db.session.add(users[role])
        db.session.commit()
        world = build_world(app, users)
        try:
            _, token = create_token(users["admin"], "original GUI proxy")
            yield Env(app, world, token)
        finally:
            world.stop()
            tracker = app.extensions.get("joblog")
            if tracker is not None:
                tracker.close()
            db.session.remove()
            db.engine.dispose()
            ctx.pop()


# --- setups: the values a row's path and body take ---------------------------------------------------

def _name(kind: str) -> str:
    return f"gui-{kind}-{uuid.uuid4().hex[:8]}"


def _vm(**kw):
    return make_vm(_name("vm"), cpu_count=2, memory_mb=4096, os_type="linux", power_state="poweredOn", **kw)


def _schedule_with_runs(env):
    schedule_id = db.session.scalars(select(ScheduleExecution.schedule_id).group_by(ScheduleExecution.schedule_id)
                                     .order_by(func.count().desc())).first()
    assert schedule_id, "the world has no schedule execution"
    return {"schedule_id": schedule_id}


def _fresh_schedule(env):
    return {"schedule_id": make_schedule(_name("schedule")).id, "name": _name("schedule")}


def _schedule_in_use(env):
    schedule = make_schedule(_name("schedule"))
    make_group(_name("group"), schedule)
    return {"schedule_id": schedule.id}


def _schedule_to_trigger(env):
    schedule = make_schedule(_name("schedule"), enabled=True)
    add_member(make_group(_name("group"), schedule), _vm())
    return {"schedule_id": schedule.id}


def _fresh_group(env):
    return {"group_id": make_group(_name("group")).id, "name": _name("group"),
            "schedule_id": make_schedule(_name("schedule")).id}


def _group_with_member(env):
    group, vm = make_group(_name("group")), _vm()
    add_member(group, vm)
    return {"group_id": group.id, "vm_context_id": vm.context_id}


def _group_and_ungrouped_vm(env):
    return {"group_id": make_group(_name("group")).id, "vm_context_id": _vm().context_id}


def _ungrouped_vm(env):
    return {"vm_context_id": _vm().context_id}


def _vm_with_jobs(env):
    context_id = db.session.scalar(select(VMReplicationContext.context_id).where(VMReplicationContext.vm_name == WORLD_VM))
    return {"vm_name": WORLD_VM, "context_id": context_id}


def _running_failover(env):
    context_id = _vm_with_jobs(env)["context_id"]
    job_id = db.session.scalar(select(JobTracking.id).where(
        JobTracking.context_id == context_id, JobTracking.parent_job_id.is_(None), JobTracking.status == "running"))
    assert job_id, f"the world has no running failover of {WORLD_VM}"
    return {"job_id": job_id}


def _credential_form(env, **extra):
    config = env.app.config
    return {"name": _name("vcenter"), "vcenter_host": config["VCENTER_HOST"], "username": config["VCENTER_USERNAME"],
            "password": config["VCENTER_PASSWORD"], "datacenter": DATACENTERS[0], **extra}


def _credential(env, is_default=False):
    """A credential set made as the GUI makes one (POST, then the list to learn its id)."""
    values = _credential_form(env)
    body = _fill(next(c for c in CALLS if c.method == "POST" and c.path == "/vmware-credentials").body, values)
    created = env.call("POST", "/vmware-credentials", {**body, "is_default": is_default})
    listed = env.call("GET", "/vmware-credentials")
    found = [c for c in (listed.get_json(silent=True) or {}).get("credentials") or []
             if isinstance(c, dict) and c.get("credential_name") == values["name"]]
    if created.status_code >= 300 or not found:
        pytest.fail(f"setup: no credential through POST /vmware-credentials ({created.status_code} "
                    f"{created.get_data(as_text=True)[:200]!r}) and GET /vmware-credentials ({listed.status_code} "
                    f"{listed.get_data(as_text=True)[:200]!r})", pytrace=False)
    return {**values, "credential_id": found[0].get("id"), "new_name": _name("vcenter")}


def _credential_and_new_vm(env):
    managed = set(db.session.scalars(select(VMReplicationContext.vm_name)))
    name = next(vm["name"] for vm in demo_vms(DATACENTERS[0]) if vm["name"] not in managed)
    return {**_credential(env), "vm_name": name}


SETUPS = {
    "world": lambda env: {},
    "names": lambda env: {"name": _name("new")},
    "schedule_with_runs": _schedule_with_runs,
    "fresh_schedule": _fresh_schedule,
    "schedule_in_use": _schedule_in_use,
    "schedule_to_trigger": _schedule_to_trigger,
    "fresh_group": _fresh_group,
    "group_with_member": _group_with_member,
    "group_and_ungrouped_vm": _group_and_ungrouped_vm,
    "ungrouped_vm": _ungrouped_vm,
    "vm_with_jobs": _vm_with_jobs,
    "running_failover": _running_failover,
    "credential_form": _credential_form,
    "credential": _credential,
    "credential_and_new_vm": _credential_and_new_vm,
    "default_credential": lambda env: _credential(env, is_default=True),
}


def _fill(template, values):
    if isinstance(template, dict):
        return {key: _fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill(value, values) for value in template]
    if isinstance(template, str):
        whole = re.fullmatch(r"\{(\w+)\}", template)
        if whole:
            return values[whole.group(1)]
        return template.format(**values)
    return template


# --- the key-path walker -------------------------------------------------------------------------------

def _json_type(value) -> str:
    if value is None:
        return "null"
    return {bool: "bool", int: "int", float: "float", str: "str", list: "list", dict: "dict"}.get(type(value), "?")


def _is(value, kind: str) -> bool:
    actual = _json_type(value)
    return actual == kind or (kind == "num" and actual in ("int", "float"))


def check_path(body, path: str, kind: str) -> list[str]:
    """Problems with `path` (grammar in tests/seed_gui_calls.py) in `body`, empty when it reads as `kind`.
    A path through lists must reach at least one value (an empty list is not a pass)."""
    segments = path.split(".")
    nullable = kind.endswith("?")
    kind = kind.rstrip("?")
    problems: list[str] = []
    reached = skipped = 0

    def walk(node, i: int, where: str) -> None:
        nonlocal reached, skipped
        name = segments[i]
        many = name.endswith("[]")
        name = name.removesuffix("[]")
        optional = name.endswith("?")
        name = name.removesuffix("?")
        last = i == len(segments) - 1
        here = f"{where}.{name}" if where else name
        if not isinstance(node, dict):
            problems.append(f"{where or 'the body'}: {_json_type(node)}, not an object")
            return
        value = node.get(name)
        if value is None:
            if optional or (last and not many and nullable):
                skipped += 1
            else:
                problems.append(f"{here}: {'null' if name in node else 'missing'}")
            return
        if many:
            if not isinstance(value, list):
                problems.append(f"{here}: {_json_type(value)}, not a list")
                return
            if optional and not value:  # `a?[]`: an empty list is as good as none
                skipped += 1
                return
            for k, item in enumerate(value):
                if last:
                    reached += 1
                    if not _is(item, kind):
                        problems.append(f"{here}[{k}]: {_json_type(item)}, not {kind}")
                else:
                    walk(item, i + 1, f"{here}[{k}]")
            return
        if last:
            reached += 1
            if not _is(value, kind):
                problems.append(f"{here}: {_json_type(value)}, not {kind}")
        else:
            walk(value, i + 1, here)

    walk(body, 0, "")
    if not problems and not reached and not skipped:
        problems.append(f"{path}: no item to check (an empty list)")
    return problems


def _summarise(problems: list[str]) -> list[str]:
    counted: dict[str, int] = {}
    for problem in problems:
        key = re.sub(r"\[\d+\]", "[]", problem)
        counted[key] = counted.get(key, 0) + 1
    return [f"{key} (x{n})" if n > 1 else key for key, n in counted.items()]


def test_the_walker_reads_paths_through_lists_and_optionals():
    body = {"a": [{"b": 1, "c": None}, {"b": 2}], "d": {"e": "x"}, "empty": []}

    assert check_path(body, "a[].b", "int") == []
    assert check_path(body, "a[].c", "str?") == []
    assert check_path(body, "a[].c", "str") == ["a[0].c: null", "a[1].c: missing"]
    assert check_path(body, "d.e", "int") == ["d.e: str, not int"]
    assert check_path(body, "empty[].x", "str") == ["empty[].x: no item to check (an empty list)"]
    assert check_path(body, "empty?[]", "str") == []
    assert check_path(body, "z?.y", "str") == [] and check_path(body, "z.y", "str") == ["z: missing"]
    assert check_path({"n": True}, "n", "int") == ["n: bool, not int"]


def test_the_table_has_one_row_per_call():
    ids = [call.id for call in CALLS]
    assert len(ids) == len(set(ids))
    assert all(call.setup in SETUPS for call in CALLS)
    assert all(call.source.startswith(("gui/src/", "proxy only: gui/src/")) for call in CALLS)


@pytest.mark.parametrize("call", CALLS, ids=[call.id for call in CALLS])
def test_the_original_gui_call_gets_what_it_reads(env, call: Call):
    values = SETUPS[call.setup](env)
    path = _fill(call.path, values)
    body = call.body if call.body is NO_BODY else _fill(call.body, values)

    response = env.call(call.method, path, body)

    text = response.get_data(as_text=True)
    answer = response.get_json(silent=True)
    problems = []
    if response.status_code not in call.statuses:
        wanted = "2xx" if call.statuses == tuple(range(200, 300)) else "/".join(map(str, call.statuses))
        problems.append(f"status {response.status_code}, wanted {wanted}: {text[:300]!r}")
    elif not isinstance(answer, dict):
        problems.append(f"the answer is not a JSON object (every proxy calls response.json()): {text[:200]!r}")
    else:
        for key_path, (kind, _source) in call.reads.items():
            problems += check_path(answer, key_path, kind)
    assert not problems, f"{call.id} ({call.source}):\n  " + "\n  ".join(_summarise(problems))

