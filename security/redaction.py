"""Defence in depth for secrets: configured secret values never reach a log record or a
database row.

The clients never log the OMA token or the vCenter password, but an exception message, a
library's debug output or a careless f-string could. Redaction is installed as the log
record factory rather than as a filter on some handlers, so it covers every logger and every
handler, including those added later (the JobLog database handler, pytest's capture, gunicorn).

An appliance's error body may echo the request it refused, credentials included, and that text
is kept as technical detail (`schedule_executions.error_details`, job and step errors, JobLog
metadata and attributes, audit before/after values). For the same reason as above the
redaction sits where every writer meets, the statement sent to the database, rather than in
each writer: the parameters of every INSERT and UPDATE on any engine are redacted, JSON text
included, so a writer added later is covered too.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import weakref
from functools import lru_cache

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

SECRET_SETTINGS = ("OMA_API_TOKEN", "VCENTER_PASSWORD", "SECRET_KEY", "ADMIN_PASSWORD", "MIGRATEKIT_CRED_ENCRYPTION_KEY")
REDACTED = "[redacted]"
# Shorter values would redact ordinary words; such a secret is not worth the name anyway.
MIN_SECRET_LENGTH = 4
# What is written to the database is data, not a message: a short secret ("vmware") is also part
# of names and hosts ("vmware-vc01"), which redacting would corrupt. Rows are redacted of the
# secrets long enough not to occur in them by chance.
MIN_STORED_SECRET_LENGTH = 8

_lock = threading.Lock()
_extra_secrets: frozenset[str] = frozenset()
# Each app's config is read when a record is made, not copied at start: the demo simulator
# fills in a generated OMA token and vCenter password after the app has been created.
_configs: list[weakref.ref] = []
_installed = False


def configured_secrets(config) -> set[str]:
    """The secret values of one app's configuration that are worth redacting."""
    values = set()
    for name in SECRET_SETTINGS:
        value = config.get(name)
        if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
            values.add(value)
    return values


def current_secrets() -> set[str]:
    values = set(_extra_secrets)
    for ref in list(_configs):
        config = ref()
        if config is not None:
            values |= configured_secrets(config)
    return values


def redact(text: str, secrets: set[str] | None = None) -> str:
    """`text` with every registered secret value replaced by [redacted]."""
    for secret in sorted(current_secrets() if secrets is None else secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record's message (and formatted traceback) without the secret values."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = current_secrets()
        if not secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logging's problem to report, not ours
            return True
        cleaned = redact(message, secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets)
        return True


_filter = RedactSecrets()


@lru_cache(maxsize=8)
@lru_cache(maxsize=16)
def _pattern(secrets: frozenset[str]) -> re.Pattern:
    """One search for every secret as stored: itself, and as escaped inside JSON text (a
    secret with a quote, a backslash or a non-ASCII character is written differently there)."""
    forms = set()
    for secret in secrets:
        forms.update((secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]))
    return re.compile("|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True)))


def _redacted_value(value, pattern: re.Pattern):
    if type(value) is str and pattern.search(value) is not None:
        return pattern.sub(REDACTED, value)
    return value


def redact_parameters(parameters, secrets: set[str] | None = None):
    """A statement's parameters (one set or a list of them, positional or named) with every
    secret replaced by [redacted]; the very same object when there was nothing to replace."""
    if secrets is None:
        secrets = {secret for secret in current_secrets() if len(secret) >= MIN_STORED_SECRET_LENGTH}
    if not secrets or not parameters:
        return parameters
    pattern = _pattern(frozenset(secrets))

    def one(params):
        if isinstance(params, dict):
            if any(type(v) is str and pattern.search(v) for v in params.values()):
                return {key: _redacted_value(value, pattern) for key, value in params.items()}
            return params
        if isinstance(params, (tuple, list)) and any(type(v) is str and pattern.search(v) for v in params):
            return type(params)(_redacted_value(value, pattern) for value in params)
        return params

    if isinstance(parameters, list) and parameters and isinstance(parameters[0], (tuple, list, dict)):
        rows = [one(params) for params in parameters]  # executemany
        return parameters if all(new is old for new, old in zip(rows, parameters)) else rows
    return one(parameters)


# Reads are left alone: a search for a value must find it. Matched, not stripped: a JobLog
# batch is one statement of up to a megabyte.
_WRITE = re.compile(r"\s*(?:INSERT|UPDATE|REPLACE)\b", re.IGNORECASE)


def _redact_statement(conn, cursor, statement, parameters, context, executemany):
    if _WRITE.match(statement):
        parameters = redact_parameters(parameters)
    return statement, parameters


def register_secret(value: str) -> None:
    """Redact one more value from now on (e.g. a generated first admin password)."""
    global _extra_secrets
    if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
        with _lock:
            _extra_secrets = frozenset(_extra_secrets | {value})


def install_secret_redaction(app: Flask) -> None:
    """Redact this app's secret settings from every log record made and every row written from now on."""
    global _installed
    with _lock:
        _configs[:] = [ref for ref in _configs if ref() is not None] + [weakref.ref(app.config)]
        if _installed:
            return
        previous_factory = logging.getLogRecordFactory()

        def redacting_factory(*args, **kwargs):
            record = previous_factory(*args, **kwargs)
            _filter.filter(record)
            return record

        logging.setLogRecordFactory(redacting_factory)
        event.listen(Engine, "before_cursor_execute", _redact_statement, retval=True)
        _installed = True
