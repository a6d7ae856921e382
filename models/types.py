"""Column types that behave the same on SQLite and MySQL/MariaDB.

The appliance schema mixes `timestamp`, `datetime(3)` and `datetime(6)` columns and stores
JSON in `longtext` with a `json_valid` check. These types keep the production column types on
MySQL/MariaDB while giving Python code timezone-aware UTC datetimes and decoded JSON everywhere.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import DateTime, Enum, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.types import TypeDecorator


def as_utc(value):
    """An aware UTC datetime from what a row or a raw SQL result holds: an aware or naive (UTC)
    datetime, or the ISO text SQLite keeps; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC; returns aware UTC. `kind` picks the MySQL column type."""

    impl = DateTime
    cache_ok = True

    def __init__(self, kind: str = "timestamp"):
        super().__init__()
        self.kind = kind

    def __repr__(self) -> str:  # rendered into migrations
        return f"UTCDateTime(kind={self.kind!r})"

    def load_dialect_impl(self, dialect):
        if dialect.name in ("mysql", "mariadb"):
            if self.kind == "timestamp":
                return dialect.type_descriptor(mysql.TIMESTAMP())
            fsp = {"datetime": 0, "datetime3": 3, "datetime6": 6}[self.kind]
            return dialect.type_descriptor(mysql.DATETIME(fsp=fsp))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        if self.kind == "timestamp" and dialect.name in ("mysql", "mariadb"):
            value = value.replace(microsecond=0)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):  # SQLite rows written by other tools
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class JSONText(TypeDecorator):
    """JSON kept in a text column (`longtext ... CHECK (json_valid(...))` on MariaDB)."""

    impl = Text
    cache_ok = True

    def __repr__(self) -> str:  # rendered into migrations
        return "JSONText()"

    def load_dialect_impl(self, dialect):
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.LONGTEXT())
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return json.dumps(value, default=str, separators=(",", ":"))

    def process_result_value(self, value, dialect):
        if value is None or value == "":
            return None
        if isinstance(value, (dict, list)):
            return value
        return json.loads(value)


def LongText():
    return Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class StoredEnum(Enum):
    """An ENUM column that reads a value it does not list as the text stored.

    The appliance's tables are written by other tools too: MariaDB without strict mode stores a
    value its ENUM does not list as '', and SQLite stores anything. SQLAlchemy's Enum refuses
    such a row on read (LookupError), which would take down every page and query that loads it;
    this one hands the value over as it is, and the code that reads it decides what it means.
    Writes are checked as before."""

    cache_ok = True

    def _object_value_for_elem(self, elem):
        try:
            return super()._object_value_for_elem(elem)
        except LookupError:
            return elem
