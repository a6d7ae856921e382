"""Fresh, isolated databases for tests: SQLite files and MariaDB databases, migrated once.

Every test gets its own database state: SQLite tests copy a migrated template file, MariaDB
tests share one migrated database per session that is emptied before each test.
"""
from __future__ import annotations

import logging
import shutil
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, inspect, text


def migrate(url: str, instance_path: Path) -> None:
    """Run the real Alembic migrations (what `flask db upgrade` does) against `url`."""
    from flask_migrate import upgrade

    from app import create_app
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "BACKGROUND_SERVICES": False,
                      "SECRET_KEY": "migrate", "INSTANCE_PATH": str(instance_path)})
    with app.app_context(), _logging_left_as_it_was():
        upgrade()
        from extensions import db
        db.engine.dispose()


@contextmanager
def _logging_left_as_it_was():
    """Alembic's env.py applies alembic.ini's logging config, which disables every logger that
    already exists and changes the root logger; in a test process that would silence the app's
    loggers (and caplog) for the rest of the session."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        yield
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers
        for logger in logging.Logger.manager.loggerDict.values():
            if isinstance(logger, logging.Logger):
                logger.disabled = False


class SQLiteTemplate:
    def __init__(self, directory: Path):
        self.template = directory / "template.sqlite3"
        migrate(f"sqlite:///{self.template}", directory)

    def fresh_url(self, target_dir: Path) -> str:
        target = target_dir / "test.sqlite3"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"


class MariaDBTemplate:
    def __init__(self, server, directory: Path, name: str = "dashboard_test"):
        self.server = server
        self.url = server.create_database(name)
        migrate(self.url, directory)
        engine = create_engine(self.url)
        with engine.connect() as conn:
            self.tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        engine.dispose()

    def fresh_url(self) -> str:
        conn = self.server.connect(self.url.rsplit("/", 1)[1].split("?")[0])
        try:
            with conn.cursor() as cur:
                cur.execute("SET FOREIGN_KEY_CHECKS=0")
                for table in self.tables:
                    cur.execute(f"TRUNCATE TABLE `{table}`")
                cur.execute("SET FOREIGN_KEY_CHECKS=1")
        finally:
            conn.close()
        return self.url


def table_count(url: str, table: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
    engine.dispose()
    return value
