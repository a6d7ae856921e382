"""Asynchronous `logging` handler that writes records to `log_events` in batches.

Why it is built this way:

* A log call must never wait on the database (a step logging while MariaDB is slow or away
  would stall the migration it reports on). The caller only appends to a bounded in-memory
  queue under one short lock; when the queue is full the handler either drops the oldest
  record or makes the caller wait (`overflow`), and counts both.
* One writer thread per handler drains the queue and writes each batch in one statement, with
  bound parameters only (no SQL text is ever built from values): on MySQL/MariaDB one multi-row
  `INSERT ... VALUES (%s, ...), (%s, ...)` per batch (very long messages may take several),
  since a round trip per row would cap the rate far below what callers log; elsewhere (SQLite)
  the driver's `executemany`, which sqlite3 runs in one C loop.
* A database error never kills the writer: it is counted, reported on stderr (never through
  `logging`, which would feed the error back into this handler) and the writer carries on.
* After `os.fork` (gunicorn --preload) the child gets fresh locks and no writer; it starts its
  own on its first record.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import time
import weakref
from collections import deque
from datetime import datetime, timezone
from itertools import chain
from typing import Any, Iterator, Optional

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

from joblog.context import JobContext, _current
from joblog.serialize import dumps, without_secrets

OVERFLOW_POLICIES = ("drop_oldest", "block")
MAX_MESSAGE_CHARS = 16000  # log_events.message is TEXT (64 KiB) and utf8mb4 takes up to 4 bytes a character
_IDLE_EXIT_SECONDS = 30.0  # an idle writer thread ends; the next record starts a new one
_RETRIES = 3
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_PLACEHOLDER = {"qmark": "?", "format": "%s", "pyformat": "%s"}
_COLUMNS = ("job_id", "step_id", "level", "message", "attrs", "ts", "external_job_id")
_INSERT = f"INSERT INTO log_events ({', '.join(_COLUMNS)}) VALUES "
# A multi-row INSERT must fit in MariaDB's max_allowed_packet (16 MiB by default); a batch of
# long messages is split into several statements, each well below it.
_MAX_STATEMENT_BYTES = 1_000_000
_ROW_OVERHEAD_CHARS = 16  # a row's parentheses, commas, quotes and NULLs
_UTC = timezone.utc
_formatter = logging.Formatter()


_LEVELS = {logging.DEBUG: "DEBUG", logging.INFO: "INFO", logging.WARNING: "WARN", logging.ERROR: "ERROR",
           logging.CRITICAL: "ERROR"}


def level_name(levelno: int) -> str:
    """The `log_events.level` enum value for a `logging` level."""
    name = _LEVELS.get(levelno)
    if name is not None:
        return name
    if levelno >= logging.ERROR:
        return "ERROR"
    if levelno >= logging.WARNING:
        return "WARN"
    if levelno >= logging.INFO:
        return "INFO"
    return "DEBUG"


def _resolve_engine(engine_or_session_factory: Any) -> Engine:
    if isinstance(engine_or_session_factory, Engine):
        return engine_or_session_factory
    if callable(engine_or_session_factory):
        session = engine_or_session_factory()
        try:
            return session.get_bind()
        finally:
            session.close()
    raise TypeError("DBLogHandler needs an SQLAlchemy Engine or a session factory")


def _after_fork_in_child(handler_ref: "weakref.ref[DBLogHandler]") -> None:
    handler = handler_ref()
    if handler is not None:
        handler._restart_after_fork()


class DBLogHandler(logging.Handler):
    """`logging.Handler` writing to `log_events` asynchronously, in batches, from a bounded queue."""

    def __init__(self, engine_or_session_factory: Any, queue_size: int = 10000, overflow: str = "drop_oldest",
                 batch_size: int = 500, flush_interval: float = 0.2, level: int = logging.INFO):
        if not isinstance(queue_size, int) or queue_size < 1:
            raise ValueError(f"queue_size: must be a positive integer, got {queue_size!r}")
        if overflow not in OVERFLOW_POLICIES:
            raise ValueError(f"overflow: must be one of {', '.join(OVERFLOW_POLICIES)}, got {overflow!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size: must be a positive integer, got {batch_size!r}")
        if not isinstance(flush_interval, (int, float)) or flush_interval < 0:
            raise ValueError(f"flush_interval: must be a number of seconds >= 0, got {flush_interval!r}")
        super().__init__(level)
        self.engine = _resolve_engine(engine_or_session_factory)
        mark = _PLACEHOLDER.get(self.engine.dialect.paramstyle)
        if mark is None:
            raise ValueError(f"DBLogHandler does not support the {self.engine.dialect.paramstyle!r} parameter style")
        self._row_marks = f"({', '.join([mark] * len(_COLUMNS))})"
        self._sql = _INSERT + self._row_marks
        # On MySQL/MariaDB each INSERT commits by itself: a BEGIN and a COMMIT would add two round
        # trips per batch, and after each round trip the writer waits for the GIL behind the callers.
        self._autocommit = self.engine.dialect.name == "mysql"
        self._multi_row_cache: dict[int, str] = {}
        self._capacity = queue_size
        self._block = overflow == "block"
        self.overflow = overflow
        self._batch_size = batch_size
        self._flush_interval = float(flush_interval)
        self._queue: deque = deque()
        self._mutex = threading.Lock()
        self._wakeup = threading.Condition(self._mutex)
        self._not_full = threading.Condition(self._mutex)
        self._progress = threading.Condition(self._mutex)
        self._enqueued = 0
        self._done = 0  # records written, failed or dropped, in queue order
        self._flush_waiters = 0
        self._closed = False
        self._writer: Optional[threading.Thread] = None
        self._writer_ident: Optional[int] = None
        self._local = threading.local()  # the connection of the current writer thread
        self._ts_second = -1
        self._ts_prefix = ""
        self.dropped = 0
        self.blocked = 0
        self.written = 0
        self.failed = 0
        if hasattr(os, "register_at_fork"):
            handler_ref = weakref.ref(self)
            os.register_at_fork(after_in_child=lambda: _after_fork_in_child(handler_ref))

    def _restart_after_fork(self) -> None:
        """In a forked child: the parent's writer thread did not come along, and it may have
        held the mutex at the fork. New locks, no writer; what the parent queued is the parent's
        to write (written twice otherwise)."""
        self._mutex = threading.Lock()
        self._wakeup = threading.Condition(self._mutex)
        self._not_full = threading.Condition(self._mutex)
        self._progress = threading.Condition(self._mutex)
        self._queue.clear()
        self._done = self._enqueued
        self._flush_waiters = 0
        self._writer = None
        self._writer_ident = None
        self._local = threading.local()

    # -- caller side ---------------------------------------------------------------------------

    def handle(self, record: logging.LogRecord) -> bool:
        """Like `Handler.handle` without the handler lock: `emit` is thread-safe on its own."""
        if record.levelno < self.level or not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        """Queue the record with the caller's job context; never waits on the database."""
        try:
            message = record.getMessage()
        except Exception:
            self.handleError(record)
            return
        item = (record, message, _current.get())
        with self._mutex:
            if self._closed or threading.get_ident() == self._writer_ident:
                self.dropped += 1  # after close, or a record raised while writing (would wait on itself)
                return
            queue = self._queue
            if len(queue) >= self._capacity:
                if self._block:
                    self.blocked += 1
                    while len(queue) >= self._capacity and not self._closed:
                        self._not_full.wait()
                    if self._closed:
                        self.dropped += 1
                        return
                else:
                    queue.popleft()
                    self.dropped += 1
                    self._done += 1
            queue.append(item)
            self._enqueued += 1
            size = len(queue)
            if self._writer is None:
                self._start_writer()
            elif size == 1 or size == self._batch_size:
                self._wakeup.notify()

    @property
    def queue_size(self) -> int:
        """Records waiting to be written."""
        return len(self._queue)

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def is_full(self) -> bool:
        return len(self._queue) >= self._capacity

    def flush(self, timeout: Optional[float] = 30.0) -> bool:
        """Wait until every record queued before this call is written (or failed); True if so."""
        with self._mutex:
            target = self._enqueued
            if self._done >= target:
                return True
            if self._writer is None:
                self._start_writer()
            self._flush_waiters += 1
            self._wakeup.notify()
            try:
                self._progress.wait_for(lambda: self._done >= target, timeout)
            finally:
                self._flush_waiters -= 1
            return self._done >= target

    def close(self, timeout: Optional[float] = 30.0) -> None:
        """Write what is queued, stop the writer, and drop (counting them) records emitted afterwards."""
        with self._mutex:
            already = self._closed
            self._closed = True
            self._wakeup.notify_all()
            self._not_full.notify_all()
        if not already:
            self.flush(timeout)
            writer = self._writer
            if writer is not None and writer is not threading.current_thread():
                writer.join(timeout)
        super().close()

    # -- writer side ---------------------------------------------------------------------------

    def _start_writer(self) -> None:
        """Called with the mutex held, when no writer thread is running."""
        self._writer = threading.Thread(target=self._run, name="joblog-db-writer", daemon=True)
        self._writer.start()

    def _next_batch(self) -> Optional[list]:
        """Wait for records, give a partial batch `flush_interval` to fill up, and take it."""
        queue = self._queue
        with self._mutex:
            while not queue:
                if self._closed or not self._wakeup.wait(_IDLE_EXIT_SECONDS) and not queue:
                    self._writer = None
                    self._writer_ident = None
                    return None
            if len(queue) < self._batch_size and self._flush_interval > 0:
                deadline = time.monotonic() + self._flush_interval
                while len(queue) < self._batch_size and not self._flush_waiters and not self._closed:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._wakeup.wait(remaining)
            batch = [queue.popleft() for _ in range(min(len(queue), self._batch_size))]
            if self._block:
                self._not_full.notify_all()
            return batch

    def _run(self) -> None:
        self._writer_ident = threading.get_ident()
        try:
            while True:
                batch = self._next_batch()
                if batch is None:
                    return
                self._write_and_count(batch)
        finally:
            self._disconnect()

    def _write_and_count(self, batch: list) -> None:
        try:
            self._write(batch)
        except Exception as exc:  # the writer must survive anything
            self.failed += len(batch)
            self._report(f"could not write {len(batch)} log events", exc)
        with self._mutex:
            self._done += len(batch)
            self._progress.notify_all()

    def _write(self, batch: list) -> None:
        rows = []
        for record, message, ctx in batch:
            try:
                rows.append(self._row(record, message, ctx))
            except Exception as exc:
                self.failed += 1
                self._report("could not convert a log record", exc)
        if rows:
            self._insert(rows)

    def _row(self, record: logging.LogRecord, message: str, ctx: Optional[JobContext]) -> tuple:
        fields = record.__dict__
        extra = fields.keys() - _STANDARD_ATTRS
        attrs = {key: fields[key] for key in extra} if extra else {}
        external_job_id = attrs.pop("external_job_id", None)
        if ctx is not None:
            job_id, step_id = ctx.job_id, ctx.step_id
            external_job_id = external_job_id or ctx.external_job_id
        else:
            job_id, step_id = attrs.pop("job_id", None), attrs.pop("step_id", None)
        if record.exc_info:
            attrs["exception"] = _formatter.formatException(record.exc_info)
        if record.stack_info:
            attrs["stack"] = record.stack_info
        if attrs:
            attrs = without_secrets(attrs)
        return (job_id, step_id, level_name(record.levelno), message[:MAX_MESSAGE_CHARS],
                dumps(attrs) if attrs else None, self._timestamp(record.created),
                str(external_job_id)[:255] if external_job_id is not None else None)

    def _timestamp(self, created: float) -> str:
        """`created` as the UTC 'YYYY-MM-DD HH:MM:SS.ffffff' both backends store; the date and time
        part is formatted once per second (only the writer thread calls this)."""
        second = int(created)
        if second != self._ts_second:
            self._ts_second = second
            self._ts_prefix = datetime.fromtimestamp(second, _UTC).strftime("%Y-%m-%d %H:%M:%S.")
        return f"{self._ts_prefix}{int((created - second) * 1_000_000):06d}"

    def _insert(self, rows: list) -> None:
        pending = rows
        last_error: Optional[Exception] = None
        for attempt in range(_RETRIES):
            try:
                for written in self._execute(self._connection(), pending):
                    self.written += written
                    pending = pending[written:]
                return
            except (sa_exc.OperationalError, sa_exc.InterfaceError) as exc:
                # Unreachable or busy database: reconnect, back off and retry, then give up on the batch.
                last_error = exc
                self._disconnect()
                if attempt + 1 < _RETRIES and not self._closed:
                    time.sleep(0.2 * 2 ** attempt)
            except Exception as exc:
                # A row the database refuses (e.g. a step id that does not exist) must not take the
                # rest of its batch down with it.
                self._insert_one_by_one(pending, exc)
                return
        self.failed += len(pending)
        self._report(f"could not write {len(pending)} log events", last_error)

    def _insert_one_by_one(self, rows: list, batch_error: Exception) -> None:
        refused = 0
        for row in rows:
            try:
                for written in self._execute(self._connection(), [row]):
                    self.written += written
            except Exception:
                refused += 1
        if refused:
            self.failed += refused
            self._report(f"the database refused {refused} of {len(rows)} log events", batch_error)

    def _connection(self):
        """The writer thread's own connection, kept while it runs: checking one out of the pool per
        batch costs a ping and a reset round trip, and after each round trip the writer waits for
        the GIL behind the callers."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.engine.connect()
            if self._autocommit:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            self._local.conn = conn
        return conn

    def _disconnect(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            try:
                conn.close()
            except Exception:
                pass  # a connection that is already broken needs no closing

    def _execute(self, conn, rows: list) -> Iterator[int]:
        """Write `rows`, yielding how many each statement stored (committed) before the next one."""
        if not self._autocommit:
            with conn.begin():  # one transaction: all of the batch or none of it
                conn.exec_driver_sql(self._sql, rows)
            yield len(rows)
            return
        for chunk in _chunks(rows):
            conn.exec_driver_sql(self._multi_row_sql(len(chunk)), tuple(chain.from_iterable(chunk)))
            yield len(chunk)

    def _multi_row_sql(self, rows: int) -> str:
        """`INSERT ... VALUES (marks), (marks), ...` for `rows` rows. A batch is one statement rather
        than PyMySQL's `executemany`, which costs the writer more per row (it formats and encodes each
        row on its own) and cuts statements at its own size limit, each committing by itself."""
        sql = self._multi_row_cache.get(rows)
        if sql is None:
            if len(self._multi_row_cache) >= 64:  # partial batches come in many sizes
                self._multi_row_cache.clear()
            sql = self._multi_row_cache[rows] = _INSERT + ", ".join([self._row_marks] * rows)
        return sql

    @staticmethod
    def _report(what: str, exc: Optional[BaseException]) -> None:
        # The driver's message only: SQLAlchemy's own text would repeat the statement's parameters.
        detail = getattr(exc, "orig", None) or exc
        sys.stderr.write(f"joblog: {what}: {type(detail).__name__}: {str(detail)[:300]}\n")


def _chunks(rows: list) -> Iterator[list]:
    """`rows` in runs whose INSERT stays below `_MAX_STATEMENT_BYTES`, in order."""
    start, size = 0, 0
    for index, row in enumerate(rows):
        row_size = _row_bytes(row)
        if size + row_size > _MAX_STATEMENT_BYTES and index > start:
            yield rows[start:index]
            start, size = index, 0
        size += row_size
    if start < len(rows):
        yield rows[start:]


def _row_bytes(row: tuple) -> int:
    """An upper bound of a row's size in the INSERT, found without escaping it: an escaped
    character takes at most 4 bytes (a 4-byte UTF-8 character, or a backslash-escaped ASCII one)."""
    size = _ROW_OVERHEAD_CHARS
    for value in row:
        if type(value) is str:
            size += len(value)
        elif value is not None:
            size += len(str(value))
    return 4 * size


class _ContextRouter(logging.Handler):
    """Installed once on the root logger: sends each record emitted inside a job to the log handler
    of that job's tracker, and records of the `joblog` loggers emitted outside any job to the most
    recently initialised tracker. Routing by context (rather than one handler per app on the root
    logger) keeps two apps in one process, as in tests, from writing into each other's database."""

    def __init__(self):
        super().__init__(logging.NOTSET)
        self.default: Optional[weakref.ReferenceType] = None

    def handle(self, record: logging.LogRecord) -> bool:
        ctx = _current.get()
        if ctx is not None:
            target = ctx.tracker.log_handler
        elif record.name == "joblog" or record.name.startswith("joblog."):
            target = self.default() if self.default is not None else None
        else:
            return False
        if target is None:
            return False
        return target.handle(record)

    def emit(self, record: logging.LogRecord) -> None:
        self.handle(record)


_router = _ContextRouter()


def install_router(default_handler: Optional[DBLogHandler]) -> None:
    """Attach the router to the root logger (once) and make `default_handler` the default target."""
    root = logging.getLogger()
    if _router not in root.handlers:
        root.addHandler(_router)
    _router.default = weakref.ref(default_handler) if default_handler is not None else None

