"""Built-in simulator of the migration appliance (DEMO mode).

`start_simulator(app)` serves the VMA discovery / job status and OMA replication APIs over HTTP
on 127.0.0.1, points `OMA_API_URL` and `VMA_API_URL` at it when they are empty, seeds the demo
inventory into an empty database, and starts the threads that move replications along and now
and then run a test failover (and its rollback). The scheduler then drives it with the same
client code it uses against a real appliance.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from flask import Flask

from simulator.activity import DemoActivity
from simulator.inventory import VCENTER_HOST, VCENTER_USERNAME
from simulator.progress import ProgressDriver
from simulator.seed import seed_demo_data
from simulator.server import Credentials, SimulatorApp, SimulatorServer

log = logging.getLogger(__name__)

# Plans of simulated jobs derive from this and the job id, so every process agrees on them.
PLAN_SEED = "demo"
DEFAULT_FAILURE_RATE = 0.12


@dataclass
class Simulator:
    server: SimulatorServer
    driver: ProgressDriver
    activity: DemoActivity

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.activity.stop()
        self.driver.stop()
        self.server.stop()


def _credentials(app: Flask) -> Credentials:
    """The logins the simulated appliance accepts; demo values fill what is not configured.

    A generated OMA token is only set when the OMA URL is the simulator's too, so the demo
    exercises the bearer-token path without ever sending a made-up token to a real appliance.
    """
    config = app.config
    if not config.get("OMA_API_URL") and not config.get("OMA_API_TOKEN"):
        config["OMA_API_TOKEN"] = secrets.token_urlsafe(24)
    if not config.get("VMA_API_URL") and not config.get("VCENTER_HOST"):
        config["VCENTER_HOST"] = VCENTER_HOST
        config["VCENTER_USERNAME"] = VCENTER_USERNAME
        config["VCENTER_PASSWORD"] = secrets.token_urlsafe(18)
    return Credentials(oma_token=config.get("OMA_API_TOKEN") or "",
                       vcenter_username=config.get("VCENTER_USERNAME") or "",
                       vcenter_password=config.get("VCENTER_PASSWORD") or "")


def build_simulator(app: Flask, *, port: int = 0, failure_rate: float | None = None,
                    credentials: Credentials | None = None) -> Simulator:
    """A simulator bound to `app`'s database, not started (tests drive its clock themselves)."""
    rate = app.config.get("SIMULATOR_FAILURE_RATE", DEFAULT_FAILURE_RATE) if failure_rate is None else failure_rate
    credentials = credentials if credentials is not None else _credentials(app)
    server = SimulatorServer(SimulatorApp(app, credentials, seed=PLAN_SEED), port=port)
    driver = ProgressDriver(app, seed=PLAN_SEED, failure_rate=float(rate),
                            interval_seconds=float(app.config.get("SIMULATOR_TICK_SECONDS", 2)))
    activity = DemoActivity(app, interval_seconds=float(app.config.get("SIMULATOR_FAILOVER_INTERVAL_SECONDS", 240)))
    return Simulator(server=server, driver=driver, activity=activity)


def start_simulator(app: Flask) -> Simulator:
    """Serve the simulated appliance, aim the API URLs at it, seed demo data, move jobs along."""
    existing = app.extensions.get("simulator")
    if existing is not None:
        return existing
    simulator = build_simulator(app, port=int(app.config.get("SIMULATOR_PORT", 0) or 0))
    simulator.server.start()
    for key in ("OMA_API_URL", "VMA_API_URL"):
        if not app.config.get(key):
            app.config[key] = simulator.url
    with app.app_context():
        result = seed_demo_data()
    log.info("Appliance simulator listening on %s (demo data: %s)", simulator.url, result.summary)
    simulator.driver.start()
    if simulator.activity.interval_seconds > 0:
        simulator.activity.start()
    app.extensions["simulator"] = simulator
    return simulator
