"""DBLogHandler: asynchronous, batched writes to log_events from a bounded queue."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, select

from joblog import DBLogHandler
from models import LogEvent
from tests.support.polling import eventually

pytestmark = pytest.mark.both_dbs

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def engine(app):
    from extensions import db
    return db.engine


@pytest.fixture
def make_logger(engine):
    """A fresh logger whose only handler is a DBLogHandler built with the given settings."""
    created = []

    def factory(**settings):
        handler = DBLogHandler(engine, **settings)
        logger = logging.getLogger(f"test.joblog.handler.{uuid.uuid4().hex}")
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        created.append((logger, handler))
        return logger, handler

    yield factory
    for logger, handler in created:
        handler.close()
        logger.removeHandler(handler)


def stored(engine, *columns):
    columns = columns or (LogEvent.message,)
    with engine.connect() as conn:
        return conn.execute(select(*columns).order_by(LogEvent.id)).all()


def messages(engine) -> list[str]:
    return [row.message for row in stored(engine)]


@contextmanager
def log_events_locked(engine):
    """Hold a lock that makes every INSERT into log_events wait: a database that has stalled."""
    raw = engine.raw_connection()
    cursor = raw.cursor()
    sqlite = engine.dialect.name == "sqlite"
    cursor.execute("BEGIN IMMEDIATE" if sqlite else "LOCK TABLES log_events WRITE")
    try:
        yield
    finally:
        cursor.execute("COMMIT" if sqlite else "UNLOCK TABLES")
        cursor.close()
        raw.close()


@contextmanager
def count_inserts(engine):
    inserts = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO LOG_EVENTS"):
            inserts.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield inserts
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_record_is_written_with_its_level_message_attributes_and_time(engine, make_logger):
    logger, handler = make_logger()
    before = time.time()
    logger.info("copied %d of %d disks", 2, 3, extra={"vm_name": "pgtest2", "bytes": 1024})
    assert handler.flush()
    [row] = stored(engine, LogEvent.level, LogEvent.message, LogEvent.attrs, LogEvent.ts, LogEvent.job_id)
    assert (row.level, row.message, row.attrs, row.job_id) == ("INFO", "copied 2 of 3 disks",
                                                              {"vm_name": "pgtest2", "bytes": 1024}, None)
    assert before - 1 <= row.ts.timestamp() <= time.time() + 1


@pytest.mark.parametrize("level, stored_level", [(logging.DEBUG, "DEBUG"), (logging.INFO, "INFO"),
                                                 (logging.WARNING, "WARN"), (logging.ERROR, "ERROR"),
                                                 (logging.CRITICAL, "ERROR")])
def test_logging_levels_map_to_the_log_events_levels(engine, make_logger, level, stored_level):
    logger, handler = make_logger(level=logging.DEBUG)
    logger.log(level, "something")
    handler.flush()
    assert [row.level for row in stored(engine, LogEvent.level)] == [stored_level]


def test_records_below_the_handler_level_are_not_written(engine, make_logger):
    logger, handler = make_logger()
    logger.debug("noise")
    logger.info("signal")
    handler.flush()
    assert messages(engine) == ["signal"]


def test_emitting_never_waits_for_the_database(engine, make_logger):
    logger, handler = make_logger(flush_interval=0)
    with log_events_locked(engine):
        for n in range(50):
            logger.info("event %d", n)
        assert handler.written == 0  # every call above returned while no row could be written
    handler.flush()
    assert len(messages(engine)) == 50


def test_the_writer_inserts_full_batches_with_one_statement_each(engine, make_logger):
    logger, handler = make_logger(batch_size=100, flush_interval=60)
    with count_inserts(engine) as inserts:
        for n in range(1050):
            logger.info("event %d", n)
        assert handler.flush()
    assert len(inserts) == 11  # ten full batches of 100, then the 50 left when flushing
    assert messages(engine) == [f"event {n}" for n in range(1050)]


def test_a_batch_too_long_for_one_statement_is_written_whole_and_in_order(engine, make_logger):
    from joblog.handler import MAX_MESSAGE_CHARS
    logger, handler = make_logger(batch_size=200, flush_interval=60)
    long_lines = [f"{n:03d} " + "\U0001F4BE'\\" * (MAX_MESSAGE_CHARS // 3) for n in range(200)]
    with count_inserts(engine) as inserts:
        for line in long_lines:
            logger.info(line)
        assert handler.flush()
    assert messages(engine) == [line[:MAX_MESSAGE_CHARS] for line in long_lines]
    assert (handler.written, handler.failed) == (200, 0)
    if engine.dialect.name == "mysql":  # 200 rows of up to 64 KB: more than one packet can carry
        assert len(inserts) > 1


def test_a_full_queue_drops_the_oldest_records_and_counts_them(engine, make_logger):
    logger, handler = make_logger(queue_size=10, batch_size=5, flush_interval=0)
    with log_events_locked(engine):
        logger.info("m0")
        eventually(lambda: handler.queue_size == 0, "the writer holds m0 and waits for the lock", 20, 0.005)
        for n in range(1, 31):
            logger.info("m%d", n)
        assert (handler.queue_size, handler.capacity, handler.is_full, handler.dropped) == (10, 10, True, 20)
    assert handler.flush()
    assert messages(engine) == ["m0"] + [f"m{n}" for n in range(21, 31)]
    assert (handler.written, handler.dropped) == (11, 20)


def test_a_full_queue_in_block_mode_makes_the_caller_wait_and_loses_nothing(engine, make_logger):
    logger, handler = make_logger(queue_size=5, batch_size=5, flush_interval=0, overflow="block")
    with log_events_locked(engine):
        logger.info("m0")
        eventually(lambda: handler.queue_size == 0, "the writer took m0", 20, 0.005)
        for n in range(1, 6):
            logger.info("m%d", n)
        assert handler.is_full
        caller = threading.Thread(target=logger.info, args=("m6",))
        caller.start()
        eventually(lambda: handler.blocked == 1, "the caller waits for room in the queue", 20, 0.005)
        assert caller.is_alive()
    caller.join(20)
    assert not caller.is_alive()
    assert handler.flush()
    assert messages(engine) == [f"m{n}" for n in range(7)]
    assert handler.dropped == 0


def test_close_writes_everything_still_queued(engine, make_logger):
    logger, handler = make_logger(batch_size=10000, flush_interval=60)
    for n in range(50):
        logger.info("event %d", n)
    handler.close()
    assert len(messages(engine)) == 50
    assert handler.written == 50


def test_records_emitted_after_close_are_dropped_and_counted(engine, make_logger):
    logger, handler = make_logger()
    handler.close()
    logger.info("too late")
    assert messages(engine) == []
    assert handler.dropped == 1


def test_twenty_threads_logging_at_once_lose_nothing_when_the_queue_is_not_full(engine, make_logger):
    logger, handler = make_logger(queue_size=20000, batch_size=500)
    start = threading.Barrier(20)

    def log_many(thread_no):
        start.wait()
        for n in range(500):
            logger.info("t%d-%d", thread_no, n)

    threads = [threading.Thread(target=log_many, args=(t,)) for t in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert handler.flush()
    assert sorted(messages(engine)) == sorted(f"t{t}-{n}" for t in range(20) for n in range(500))
    assert (handler.written, handler.dropped, handler.failed) == (10000, 0, 0)


def test_secrets_are_never_written(engine, make_logger):
    logger, handler = make_logger()
    logger.info("connecting", extra={"vcenter": "vc1", "password": "pw1", "api_token": "tk1",
                                     "auth": {"client_secret": "s1", "user": "admin"}})
    handler.flush()
    [row] = stored(engine, LogEvent.attrs)
    assert row.attrs == {"vcenter": "vc1", "auth": {"user": "admin"}}


def test_an_exception_is_kept_with_its_traceback_in_the_attributes(engine, make_logger):
    logger, handler = make_logger()
    try:
        raise ValueError("disk not found")
    except ValueError:
        logger.exception("attach failed")
    handler.flush()
    [row] = stored(engine, LogEvent.level, LogEvent.attrs)
    assert row.level == "ERROR"
    assert "Traceback" in row.attrs["exception"] and "ValueError: disk not found" in row.attrs["exception"]


def test_values_json_cannot_hold_are_stored_as_valid_json(engine, make_logger):
    logger, handler = make_logger()
    logger.info("odd values", extra={"ratio": float("nan"), "ids": {3, 1, 2}, "when": uuid.UUID(int=1)})
    handler.flush()
    [row] = stored(engine, LogEvent.attrs)
    assert row.attrs == {"ratio": "nan", "ids": [1, 2, 3], "when": "00000000-0000-0000-0000-000000000001"}


def test_a_row_the_database_refuses_does_not_take_its_batch_down(engine, make_logger, capsys):
    logger, handler = make_logger(batch_size=10, flush_interval=60)
    logger.info("before")
    logger.info("orphan", extra={"step_id": 987654321})  # no such step: the foreign key refuses it
    logger.info("after: 100% done, it's \\ 'quoted' \"twice\"\n\x00 %s %(x)s")
    handler.flush()
    assert messages(engine) == ["before", "after: 100% done, it's \\ 'quoted' \"twice\"\n\x00 %s %(x)s"]
    assert (handler.written, handler.failed) == (2, 1)
    assert "refused 1 of 3 log events" in capsys.readouterr().err


def test_the_writer_keeps_going_after_a_database_error(engine, make_logger, capsys):
    logger, handler = make_logger(flush_interval=0)
    rename = ("ALTER TABLE {} RENAME TO {}" if engine.dialect.name == "sqlite" else "RENAME TABLE {} TO {}")
    with engine.begin() as conn:
        conn.exec_driver_sql(rename.format("log_events", "log_events_away"))
    try:
        logger.info("lost while the table is away")
        handler.flush()
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(rename.format("log_events_away", "log_events"))
    logger.info("written once it is back")
    handler.flush()
    assert messages(engine) == ["written once it is back"]
    assert (handler.written, handler.failed) == (1, 1)
    assert "joblog:" in capsys.readouterr().err


def test_a_forked_child_writes_its_own_records_on_its_own_connections(engine, make_logger):
    """gunicorn --preload forks workers from a process that may be logging: the child gets no
    writer thread, maybe a lock the parent's writer held, and the parent's pooled connections."""
    logger, handler = make_logger()
    logger.info("from the parent before the fork")
    assert handler.flush()
    with engine.connect():
        pass
    assert engine.pool.checkedin() >= 1  # a pooled connection of the parent's, for the child to inherit
    handler._mutex.acquire()  # as the parent's writer may hold it at the instant of the fork
    try:
        pid = os.fork()
        if pid == 0:  # the child reports through its exit status
            code = 1
            signal.alarm(30)  # a child stuck on the inherited lock dies instead of hanging the test
            try:
                if engine.pool.checkedin() != 0:
                    code = 3  # it would share the parent's sockets
                else:
                    logger.info("from the forked child")
                    code = 0 if handler.flush(timeout=20) else 2
            finally:
                os._exit(code)
    finally:
        handler._mutex.release()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert messages(engine) == ["from the parent before the fork", "from the forked child"]


def test_queued_records_are_written_when_the_process_exits(engine, database_url):
    script = (
        "import logging, sys\n"
        "from sqlalchemy import create_engine\n"
        "from joblog import DBLogHandler\n"
        "handler = DBLogHandler(create_engine(sys.argv[1]), batch_size=10000, flush_interval=60)\n"
        "logger = logging.getLogger('exit-test')\n"
        "logger.addHandler(handler)\n"
        "for n in range(100):\n"
        "    logger.warning('event %d', n)\n")
    subprocess.run([sys.executable, "-c", script, database_url], cwd=REPO, check=True, timeout=120)
    assert len(messages(engine)) == 100


@pytest.mark.parametrize("setting, value", [("queue_size", 0), ("overflow", "discard"), ("batch_size", 0),
                                            ("flush_interval", -1)])
def test_invalid_settings_are_rejected_naming_the_setting(setting, value):
    engine = create_engine("sqlite://")
    with pytest.raises(ValueError, match=f"^{setting}:"):
        DBLogHandler(engine, **{setting: value})
