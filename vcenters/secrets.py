"""vCenter passwords at rest, in the OMA's own format, so that both read the same rows.

The OMA stores `vmware_credentials.password_encrypted` as base64(nonce ‖ AES-256-GCM ciphertext
and tag) under a 32-byte key given base64-encoded in MIGRATEKIT_CRED_ENCRYPTION_KEY
(services/credential_encryption_service.go:20-107 [sendense 8b7d59b]). With the same variable
set here, a credential saved on either side is usable by the other. Without it, the key is
derived from SECRET_KEY with HKDF: the dashboard works on its own, and the OMA cannot read
what it saved (the credentials page says so).

Rows the OMA's migration left as `TEMP_PLAINTEXT_<password>` are read as the OMA reads them
(:79-83) and re-encrypted when next saved.
"""
from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from domain_errors import Conflict, DomainError

KEY_SETTING = "MIGRATEKIT_CRED_ENCRYPTION_KEY"
_TEMP_PREFIX = "TEMP_PLAINTEXT_"
_NONCE_BYTES = 12  # Go's cipher.NewGCM nonce size
_INFO = b"replication-dashboard vCenter credential key"


class CredentialKeyInvalid(DomainError):
    """The configured key is not 32 bytes in base64: nothing can be encrypted or read."""

    code = "credential_key_invalid"

    def __init__(self, why: str):
        super().__init__(f"The vCenter password key {KEY_SETTING} {why}: it must be 32 random bytes in "
                         "base64, the same value the OMA uses (e.g. the output of `openssl rand -base64 32`).")


class PasswordUnreadable(Conflict):
    """A stored password the configured key cannot decrypt (saved under another key)."""

    def __init__(self, name: str):
        super().__init__("credential_password_unreadable", f"The password of the vCenter credential '{name}' cannot be read with this dashboard's "
                         f"key. Set {KEY_SETTING} to the OMA's key, or enter the password again.",
                         {"field": "password"})


def key_from_config(config) -> bytes:
    configured = str(config.get(KEY_SETTING) or "").strip()
    if configured:
        try:
            key = base64.b64decode(configured, validate=True)
        except (binascii.Error, ValueError):
            raise CredentialKeyInvalid("is not valid base64") from None
        if len(key) != 32:
            raise CredentialKeyInvalid(f"decodes to {len(key)} bytes, not 32")
        return key
    secret = config["SECRET_KEY"]
    secret = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret)


def key_is_shared(config=None) -> bool:
    """Whether the key is the configured (OMA-shared) one rather than derived from SECRET_KEY."""
    config = current_app.config if config is None else config
    return bool(str(config.get(KEY_SETTING) or "").strip())


def encrypt_password(password: str, config=None) -> str:
    aead = AESGCM(key_from_config(current_app.config if config is None else config))
    nonce = os.urandom(_NONCE_BYTES)
    return base64.b64encode(nonce + aead.encrypt(nonce, password.encode("utf-8"), None)).decode("ascii")


def decrypt_password(stored: str | None, name: str = "", config=None) -> str:
    """The password, or PasswordUnreadable (never the stored value, never a traceback)."""
    stored = stored or ""
    if stored.startswith(_TEMP_PREFIX):
        return stored[len(_TEMP_PREFIX):]
    try:
        raw = base64.b64decode(stored, validate=True)
    except (binascii.Error, ValueError):
        raise PasswordUnreadable(name) from None
    if len(raw) <= _NONCE_BYTES:
        raise PasswordUnreadable(name)
    aead = AESGCM(key_from_config(current_app.config if config is None else config))
    try:
        return aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None).decode("utf-8")
    except (InvalidTag, UnicodeDecodeError):
        raise PasswordUnreadable(name) from None


def password_readable(stored: str | None, config=None) -> bool:
    try:
        decrypt_password(stored, config=config)
    except PasswordUnreadable:
        return False
    return True
