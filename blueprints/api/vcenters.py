"""`/api/v1/vmware-credentials`: the vCenters this appliance migrates from, as the original API
has them (vmware_credentials.go [sendense 8b7d59b]), our keys beside. Never a password."""
from __future__ import annotations

from flask import jsonify

import vcenters
from blueprints.api import api_v1
from blueprints.api.common import actor_name, done, json_body, retrieved_at
from domain_errors import ValidationError
from security import require_role
from security.access import api_error
from vcenters import manage


def _view(credential) -> dict:
    return vcenters.credential_to_dict(credential)


@api_v1.get("/vmware-credentials")
def list_vmware_credentials():
    items = [_view(c) for c in vcenters.list_credentials()]
    return jsonify({"credentials": items, "count": len(items), "total_count": len(items), "status": "success",
                    "retrieved_at": retrieved_at(), "key_shared_with_oma": vcenters.key_is_shared()})


@api_v1.post("/vmware-credentials")
@require_role("admin")
def create_vmware_credential():
    credential = manage.create_credential(json_body(), created_by=actor_name())
    return jsonify(done("Credentials created successfully", status="success", credential=_view(credential))), 201


@api_v1.get("/vmware-credentials/default")
def default_vmware_credential():
    try:
        login = vcenters.login_for()
    except ValidationError as exc:  # nothing is configured: there is no default to show
        return api_error(404, "no_vcenter_credential", exc.errors.get("credential_id", exc.message)[:1].upper()
                         + exc.errors.get("credential_id", exc.message)[1:] + ".")
    credential = vcenters.get_credential(login.credential_id) if login.credential_id is not None else None
    view = _view(credential) if credential is not None else {
        "id": None, "name": login.name, "credential_name": login.name, "vcenter_host": login.host,
        "username": login.username, "datacenter": login.datacenter, "is_active": True, "is_default": True}
    # The original answer's keys (GetDefaultCredentials): id, name, vcenter_host, username, datacenter, flags.
    return jsonify({"credentials": view, "credential": view, "status": "success"})


@api_v1.get("/vmware-credentials/<credential_id>")
def get_vmware_credential(credential_id: str):
    vcenters.sync_environment_credential()
    return jsonify(_view(vcenters.get_credential(credential_id)))


@api_v1.put("/vmware-credentials/<credential_id>")
@require_role("admin")
def update_vmware_credential(credential_id: str):
    credential = manage.update_credential(credential_id, json_body())
    return jsonify(done("Credentials updated successfully", status="success", credential=_view(credential)))


@api_v1.delete("/vmware-credentials/<credential_id>")
@require_role("admin")
def delete_vmware_credential(credential_id: str):
    manage.delete_credential(credential_id)
    return jsonify(done("Credentials deleted successfully", status="success", deleted=True, id=credential_id))


@api_v1.put("/vmware-credentials/<credential_id>/set-default")
@require_role("admin")
def set_default_vmware_credential(credential_id: str):
    credential = manage.set_default(credential_id)
    return jsonify(done("Credentials set as default successfully", status="success", credential=_view(credential)))


@api_v1.post("/vmware-credentials/<credential_id>/test")
def test_vmware_credential(credential_id: str):
    result = manage.test_connection(credential_id)
    # The original GUI reads response.ok and `message` (VMwareCredentialsManager.tsx:131-150).
    return jsonify(result.to_dict()), 200 if result.ok else 502
