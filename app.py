"""Application factory: `create_app(config=None)`; `flask --app app ...` works."""
from __future__ import annotations

import logging
import os
import weakref
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

import models  # noqa: F401  (registers every table on the metadata for migrations)
from blueprints import register_blueprints
from cli import register_cli
from protection.sweep import register as register_protection_sweep
from config import BASE_DIR, Config
from extensions import csrf, db, login_manager, migrate
from joblog import init_joblog
from runtime import gunicorn_master, serving_process
from scheduler import start_scheduler
from security import init_security
from simulator.chatter import LOG_FORMAT, is_chatter
from simulator import start_simulator


def create_app(config: dict | None = None) -> Flask:
    """Build the app; `config` overrides settings read from the environment (tests pass a dict)."""
    settings = Config.from_env(config)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"], instance_relative_config=True)
    app.config.update(settings)
    _configure_logging(app)
    _configure_database(app)

    db.init_app(app)
    _forget_connections_in_forked_children(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)

    init_joblog(app)
    init_security(app)
    register_blueprints(app)
    register_cli(app)
    register_protection_sweep(app)
    _start_background_services(app)
    return app


def _start_background_services(app: Flask) -> None:
    """The simulator (DEMO) and the scheduler, in a serving process only (see `runtime`)."""
    start = app.config.get("BACKGROUND_SERVICES")
    if start is None:
        start = serving_process() and not app.testing
    app.extensions["background_services"] = bool(start)
    if not start:
        return
    if app.config.get("DEMO"):
        start_simulator(app)
    if app.config.get("SCHEDULER_ENABLED"):
        start_scheduler(app, wait_for_fork=gunicorn_master())


def _forget_connections_in_forked_children(app: Flask) -> None:
    """A process forked after the app connected (gunicorn --preload) must not use the parent's
    pooled connections: two processes on one socket corrupt each other's results. The child's
    pools drop them without closing them (the parent still uses them) and connect afresh."""
    if not hasattr(os, "register_at_fork"):
        return
    app_ref = weakref.ref(app)

    def after_in_child() -> None:
        forked = app_ref()
        if forked is not None:
            with forked.app_context():
                for engine in db.engines.values():
                    engine.dispose(close=False)

    os.register_at_fork(after_in_child=after_in_child)


class _ConsoleFilter(logging.Filter):
    """The console says what runs, where, and real warnings: unless LOG_LEVEL is DEBUG it leaves
    out the simulated appliance's chatter (in its own log file, see simulator/chatter.py) and
    the development server's line per request (pages poll every few seconds)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if is_chatter(record):
            return False
        return not (record.name == "werkzeug" and record.levelno <= logging.INFO and " - - [" in str(record.msg))


def _configure_logging(app: Flask) -> None:
    level = getattr(logging, str(app.config.get("LOG_LEVEL", "INFO")).upper(), logging.INFO)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format=LOG_FORMAT)
        if level > logging.DEBUG:
            for handler in root.handlers:
                handler.addFilter(_ConsoleFilter())
    root.setLevel(level)


def _configure_database(app: Flask) -> None:
    """Per-backend connection settings: UTC sessions on MySQL/MariaDB, FK checks and WAL on SQLite."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if url.startswith("mysql"):
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("init_command", "SET time_zone='+00:00'")
        connect_args.setdefault("charset", "utf8mb4")
        connect_args.setdefault("connect_timeout", 5)
        options["connect_args"] = connect_args
        options.setdefault("isolation_level", "READ COMMITTED")
    elif url.startswith("sqlite"):
        options.pop("pool_recycle", None)
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            # An in-memory database lives in one connection (StaticPool): no pool to size.
            options.pop("pool_size", None)
            options.pop("max_overflow", None)
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", 30)
        connect_args.setdefault("check_same_thread", False)
        options["connect_args"] = connect_args
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
