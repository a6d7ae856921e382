"""Saving, changing, removing and testing vCenter credentials (admin actions, audited).

The password is never part of an audit row, a log line or an answer: the audit says only that
it was set or changed.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from appliance import ApplianceError, UnknownDatacenterError, VMAClient
from domain_errors import Conflict, FieldReader, ValidationError, name_taken_on_conflict
from extensions import db
from models import VMReplicationContext, VMwareCredential, utcnow
from security.audit import record_change
from vcenters import FROM_CONFIGURATION, get_credential, login_for
from vcenters.secrets import encrypt_password

# A host name or an address: letters, digits, dots, hyphens, colons (IPv6, a port); no scheme,
# path or spaces (the VMA builds https://<host>/sdk itself).
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.\-:\[\]]*[A-Za-z0-9\]])?$")
_LOGIN_FIELDS = ("vcenter_host", "username", "password")


def _audit_view(credential: VMwareCredential, password_changed: bool = False) -> dict[str, Any]:
    view = {"credential_name": credential.credential_name, "vcenter_host": credential.vcenter_host,
            "username": credential.username, "datacenter": credential.datacenter or "",
            "is_active": bool(credential.is_active), "is_default": bool(credential.is_default)}
    if password_changed:
        view["password"] = "changed"
    return view


def _read(data: Any, current: VMwareCredential | None) -> dict[str, Any]:
    reader = FieldReader(data, partial=current is not None)
    values: dict[str, Any] = {}
    for name, value in (("credential_name", reader.string("credential_name", required=True)),
                        ("vcenter_host", reader.string("vcenter_host", required=True)),
                        ("username", reader.string("username", required=True)),
                        ("datacenter", reader.string("datacenter", allow_blank=True)),
                        ("is_active", reader.boolean("is_active")),
                        ("is_default", reader.boolean("is_default"))):
        if reader.has(name) and name not in reader.errors and value is not None:
            values[name] = value
    password = data.get("password") if isinstance(data, dict) else None
    if password not in (None, ""):
        if not isinstance(password, str) or len(password) > 512:
            reader.error("password", "must be a string of at most 512 characters")
        elif any(ord(ch) < 32 for ch in password):
            reader.error("password", "must not contain control characters")
        else:
            values["password"] = password
    elif current is None:
        reader.error("password", "is required")
    host = values.get("vcenter_host")
    if host is not None and not _HOST.match(host):
        reader.error("vcenter_host", "must be a host name or address only, e.g. vcenter.example.com "
                                     "(no https://, path or spaces)")
    if current is not None and current.created_by == FROM_CONFIGURATION:
        for name in _LOGIN_FIELDS:
            if name in values and values[name] != getattr(current, name, None):
                reader.error(name, "comes from the configuration (VCENTER_HOST, VCENTER_USERNAME, "
                                   "VCENTER_PASSWORD); change it there")
    for name in ("credential_name", "vcenter_host", "username"):
        if current is not None and reader.has(name) and name not in reader.errors and name not in values:
            reader.error(name, "must not be blank")
    if current is not None and not values and not reader.errors:
        raise ValidationError("body", "names no credential field to change")
    reader.raise_if_errors()
    return values


def _check_name(name: str, own_id: int | None) -> None:
    other = db.session.scalar(select(VMwareCredential.id).where(VMwareCredential.credential_name == name))
    if other is not None and other != own_id:
        raise Conflict("name_taken", f"A vCenter credential named '{name}' already exists.",
                       {"field": "credential_name"})


def _only_default(credential_id: int) -> None:
    db.session.execute(update(VMwareCredential).where(VMwareCredential.id != credential_id,
                                                      VMwareCredential.is_default.is_(True)).values(is_default=False))


def create_credential(data: Any, created_by: str | None = None) -> VMwareCredential:
    values = _read(data, None)
    _check_name(values["credential_name"], None)
    has_default = db.session.scalar(select(VMwareCredential.id).where(VMwareCredential.is_default.is_(True))
                                    .limit(1)) is not None
    credential = VMwareCredential(
        credential_name=values["credential_name"], vcenter_host=values["vcenter_host"],
        username=values["username"], password_encrypted=encrypt_password(values["password"]),
        datacenter=values.get("datacenter") or "", is_active=values.get("is_active", True),
        is_default=values.get("is_default", not has_default), created_by=(created_by or "system")[:255],
        usage_count=0)
    with name_taken_on_conflict("vCenter credential", credential.credential_name, db.session):
        db.session.add(credential)
        db.session.flush()
        if credential.is_default:
            _only_default(credential.id)
        record_change("vcenter.add", "vcenter", str(credential.id), credential.credential_name, None,
                      _audit_view(credential, password_changed=True))
        db.session.commit()
    return credential


def update_credential(credential_id: Any, data: Any) -> VMwareCredential:
    credential = get_credential(credential_id)
    values = _read(data, credential)
    if "credential_name" in values:
        _check_name(values["credential_name"], credential.id)
    if values.get("is_active") is False and credential.is_active:
        _refuse_last_active(credential, "switched off")
    before = _audit_view(credential)
    for name, value in values.items():
        if name == "password":
            credential.password_encrypted = encrypt_password(value)
        else:
            setattr(credential, name, value)
    credential.updated_at = utcnow()
    with name_taken_on_conflict("vCenter credential", credential.credential_name, db.session):
        if values.get("is_default"):
            _only_default(credential.id)
        after = _audit_view(credential, password_changed="password" in values)
        if after != before:
            record_change("vcenter.update", "vcenter", str(credential.id), credential.credential_name,
                          before, after)
        db.session.commit()
    return credential


def set_default(credential_id: Any) -> VMwareCredential:
    credential = get_credential(credential_id)
    if not credential.is_active:
        raise Conflict("credential_inactive", f"The vCenter credential '{credential.credential_name}' is switched "
                                              "off; switch it on before making it the default.",
                       {"field": "is_active"})
    if not credential.is_default:
        _only_default(credential.id)
        credential.is_default = True
        record_change("vcenter.default", "vcenter", str(credential.id), credential.credential_name,
                      {"is_default": False}, {"is_default": True})
        db.session.commit()
    return credential


def _refuse_last_active(credential: VMwareCredential, what: str) -> None:
    others = db.session.scalar(select(func.count()).select_from(VMwareCredential).where(
        VMwareCredential.id != credential.id, VMwareCredential.is_active.is_(True)))
    if not others:
        raise Conflict("last_active_credential",
                       f"The vCenter credential '{credential.credential_name}' cannot be {what}: it is the only "
                       "active one, and discovery and replication need one. Add another first.",
                       {"field": "is_active"})


def delete_credential(credential_id: Any) -> None:
    """Remove a credential no VM uses; not the last active one (as the OMA refuses,
    vmware_credential_service.go DeleteCredentials [sendense 8b7d59b], with a 409 here)."""
    credential = get_credential(credential_id)
    users = db.session.scalar(select(func.count()).select_from(VMReplicationContext)
                              .where(VMReplicationContext.credential_id == credential.id))
    if users:
        raise Conflict("credential_in_use", f"The vCenter credential '{credential.credential_name}' is used by "
                                            f"{users} VM(s); they would lose their vCenter login. Switch it off "
                                            "instead, or move the VMs first.", {"vms": users})
    if credential.is_active:
        _refuse_last_active(credential, "deleted")
    if credential.created_by == FROM_CONFIGURATION and current_app.config.get("VCENTER_HOST"):
        raise Conflict("credential_from_configuration",
                       f"The vCenter credential '{credential.credential_name}' comes from the configuration "
                       "(VCENTER_HOST); remove it there, or switch it off here.", {"field": "vcenter_host"})
    record_change("vcenter.delete", "vcenter", str(credential.id), credential.credential_name,
                  _audit_view(credential), None)
    db.session.delete(credential)
    was_default = credential.is_default
    db.session.flush()
    if was_default:
        heir = db.session.scalars(select(VMwareCredential).where(VMwareCredential.is_active.is_(True))
                                  .order_by(VMwareCredential.id).limit(1)).first()
        if heir is not None:
            heir.is_default = True
    db.session.commit()


@dataclass(frozen=True)
class ConnectionTest:
    ok: bool
    message: str
    vm_count: int | None = None
    datacenter: str = ""
    seconds: float = 0.0
    actionable_steps: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        body = {"success": self.ok, "status": "success" if self.ok else "failed", "message": self.message,
                "vm_count": self.vm_count, "datacenter": self.datacenter, "seconds": round(self.seconds, 2),
                "actionable_steps": list(self.actionable_steps)}
        if not self.ok:
            body["error"] = self.message
        return body


def test_connection(credential_id: Any) -> ConnectionTest:
    """Log in to the credential's vCenter through the VMA and list its default datacenter (the
    only way the VMA offers: POST /api/v1/discover, vma/api/server.go:87-93 [sendense 8b7d59b])."""
    login = login_for(get_credential(credential_id).id)
    client = VMAClient.from_config(current_app.config)
    started = time.monotonic()
    try:
        body = client.discover(login.host, login.username, login.password, login.datacenter)
    except UnknownDatacenterError:
        return ConnectionTest(False, f"Logged in to {login.host}, but it has no datacenter named "
                                     f"'{login.datacenter}'.", datacenter=login.datacenter,
                              seconds=time.monotonic() - started,
                              actionable_steps=("Correct the default datacenter of this credential",))
    except ApplianceError as exc:
        sanitized = exc.sanitized
        return ConnectionTest(False, f"Could not use {login.host}: {exc.operator_message}",
                              datacenter=login.datacenter, seconds=time.monotonic() - started,
                              actionable_steps=tuple(sanitized.actionable_steps))
    vms = [vm for vm in body.get("vms") or () if isinstance(vm, dict)]
    vcenter = body.get("vcenter") if isinstance(body.get("vcenter"), dict) else {}
    datacenter = str(vcenter.get("datacenter") or login.datacenter or "")
    where = f" in datacenter {datacenter}" if datacenter else ""
    return ConnectionTest(True, f"Connected to {login.host}: {len(vms)} VM(s){where}.", len(vms), datacenter,
                          time.monotonic() - started)
