"""vCenter credentials: the vCenters this appliance migrates from, as objects.

Each credential is a row of the appliance's `vmware_credentials` table (the OMA reads the same
rows, services/vmware_credential_service.go [sendense 8b7d59b]): a name, the vCenter host, a
user, the password encrypted at rest (vcenters.secrets), a default datacenter, active and
default flags. Discovery and dispatch ask `login_for` which login to use; the password leaves
this package only inside a `VCenterLogin`, on its way into a VMA request body.

The vCenter of the environment (VCENTER_HOST, VCENTER_USERNAME, VCENTER_PASSWORD,
VCENTER_DATACENTER) is the first credential when set: `sync_environment_credential` saves it
as a row created by "configuration" and keeps that row's login equal to the environment's.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from domain_errors import NotFound, ValidationError
from extensions import db
from models import VMwareCredential, utcnow
from vcenters.secrets import decrypt_password, encrypt_password, key_is_shared, password_readable

log = logging.getLogger(__name__)

#: `created_by` of the row that mirrors the environment's vCenter.
FROM_CONFIGURATION = "configuration"
ENVIRONMENT_NAME = "vCenter from configuration"


@dataclass(frozen=True)
class VCenterLogin:
    """What a VMA request needs to log in to one vCenter. `credential_id` is None only for the
    environment's vCenter before it could be saved as a credential."""

    credential_id: int | None
    name: str
    host: str
    username: str
    password: str = field(repr=False)
    datacenter: str


def credential_to_dict(credential: VMwareCredential) -> dict[str, Any]:
    """A credential as the API shows it: the seed's keys (database/models.go:534-548), never the
    password; `password_readable` says whether this dashboard's key can use it."""
    return {
        "id": credential.id, "credential_name": credential.credential_name, "name": credential.credential_name,
        "vcenter_host": credential.vcenter_host, "username": credential.username,
        "datacenter": credential.datacenter, "is_active": bool(credential.is_active),
        "is_default": bool(credential.is_default), "created_at": _iso(credential.created_at),
        "updated_at": _iso(credential.updated_at), "created_by": credential.created_by,
        "last_used": _iso(credential.last_used), "usage_count": int(credential.usage_count or 0),
        "from_configuration": credential.created_by == FROM_CONFIGURATION,
        "password_readable": password_readable(credential.password_encrypted),
    }


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def sync_environment_credential() -> VMwareCredential | None:
    """Save the environment's vCenter as a credential (once per process; again if it changed).

    Nothing is written when VCENTER_HOST is unset, or when a credential someone else saved
    already has the same host and user (that one is used). Commits its own change. The
    dispatch threads of a wave ask at once, and so may other processes: one thread of a process
    writes, and a row another process saved first (its unique name) is read instead."""
    with _sync_lock:
        try:
            return _sync_environment_credential()
        except IntegrityError:
            db.session.rollback()
            return _sync_environment_credential()


_sync_lock = threading.Lock()


def _sync_environment_credential() -> VMwareCredential | None:
    config = current_app.config
    host = str(config.get("VCENTER_HOST") or "").strip()
    username = str(config.get("VCENTER_USERNAME") or "").strip()
    state = current_app.extensions.setdefault("vcenters", {})
    wanted = (host, username, config.get("VCENTER_PASSWORD") or "", config.get("VCENTER_DATACENTER") or "")
    if not host or state.get("synced") == wanted:
        return None
    rows = db.session.scalars(select(VMwareCredential).where(VMwareCredential.vcenter_host == host)).all()
    mine = next((row for row in rows if row.created_by == FROM_CONFIGURATION), None)
    if mine is None and any(row.username == username for row in rows):
        state["synced"] = wanted
        return None
    password = wanted[2]
    if mine is None:
        has_default = db.session.scalar(select(VMwareCredential.id).where(VMwareCredential.is_default.is_(True))
                                        .limit(1)) is not None
        mine = VMwareCredential(credential_name=_free_name(ENVIRONMENT_NAME), vcenter_host=host[:255],
                                username=username[:255], password_encrypted=encrypt_password(password),
                                datacenter=str(wanted[3])[:255], is_active=True, is_default=not has_default,
                                created_by=FROM_CONFIGURATION, usage_count=0)
        db.session.add(mine)
    else:
        current = _readable_password(mine)
        if (mine.username, current, mine.datacenter) != (username, password, wanted[3] or mine.datacenter):
            mine.username = username[:255]
            mine.password_encrypted = encrypt_password(password)
            mine.datacenter = str(wanted[3] or mine.datacenter)[:255]
            mine.updated_at = utcnow()
    db.session.commit()
    state["synced"] = wanted
    return mine


