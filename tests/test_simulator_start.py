"""`start_simulator(app)`: the simulated appliance the app talks to in DEMO mode."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from appliance import OMAClient, VMAClient
from extensions import db
from models import VMReplicationContext
from simulator import start_simulator


@pytest.fixture
def app_config(app_config):
    return {**app_config, "DEMO": True, "VCENTER_HOST": "", "VCENTER_USERNAME": "", "VCENTER_PASSWORD": "",
            "OMA_API_TOKEN": "", "SIMULATOR_PROVISION_SECONDS": 0, "SIMULATOR_SETUP_FAILURE_RATE": 0}


@pytest.fixture
def simulator(app):
    sim = start_simulator(app)
    yield sim
    sim.stop()


def test_it_points_empty_api_urls_at_itself(app, simulator):
    assert app.config["OMA_API_URL"] == simulator.oma_url and app.config["VMA_API_URL"] == simulator.vma_url
    assert simulator.oma_url != simulator.vma_url and simulator.vma_url.startswith("http://127.0.0.1:")


def test_it_seeds_the_demo_data_into_an_empty_database(app, simulator):
    assert db.session.scalar(select(func.count()).select_from(VMReplicationContext)) >= 40


def test_the_configured_clients_replicate_a_seeded_vm_through_it(app, simulator):
    vma, oma = VMAClient.from_config(app.config), OMAClient.from_config(app.config)
    context = db.session.scalars(select(VMReplicationContext).where(VMReplicationContext.vm_name == "pgtest1")).one()

    vm = vma.discover_vm(context.vm_name, context.datacenter)
    created = oma.create_replication({
        "source_vm": {**vm, "cpus": vm["num_cpu"]}, "ossea_config_id": app.config["OSSEA_CONFIG_ID"],
        "target_network": app.config["TARGET_NETWORK"],
        "vcenter_host": context.vcenter_host, "datacenter": context.datacenter, "scheduled_by": "scheduler"})

    assert created["status"] == "replicating"
    assert vma.job_progress(created["job_id"]).body["sync_type"] == "incremental"


def test_it_uses_generated_demo_credentials_and_never_logs_them(app, caplog):
    with caplog.at_level(logging.DEBUG):
        sim = start_simulator(app)
        sim.stop()
    secrets = (app.config["OMA_LOGIN_TOKEN"], app.config["OMA_API_TOKEN"], app.config["VCENTER_PASSWORD"])
    assert all(len(secret) >= 16 for secret in secrets)
    assert not any(secret in caplog.text for secret in secrets)


def test_starting_it_twice_returns_the_running_simulator(app, simulator):
    assert start_simulator(app) is simulator


def test_configured_appliance_addresses_are_left_alone(app_config, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "other"))
    from app import create_app
    other = create_app({**app_config, "OMA_API_URL": "https://oma.example:8082", "OMA_API_TOKEN": "real-token"})
    sim = start_simulator(other)
    try:
        assert other.config["OMA_API_URL"] == "https://oma.example:8082"
        assert other.config["OMA_API_TOKEN"] == "real-token"
        assert other.config["VMA_API_URL"] == sim.vma_url
    finally:
        sim.stop()
        with other.app_context():
            db.engine.dispose()
