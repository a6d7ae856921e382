"""Secrets that cross one redirect in the browser's session cookie, encrypted.

Flask's session cookie is signed, not encrypted: whoever sees the cookie (a proxy's log, a HAR
file, the browser's developer tools) can read what is in it. A value that is a secret — a new
API token on its way to the one page that shows it — is put there sealed: encrypted and
authenticated with Fernet (AES-128-CBC and HMAC-SHA256, from `cryptography`) under a key derived
from SECRET_KEY with HKDF, and refused once older than `max_age` seconds.
"""
from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_INFO = b"replication-dashboard sealed session value"
DEFAULT_MAX_AGE_SECONDS = 120


def _fernet() -> Fernet:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value: str) -> str:
    """`value` encrypted for the session cookie."""
    return _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def unseal(sealed: object, max_age: int = DEFAULT_MAX_AGE_SECONDS) -> str | None:
    """The value `seal` encrypted, or None if it is not one, was tampered with or is too old."""
    if not isinstance(sealed, str):
        return None
    try:
        return _fernet().decrypt(sealed.encode("ascii"), ttl=max_age).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError):
        return None
