"""Built-in simulator of the migration appliance (DEMO mode).

`start_simulator(app)` serves the simulated OMA (login, replications) and VMA (discovery, job
status and progress) on two listeners on 127.0.0.1, points `OMA_API_URL` and `VMA_API_URL` at
them when they are empty, seeds the demo inventory into an empty database, and starts the
threads that play the OMA's progress poller and now and then run a test failover (and its
rollback). The scheduler then drives it with the same client code it uses against a real
appliance.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from simulator.activity import DemoActivity
from simulator.chatter import log_to_file, simulated
from simulator.inventory import DATACENTERS, VCENTER_HOST, VCENTER_USERNAME
from simulator.progress import ProgressDriver
from simulator.seed import seed_demo_data
from simulator.server import Appliance, Credentials, build_apps

log = logging.getLogger(__name__)

# Plans of simulated jobs derive from this and the job id, so every process agrees on them.
PLAN_SEED = "demo"
DEFAULT_FAILURE_RATE = 0.12


@dataclass
class Simulator:
    appliance: Appliance
    driver: ProgressDriver
    activity: DemoActivity

    @property
    def oma_url(self) -> str:
        return self.appliance.oma.url

    @property
    def vma_url(self) -> str:
        return self.appliance.vma.url

    def start_servers(self) -> "Simulator":
        self.appliance.start()
        return self

    def restart_oma(self) -> None:
        """Forget every OMA session, as an OMA restart does."""
        self.appliance.oma_app.restart()

    def stop(self) -> None:
        self.activity.stop()
        self.driver.stop()
        self.appliance.stop()


def _credentials(app: Flask) -> Credentials:
    """The logins the simulated appliance accepts; demo values fill what is not configured.

    Generated secrets are only set when the URL is the simulator's too, so the demo exercises
    the login path without ever sending a made-up token to a real appliance. The OMA accepts
    OMA_LOGIN_TOKEN at `POST /api/v1/auth/login`; a configured OMA_API_TOKEN is also taken as a
    session that already exists (clients that send a static bearer token keep working).
    """
    config = app.config
    if not config.get("OMA_API_URL") and not config.get("OMA_LOGIN_TOKEN"):
        config["OMA_LOGIN_TOKEN"] = secrets.token_urlsafe(24)
        # Until the OMA client logs in itself it sends OMA_API_TOKEN as its bearer token: a
        # pre-created session with that token keeps the demo working meanwhile.
        if not config.get("OMA_API_TOKEN"):
            config["OMA_API_TOKEN"] = f"sess_{secrets.token_urlsafe(24)}"
    if not config.get("VMA_API_URL") and not config.get("VCENTER_HOST"):
        config["VCENTER_HOST"] = VCENTER_HOST
        config["VCENTER_USERNAME"] = VCENTER_USERNAME
        config["VCENTER_PASSWORD"] = secrets.token_urlsafe(18)
        config["VCENTER_DATACENTER"] = config.get("VCENTER_DATACENTER") or DATACENTERS[0]
    return Credentials(oma_token=config.get("OMA_API_TOKEN") or "",
                       oma_login_token=config.get("OMA_LOGIN_TOKEN") or "",
                       vcenter_username=config.get("VCENTER_USERNAME") or "",
                       vcenter_password=config.get("VCENTER_PASSWORD") or "")


def build_simulator(app: Flask, *, port: int = 0, vma_port: int = 0, failure_rate: float | None = None,
                    credentials: Credentials | None = None, **numbers) -> Simulator:
    """A simulator bound to `app`'s database, not started (tests drive its clock themselves).
    `numbers`: setup_failure_rate, provision_seconds, discovery_seconds over app.config."""
    rate = float(app.config.get("SIMULATOR_FAILURE_RATE", DEFAULT_FAILURE_RATE) if failure_rate is None
                 else failure_rate)
    credentials = credentials if credentials is not None else _credentials(app)
    oma_app, vma_app = build_apps(app, credentials, seed=PLAN_SEED, failure_rate=rate, **numbers)
    appliance = Appliance.build(oma_app, vma_app, oma_port=port, vma_port=vma_port)
    driver = ProgressDriver(app, seed=PLAN_SEED, failure_rate=rate,
                            interval_seconds=float(app.config.get("SIMULATOR_TICK_SECONDS", 5)))
    activity = DemoActivity(app, interval_seconds=float(app.config.get("SIMULATOR_FAILOVER_INTERVAL_SECONDS", 240)))
    return Simulator(appliance=appliance, driver=driver, activity=activity)


def start_simulator(app: Flask) -> Simulator:
    """Serve the simulated appliance, aim the API URLs at it, seed demo data, move jobs along."""
    existing = app.extensions.get("simulator")
    if existing is not None:
        return existing
    simulator = build_simulator(app, port=int(app.config.get("SIMULATOR_PORT", 0) or 0),
                                vma_port=int(app.config.get("SIMULATOR_VMA_PORT", 0) or 0))
    simulator.start_servers()
    if not app.config.get("OMA_API_URL"):
        app.config["OMA_API_URL"] = simulator.oma_url
    if not app.config.get("VMA_API_URL"):
        app.config["VMA_API_URL"] = simulator.vma_url
    chatter = app.config.get("SIMULATOR_LOG_FILE") or str(Path(app.instance_path) / "simulator.log")
    log_to_file(chatter)
    with app.app_context(), simulated():
        result = seed_demo_data()
    log.info("Appliance simulator: OMA on %s, VMA on %s (demo data: %s); its own log: %s", simulator.oma_url,
             simulator.vma_url, result.summary, chatter)
    simulator.driver.start()
    if simulator.activity.interval_seconds > 0:
        simulator.activity.start()
    app.extensions["simulator"] = simulator
    return simulator
