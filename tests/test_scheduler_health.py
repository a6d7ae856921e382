"""Scheduler health for people and probes: /readyz, /metrics, the banner, `flask scheduler status`."""
from extensions import db
from scheduler import lease
from tests.factories import make_replication_job, make_vm


def lead_with_fresh_heartbeat():
    assert lease.try_acquire("host-a:1:aaaa", 20, engine_heartbeat_at=lease.database_now())


def test_readyz_is_503_and_says_so_when_no_scheduler_runs(anon_client):
    response = anon_client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["scheduler"]["state"] == "stopped"
    assert response.get_json()["leader_known"] is False


def test_readyz_is_ready_with_a_leader_whose_engine_beats(anon_client):
    lead_with_fresh_heartbeat()
    body = anon_client.get("/readyz").get_json()
    assert body["status"] == "ready" and body["database"] == "ok" and body["leader_known"]
    assert body["scheduler"]["heartbeat_age_seconds"] < 30


def test_readyz_reports_a_leader_that_stopped_firing(anon_client):
    assert lease.try_acquire("host-a:1:aaaa", 20, engine_heartbeat_at=None)
    assert anon_client.get("/readyz").get_json()["scheduler"]["state"] == "stalled"


def test_metrics_expose_scheduler_counters_and_jobs_by_status(anon_client, app):
    make_replication_job(make_vm(), status="replicating")
    text = anon_client.get("/metrics").get_data(as_text=True)
    assert 'replication_jobs{status="replicating"} 1.0' in text
    for name in ("scheduler_slots_fired_total", "scheduler_slots_missed_total", "scheduler_fire_lag_seconds_bucket",
                 "scheduler_dispatch_failures", "scheduler_is_leader"):
        assert name in text


def test_every_page_shows_a_banner_when_the_scheduler_is_not_running(viewer_client):
    page = viewer_client.get("/").get_data(as_text=True)
    assert "The scheduler is not running" in page


def test_no_banner_while_the_scheduler_fires(viewer_client):
    lead_with_fresh_heartbeat()
    page = viewer_client.get("/").get_data(as_text=True)
    assert "The scheduler is not" not in page


def test_the_cli_status_prints_the_leader_and_fails_when_not_running(runner):
    stopped = runner.invoke(args=["scheduler", "status"])
    assert stopped.exit_code == 1 and "state:            stopped" in stopped.output
    lead_with_fresh_heartbeat()
    db.session.remove()
    running = runner.invoke(args=["scheduler", "status"])
    assert running.exit_code == 0 and "host-a:1:aaaa" in running.output
