"""Defence in depth for secrets: configured secret values never reach a log record.

The clients never log the OMA token or the vCenter password, but an exception message, a
library's debug output or a careless f-string could. Redaction is installed as the log
record factory rather than as a filter on some handlers, so it covers every logger and every
handler, including those added later (the JobLog database handler, pytest's capture, gunicorn).
"""
from __future__ import annotations

import logging
import threading
import weakref

from flask import Flask

SECRET_SETTINGS = ("OMA_API_TOKEN", "VCENTER_PASSWORD", "SECRET_KEY", "ADMIN_PASSWORD")
REDACTED = "[redacted]"
# Shorter values would redact ordinary words; such a secret is not worth the name anyway.
MIN_SECRET_LENGTH = 4

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


def register_secret(value: str) -> None:
    """Redact one more value from now on (e.g. a generated first admin password)."""
    global _extra_secrets
    if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
        with _lock:
            _extra_secrets = frozenset(_extra_secrets | {value})


def install_secret_redaction(app: Flask) -> None:
    """Redact this app's secret settings from every log record made from now on."""
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
        _installed = True
