"""The console of `make run` says what runs, where to log in and real warnings; the simulated
appliance's chatter goes to its own log file.

A real `flask --app app run --no-reload` process with the built-in simulator and demo data (demo
failovers every second, some of which fail with raw tool errors), and requests to the dashboard
while it runs.
"""
from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.support.polling import eventually
from tests.support.ports import free_port

REPO = Path(__file__).resolve().parents[1]


def test_the_console_of_make_run_is_short_and_the_simulator_logs_to_its_own_file(tmp_path):
    instance = tmp_path / "instance"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'dashboard.db'}", "INSTANCE_PATH": str(instance),
           "SECRET_KEY": "console-test-secret", "ADMIN_PASSWORD": "console-admin-pass", "DEMO": "1",
           "SCHEDULER_ENABLED": "1", "SIMULATOR_FAILOVER_INTERVAL_SECONDS": "1", "LOG_LEVEL": "INFO",
           "PYTHONUNBUFFERED": "1"}
    env.pop("WERKZEUG_RUN_MAIN", None)
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=REPO, env=env,
                   check=True, capture_output=True, timeout=120)
    port = free_port()
    console = tmp_path / "console.log"
    with open(console, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "run", "--no-reload",
                                    "--host", "127.0.0.1", "--port", str(port)],
                                   cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    chatter = instance / "simulator.log"
    try:
        eventually(lambda: "Running on" in console.read_text(errors="replace"), "flask run serves", 90, 0.2,
                   details=lambda: console.read_text(errors="replace")[-2000:])
        for _ in range(5):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10).read()
        # The seeded history and the demo failovers (one a second) have written their chatter.
        eventually(lambda: chatter.exists() and chatter.read_text(errors="replace").count("validation: started for") >= 3,
                   "demo failovers log to the simulator's file", 60, 0.2)
    finally:
        process.terminate()
        process.wait(30)
    lines = console.read_text(errors="replace").splitlines()
    text = "\n".join(lines)
    assert len(lines) < 30, text
    assert " simulator." not in text and "virt-v2v" not in text and "libguestfs" not in text, text
    assert " - - [" not in text, text  # no line per request
    assert "Appliance simulator: OMA on http://127.0.0.1:" in text and str(chatter) in text
    assert "Password" not in text  # ADMIN_PASSWORD was given: nothing to show
    logged = chatter.read_text(errors="replace")
    assert "simulator.failover" in logged and "Demo data seeded" in logged
    assert "console-admin-pass" not in logged and "console-test-secret" not in logged
