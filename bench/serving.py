"""The app served by gunicorn over the scale data set: resident memory and requests per second.

The dashboard runs as in production (`gunicorn -w 4 wsgi:app`, scheduler off) against the shared
fleet database. Every page (lists and details) is requested a few times by several clients at
once, so each worker has rendered the scale data; then `wrk` drives `/jobs/` (logged-in session
cookie) and `/api/v1/jobs` (bearer token) with 50 concurrent connections. Reported: requests per
second and latency p50/p99 of each, and the resident memory (VmRSS from /proc) of the largest
worker and of the master, read after the load.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from app import create_app
from bench.common import result
from extensions import db
from security.tokens import create_token
from security.users import create_user

WORKERS = 4
CONNECTIONS = 50
WRK_THREADS = 4
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "20"))
PAGE_ROUNDS = 5
TARGET_RSS_MB = 250.0
USERNAME, PASSWORD = "bench-admin", "bench-admin-password"  # admin: the admin pages are measured too
REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _credentials(url: str, workdir: Path) -> str:
    """A user and an API token in the fleet database; returns the token."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "BACKGROUND_SERVICES": False, "SECRET_KEY": "bench",
                      "INSTANCE_PATH": str(workdir), "LOG_LEVEL": "WARNING", "ADMIN_PASSWORD": "bench-admin-pass"})
    with app.app_context():
        user = create_user(USERNAME, "admin", PASSWORD)
        _, token = create_token(user, "bench")
        db.session.commit()
        db.engine.dispose()
    return token


def _detail_paths(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        schedule = conn.execute(text("SELECT id FROM replication_schedules ORDER BY name LIMIT 1")).scalar_one()
        group = conn.execute(text("SELECT id FROM vm_machine_groups ORDER BY name LIMIT 1")).scalar_one()
        job = conn.execute(text("SELECT id FROM replication_jobs ORDER BY created_at DESC LIMIT 1")).scalar_one()
        joblog = conn.execute(text("SELECT id FROM job_tracking ORDER BY started_at DESC LIMIT 1")).scalar_one()
        vm = conn.execute(text("SELECT vm_name FROM vm_replication_contexts ORDER BY vm_name LIMIT 1")).scalar_one()
    engine.dispose()
    return [f"/schedules/{schedule}", f"/schedules/{schedule}/edit", f"/groups/{group}/edit", f"/jobs/{job}",
            f"/jobs/{joblog}", f"/vms/{vm}"]


PAGES = ["/", "/schedules/", "/schedules/new", "/groups/", "/assignment/", "/jobs/", "/vms/", "/discovery/",
         "/overview/poll", "/jobs/poll", "/admin/users", "/admin/audit", "/api/v1/jobs", "/api/v1/schedules",
         "/api/v1/machine-groups"]


def _start(url: str, workdir: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-serving", "SCHEDULER_ENABLED": "0",
           "DEMO": "0", "INSTANCE_PATH": str(workdir), "LOG_LEVEL": "WARNING"}
    log = open(workdir / "gunicorn.log", "wb")
    process = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-w", str(WORKERS),
                                "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                               cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return process, base
        except requests.RequestException:  # not listening yet, or the workers are still booting
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"gunicorn did not start: {(workdir / 'gunicorn.log').read_text()[-2000:]}")


def _login(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = session.post(f"{base}/login", data={"username": USERNAME, "password": PASSWORD, "csrf_token": token},
                            allow_redirects=False)
    if response.status_code != 302:
        raise RuntimeError(f"bench login failed with {response.status_code}")
    return session


def _visit_every_page(base: str, cookies: dict, token: str, paths: list[str]) -> list[str]:
    """Each page several times from 8 clients at once; returns the paths that did not answer 200."""
    def get(path: str) -> tuple[str, int]:
        headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
        response = requests.get(base + path, cookies=None if headers else cookies, headers=headers, timeout=60)
        return path, response.status_code

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(get, paths * PAGE_ROUNDS))
    return sorted({path for path, status in answers if status != 200})


def _wrk(url: str, header: str) -> dict:
    output = subprocess.run(["wrk", "-t", str(WRK_THREADS), "-c", str(CONNECTIONS), "-d", f"{WRK_SECONDS}s",
                             "--timeout", "10s", "--latency", "-H", header, url],
                            capture_output=True, text=True, check=True).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
               "errors": sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))}
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        figures["errors"] += sum(int(n) for n in socket_errors.groups())
    for label, key in (("50%", "p50"), ("99%", "p99")):
        value, unit = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        figures[key] = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return figures


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def run(ctx) -> list[dict]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: run scripts/install-bench-deps.sh")
    url = ctx.fleet_database()
    workdir = Path(ctx.workdir) / "serving"
    workdir.mkdir(parents=True, exist_ok=True)
    token = _credentials(url, workdir)
    paths = PAGES + _detail_paths(url)
    process, base = _start(url, workdir)
    try:
        cookies = _login(base).cookies.get_dict()
        failing = _visit_every_page(base, cookies, token, paths)
        cookie_header = "Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items())
        jobs_page = _wrk(f"{base}/jobs/", cookie_header)
        jobs_api = _wrk(f"{base}/api/v1/jobs", f"Authorization: Bearer {token}")
        workers = _workers(process.pid)
        worker_rss = max((_rss_mb(pid) for pid in workers), default=0.0)
        master_rss = _rss_mb(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
    load = f"gunicorn -w {WORKERS}, {CONNECTIONS} connections, {WRK_SECONDS} s"
    figures = [
        result("serving: pages answering 200 of every page requested", len(paths) - len(failing), "pages",
               f"= {len(paths)}", not failing),
        result("serving: resident memory, largest worker (after every page and the load)", worker_rss, "MB",
               f"<= {TARGET_RSS_MB:.0f}", 0 < worker_rss <= TARGET_RSS_MB and len(workers) == WORKERS),
        result("serving: resident memory, gunicorn master", master_rss, "MB", f"<= {TARGET_RSS_MB:.0f}",
               master_rss <= TARGET_RSS_MB),
    ]
    for name, figures_of in (("/jobs/ page (session)", jobs_page), ("/api/v1/jobs (token)", jobs_api)):
        figures += [
            result(f"serving: {name} requests/s ({load})", figures_of["rps"], "req/s", "report",
                   figures_of["errors"] == 0),
            result(f"serving: {name} latency p50", figures_of["p50"], "ms", "report", True),
            result(f"serving: {name} latency p99", figures_of["p99"], "ms", "report", True),
            result(f"serving: {name} non-2xx or socket errors", figures_of["errors"], "responses", "= 0",
                   figures_of["errors"] == 0),
        ]
    if failing:
        print(f"bench serving: pages not answering 200: {', '.join(failing)}", file=sys.stderr)
    return figures
