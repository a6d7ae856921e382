"""The simulated appliance as two listeners: the OMA's API and the VMA's API.

A real OMA and a real VMA are two hosts, each a Go server with its own routes, so the simulator
serves them on separate ports (`Appliance.oma` and `Appliance.vma`). Both write to and read
from the dashboard's database, which plays the OMA's.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from simulator.chatter import SimulatedWSGI
from simulator.oma_api import OMAApp
from simulator.sessions import SessionStore
from simulator.setup import SetupSettings
from simulator.vma_api import VMAApp
from simulator.wsgi import SimulatorServer

__all__ = ["Appliance", "Credentials", "SimulatorServer", "build_apps"]


@dataclass(frozen=True)
class Credentials:
    """What the simulated appliance accepts.

    `oma_login_token`: the appliance token `POST /api/v1/auth/login` takes. `oma_token`: a
    session token that exists from the start (as if some client had logged in already), for
    callers that only know a static bearer token. The vCenter login is the VMA's.
    """

    oma_token: str = ""
    vcenter_username: str = ""
    vcenter_password: str = ""
    oma_login_token: str = ""


def build_apps(app: Flask, credentials: Credentials, *, seed: str, failure_rate: float | None = None,
               setup_failure_rate: float | None = None, provision_seconds: float | None = None,
               discovery_seconds: float | None = None) -> tuple[OMAApp, VMAApp]:
    """The two WSGI applications; unset numbers come from `app.config` (SIMULATOR_*)."""
    config = app.config

    def number(value, key, default):
        return float(config.get(key, default) if value is None else value)

    rate = number(failure_rate, "SIMULATOR_FAILURE_RATE", 0.12)
    sessions = SessionStore(credentials.oma_login_token, static_tokens=(credentials.oma_token,))
    settings = SetupSettings(seed=seed, provision_seconds=number(provision_seconds, "SIMULATOR_PROVISION_SECONDS", 3),
                             failure_rate=number(setup_failure_rate, "SIMULATOR_SETUP_FAILURE_RATE", 0.03),
                             default_vcenter_host=config.get("VCENTER_HOST") or "")
    oma = OMAApp(app, sessions, settings)
    vma = VMAApp(app, vcenter_username=credentials.vcenter_username, vcenter_password=credentials.vcenter_password,
                 seed=seed, failure_rate=rate,
                 discovery_seconds=number(discovery_seconds, "SIMULATOR_DISCOVERY_SECONDS", 0.2))
    return oma, vma


@dataclass
class Appliance:
    """Both listeners of one simulated appliance."""

    oma: SimulatorServer
    vma: SimulatorServer
    oma_app: OMAApp
    vma_app: VMAApp

    @classmethod
    def build(cls, oma_app: OMAApp, vma_app: VMAApp, *, oma_port: int = 0, vma_port: int = 0) -> "Appliance":
        return cls(SimulatorServer(SimulatedWSGI(oma_app), oma_port, name="simulator-oma"),
                   SimulatorServer(SimulatedWSGI(vma_app), vma_port, name="simulator-vma"), oma_app, vma_app)

    def start(self) -> "Appliance":
        self.oma.start()
        self.vma.start()
        return self

    def stop(self) -> None:
        self.oma.stop()
        self.vma.stop()
