"""What the simulated appliance says goes to its own log file, not to the dashboard's console.

The simulator plays an appliance that, for real, runs on other machines and logs there: its
request handling, progress ticks, demo failovers (with their deliberately raw tool errors) and
demo seeding are chatter to an operator reading the console of `make run`, who would take
`virt-v2v-in-place: error: ...` for a failed start. Records of `simulator.*` loggers and every
record emitted while simulated code runs (`simulated()`, which also covers what JobLog logs for a
simulated failover) go to SIMULATOR_LOG_FILE; the console keeps them out unless LOG_LEVEL is
DEBUG. The line that says where the simulator listens (logger `simulator`) stays on the console.
"""
from __future__ import annotations

import logging
import logging.handlers
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Iterator

_SIMULATED: ContextVar[bool] = ContextVar("simulated", default=False)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FILE_BYTES = 5 * 1024 * 1024
LOG_FILE_BACKUPS = 2


@contextmanager
def simulated() -> Iterator[None]:
    """Mark the records logged in this block (this thread or task) as the simulator's."""
    token = _SIMULATED.set(True)
    try:
        yield
    finally:
        _SIMULATED.reset(token)


def in_simulator() -> bool:
    return _SIMULATED.get()


def is_chatter(record: logging.LogRecord) -> bool:
    return record.name.startswith("simulator.") or _SIMULATED.get()


class SimulatedWSGI:
    """A WSGI app whose requests are simulated code (the simulated OMA and VMA)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        with simulated():
            return self.app(environ, start_response)


class ChatterOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return is_chatter(record)


_file_handlers: dict[str, logging.Handler] = {}


def log_to_file(path: str | Path, level: int = logging.INFO) -> logging.Handler:
    """Send the simulator's records to `path` (rotated at 5 MB, two kept); once per file."""
    path = Path(path)
    key = str(path.resolve())
    if key not in _file_handlers:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILE_BACKUPS,
                                                       encoding="utf-8", delay=True)
        handler.setLevel(level)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler.addFilter(ChatterOnly())
        logging.getLogger().addHandler(handler)
        _file_handlers[key] = handler
    return _file_handlers[key]
