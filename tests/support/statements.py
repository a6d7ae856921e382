"""Count the SQL statements a request runs, to prove pages do not grow an N+1."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event


class StatementCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        text = statement.lstrip().upper()
        if text.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "PRAGMA", "SET ")):
            return
        self.statements.append(statement)


@contextmanager
def count_statements(engine):
    """`with count_statements(db.engine) as counter: client.get(...)`, then `counter.count`."""
    counter = StatementCounter()
    event.listen(engine, "before_cursor_execute", counter._record)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter._record)