def _readable_password(credential: VMwareCredential) -> str | None:
    try:
        return decrypt_password(credential.password_encrypted, credential.credential_name)
    except Exception:  # noqa: BLE001 - unreadable: treated as changed, re-saved from the environment
        return None


def _free_name(base: str) -> str:
    taken = set(db.session.scalars(select(VMwareCredential.credential_name)
                                   .where(VMwareCredential.credential_name.like(f"{base}%"))))
    if base not in taken:
        return base
    return next(f"{base} ({n})" for n in range(2, len(taken) + 3) if f"{base} ({n})" not in taken)


def list_credentials() -> list[VMwareCredential]:
    """Every credential, the default first, then by name."""
    sync_environment_credential()
    return list(db.session.scalars(select(VMwareCredential).order_by(
        VMwareCredential.is_default.desc(), VMwareCredential.credential_name, VMwareCredential.id)))


def get_credential(credential_id: Any, field_name: str | None = None) -> VMwareCredential:
    """The credential with this id; NotFound (naming `field_name` when given) otherwise."""
    try:
        number = int(str(credential_id).strip())
    except (TypeError, ValueError):
        raise (ValidationError(field_name, "must be a whole number (a vCenter credential id)") if field_name
               else NotFound("vCenter credential", credential_id)) from None
    credential = db.session.get(VMwareCredential, number) if 0 < number < 2**31 else None
    if credential is None:
        raise NotFound("vCenter credential", credential_id, field=field_name)
    return credential


def login_for(credential_id: Any = None, *, vcenter_host: str | None = None,
              field_name: str = "credential_id") -> VCenterLogin:
    """The login to use: the credential named by id; else the active credential of
    `vcenter_host` (the default first); else the default credential; else the environment's.

    Refuses an inactive or unreadable credential by name rather than falling back silently."""
    sync_environment_credential()
    if credential_id not in (None, ""):
        credential = get_credential(credential_id, field_name)
        if not credential.is_active:
            raise ValidationError(field_name, f"the vCenter credential '{credential.credential_name}' is "
                                              "switched off; switch it on or pick another")
        return _login(credential)
    query = select(VMwareCredential).where(VMwareCredential.is_active.is_(True)).order_by(
        VMwareCredential.is_default.desc(), VMwareCredential.id).limit(1)
    if vcenter_host:
        query = query.where(VMwareCredential.vcenter_host == vcenter_host)
    credential = db.session.scalars(query).first()
    if credential is not None:
        return _login(credential)
    config = current_app.config
    host = str(config.get("VCENTER_HOST") or "")
    if host and (not vcenter_host or host == vcenter_host):
        return VCenterLogin(None, ENVIRONMENT_NAME, host, str(config.get("VCENTER_USERNAME") or ""),
                            str(config.get("VCENTER_PASSWORD") or ""), str(config.get("VCENTER_DATACENTER") or ""))
    if vcenter_host:
        raise ValidationError(field_name, f"no active vCenter credential for {vcenter_host}; add one on the "
                                          "vCenters page (Admin)")
    raise ValidationError(field_name, "no vCenter credential is configured; add one on the vCenters page (Admin)")


def _login(credential: VMwareCredential) -> VCenterLogin:
    password = decrypt_password(credential.password_encrypted, credential.credential_name)
    return VCenterLogin(credential.id, credential.credential_name, credential.vcenter_host, credential.username,
                        password, credential.datacenter or "")


def note_use(credential_id: int | None) -> None:
    """Count one use of a credential (`last_used`, `usage_count`, as the OMA does,
    vmware_credential_service.go:38-44); staged in the caller's transaction."""
    if credential_id is None:
        return
    db.session.execute(VMwareCredential.__table__.update().where(VMwareCredential.id == credential_id).values(
        last_used=utcnow(), usage_count=func.coalesce(VMwareCredential.usage_count, 0) + 1))


__all__ = ["ENVIRONMENT_NAME", "FROM_CONFIGURATION", "VCenterLogin", "credential_to_dict", "get_credential",
           "key_is_shared", "list_credentials", "login_for", "note_use", "sync_environment_credential"]
