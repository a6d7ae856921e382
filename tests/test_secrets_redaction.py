"""Configured secret values never reach a log record, whoever logs them and however."""
import logging

import pytest

OMA_TOKEN = "oma-token-7Hq2LmZx9Pw"
VCENTER_PASSWORD = "vc-pass-R4nd0m-Kk81"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "OMA_API_TOKEN": OMA_TOKEN, "VCENTER_PASSWORD": VCENTER_PASSWORD}


def test_a_secret_in_a_log_message_is_redacted(app, caplog):
    logging.getLogger("oma.client").warning("calling OMA with token %s", OMA_TOKEN)
    assert OMA_TOKEN not in caplog.text
    assert "calling OMA with token [redacted]" in caplog.text


def test_a_secret_in_an_f_string_from_any_logger_is_redacted(app, caplog):
    logging.getLogger("some.library").error(f"login failed for password={VCENTER_PASSWORD}")
    assert VCENTER_PASSWORD not in caplog.text and "[redacted]" in caplog.text


def test_a_secret_in_an_exception_traceback_is_redacted(app, caplog):
    try:
        raise RuntimeError(f"401 for Authorization: Bearer {OMA_TOKEN}")
    except RuntimeError:
        logging.getLogger("scheduler").exception("dispatch failed")
    assert "dispatch failed" in caplog.text and "RuntimeError" in caplog.text
    assert OMA_TOKEN not in caplog.text


def test_a_secret_set_after_the_app_started_is_redacted_too(app, caplog):
    app.config["VCENTER_PASSWORD"] = "generated-later-Pq0Zt"
    logging.getLogger("simulator").info("vcenter password generated-later-Pq0Zt")
    assert "generated-later-Pq0Zt" not in caplog.text


def test_ordinary_messages_are_left_alone(app, caplog):
    logging.getLogger("scheduler").info("fired %s slots", 3)
    assert "fired 3 slots" in caplog.text


def test_records_written_to_the_log_events_table_are_redacted(app):
    from extensions import db
    from joblog import get_tracker
    from models import LogEvent
    tracker = get_tracker()
    with tracker.job("scheduler", "secret-check"):
        logging.getLogger("oma.client").info("token is %s", OMA_TOKEN)
    tracker.close()  # flushes the queued log events
    messages = [event.message for event in db.session.execute(db.select(LogEvent)).scalars()]
    assert any("token is [redacted]" in message for message in messages)
    assert not any(OMA_TOKEN in message for message in messages)
