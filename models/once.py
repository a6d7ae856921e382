"""Rows whose primary key (or unique key) makes each a claim that can be taken once."""
from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from extensions import db


def insert_once(model, rows: list[dict], *, commit: bool = True) -> list[bool]:
    """Insert rows whose primary key makes each a claim that can be taken once; per row, whether
    this call took it.

    All rows go in one statement when none was taken elsewhere (committed unless `commit` is
    False: the caller commits them with its own changes); otherwise the batch is rolled back and
    each row is inserted and committed on its own, so that only the rows taken elsewhere are lost.
    """
    if not rows:
        return []
    try:
        db.session.execute(insert(model), rows)
        if commit:
            db.session.commit()
        return [True] * len(rows)
    except IntegrityError:
        db.session.rollback()
    won = []
    for row in rows:
        try:
            db.session.execute(insert(model).values(**row))
            db.session.commit()
            won.append(True)
        except IntegrityError:
            db.session.rollback()
            won.append(False)
    return won
