"""vCenter credentials: passwords at rest in the OMA's format, the API and the discovery that
uses them, against the built-in simulator's real VMA listener. No answer, audit row or log line
ever holds a password."""
from __future__ import annotations

import base64
import logging

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, select

from extensions import db
from models import DashboardAuditEvent, VMReplicationContext, VMwareCredential
from simulator import start_simulator
from simulator.inventory import DATACENTERS
from vcenters import FROM_CONFIGURATION, credential_to_dict, list_credentials, login_for
from vcenters.secrets import (CredentialKeyInvalid, PasswordUnreadable, decrypt_password, encrypt_password,
                              key_from_config)

OMA_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SIMULATOR_DISCOVERY_SECONDS": 0, "SIMULATOR_PROVISION_SECONDS": 0}


@pytest.fixture
def sim(app):
    simulator = start_simulator(app)
    yield simulator
    simulator.stop()


def test_a_password_is_stored_as_the_oma_stores_it_and_read_back(app):
    app.config["MIGRATEKIT_CRED_ENCRYPTION_KEY"] = OMA_KEY
    stored = encrypt_password("s3cret-pass")
    raw = base64.b64decode(stored)  # the OMA's reading: base64(nonce(12) || ciphertext || tag)
    assert AESGCM(bytes(range(32))).decrypt(raw[:12], raw[12:], None) == b"s3cret-pass"
    assert decrypt_password(stored) == "s3cret-pass" and "s3cret" not in stored
    assert decrypt_password("TEMP_PLAINTEXT_legacy-pass") == "legacy-pass"  # the OMA's migration rows


def test_a_password_saved_under_another_key_is_unreadable_not_a_crash(app):
    stored = encrypt_password("s3cret-pass")  # under the key derived from SECRET_KEY
    app.config["MIGRATEKIT_CRED_ENCRYPTION_KEY"] = OMA_KEY
    with pytest.raises(PasswordUnreadable):
        decrypt_password(stored, "prod")
    for bad in ("not base64!", base64.b64encode(b"short").decode()):
        app.config["MIGRATEKIT_CRED_ENCRYPTION_KEY"] = bad
        with pytest.raises(CredentialKeyInvalid):
            key_from_config(app.config)


def test_the_environments_vcenter_is_the_first_credential(app, sim):
    rows = list_credentials()
    assert [(c.vcenter_host, c.created_by, c.is_default) for c in rows] == [
        (app.config["VCENTER_HOST"], FROM_CONFIGURATION, True)]
    assert login_for().password == app.config["VCENTER_PASSWORD"]
    assert rows[0].password_encrypted != app.config["VCENTER_PASSWORD"]
    shown = credential_to_dict(rows[0])
    assert app.config["VCENTER_PASSWORD"] not in str(shown) and shown["password_readable"] is True


@pytest.mark.both_dbs
def test_a_waves_dispatch_threads_asking_for_logins_at_once_save_the_environments_vcenter_once(app, sim):
    """Each dispatch thread of a wave asks for its VM's login; the first time, all of them find
    the environment's vCenter unsaved and would each insert it (a duplicate name)."""
    import threading
    start, errors, logins = threading.Barrier(8), [], []

    def ask():
        with app.app_context():
            try:
                start.wait()
                logins.append(login_for().username)
            except Exception as exc:  # noqa: BLE001 - the test reports any
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert logins == [app.config["VCENTER_USERNAME"]] * 8
    assert db.session.scalar(select(func.count()).select_from(VMwareCredential)) == 1


def _create(client, app, **fields):
    body = {"credential_name": "DR vCenter", "vcenter_host": app.config["VCENTER_HOST"],
            "username": app.config["VCENTER_USERNAME"], "password": app.config["VCENTER_PASSWORD"],
            "datacenter": DATACENTERS[1], "is_active": True, "is_default": False, **fields}
    return client.post("/api/v1/vmware-credentials", json=body)


def test_credentials_api_saves_tests_and_never_answers_a_password(app, sim, admin_api_client, api_client, caplog):
    caplog.set_level(logging.DEBUG)
    password = app.config["VCENTER_PASSWORD"]
    assert admin_api_client.get("/api/v1/vmware-credentials").get_json()["count"] == 1  # the environment's
    created = _create(admin_api_client, app)
    assert created.status_code == 201, created.get_data(as_text=True)
    credential = created.get_json()["credential"]
    assert (credential["credential_name"], credential["datacenter"], credential["is_default"]) == \
        ("DR vCenter", DATACENTERS[1], False)
    wrong = _create(admin_api_client, app, credential_name="Wrong password", password="not-the-password")
    assert wrong.status_code == 201, wrong.get_data(as_text=True)
    wrong_id = wrong.get_json()["credential"]["id"]

    listed = admin_api_client.get("/api/v1/vmware-credentials")
    assert listed.get_json()["count"] == 3 and listed.get_json()["status"] == "success"

    ok = api_client.post(f"/api/v1/vmware-credentials/{credential['id']}/test")
    assert ok.status_code == 200 and ok.get_json()["success"] is True
    assert DATACENTERS[1] in ok.get_json()["message"]
    failed = api_client.post(f"/api/v1/vmware-credentials/{wrong_id}/test")
    assert failed.status_code == 502 and failed.get_json()["success"] is False
    assert "password" in failed.get_json()["message"].lower()

    everything = [created, wrong, listed, ok, failed]
    assert not any(password in r.get_data(as_text=True) or "not-the-password" in r.get_data(as_text=True)
                   for r in everything)
    audit = " ".join(str((e.before, e.after)) for e in db.session.scalars(select(DashboardAuditEvent)))
    assert "vcenter" in audit and password not in audit and "not-the-password" not in audit
    assert password not in caplog.text and "not-the-password" not in caplog.text


def test_credentials_refuse_bad_input_by_field_and_need_an_admin(app, sim, admin_api_client, api_client):
    assert _create(api_client, app).status_code == 403
    bad = _create(admin_api_client, app, vcenter_host="https://vc.example/sdk").get_json()
    assert "vcenter_host" in bad["details"]["fields"]
    missing = admin_api_client.post("/api/v1/vmware-credentials", json={"credential_name": "x"}).get_json()
    assert {"vcenter_host", "username", "password"} <= set(missing["details"]["fields"])
    assert _create(admin_api_client, app).status_code == 201
    taken = _create(admin_api_client, app)
    assert (taken.status_code, taken.get_json()["code"]) == (409, "name_taken")
    assert admin_api_client.get("/api/v1/vmware-credentials/abc").status_code == 404
    assert db.session.scalar(select(db.func.count()).select_from(VMwareCredential)) == 1  # nothing else saved


def test_default_delete_and_the_rows_that_use_a_credential(app, sim, admin_api_client):
    env_id = list_credentials()[0].id
    new_id = _create(admin_api_client, app).get_json()["credential"]["id"]
    assert admin_api_client.put(f"/api/v1/vmware-credentials/{new_id}/set-default").status_code == 200
    default = admin_api_client.get("/api/v1/vmware-credentials/default").get_json()["credentials"]
    assert default["id"] == new_id
    assert db.session.get(VMwareCredential, env_id).is_default is False
    # the environment's credential comes from configuration: its login is changed there
    refused = admin_api_client.put(f"/api/v1/vmware-credentials/{env_id}", json={"username": "someone-else"})
    assert "username" in refused.get_json()["details"]["fields"]
    vm = db.session.scalars(select(VMReplicationContext)).first()
    vm.credential_id = new_id
    db.session.commit()
    in_use = admin_api_client.delete(f"/api/v1/vmware-credentials/{new_id}")
    assert (in_use.status_code, in_use.get_json()["code"]) == (409, "credential_in_use")
    vm.credential_id = None
    db.session.commit()
    assert admin_api_client.delete(f"/api/v1/vmware-credentials/{new_id}").status_code == 200
    assert db.session.get(VMwareCredential, env_id).is_default is True  # the default passes on


def test_discovery_uses_the_credential_it_is_given(app, sim, admin_api_client, api_client):
    good = _create(admin_api_client, app).get_json()["credential"]["id"]
    wrong = _create(admin_api_client, app, credential_name="Wrong", password="nope-nope").get_json()["credential"]["id"]
    refused = api_client.post("/api/v1/discovery/discover", json={"credential_id": wrong})
    assert (refused.status_code, refused.get_json()["code"]) == (502, "discovery_failed")
    found = api_client.post("/api/v1/discovery/discover", json={"credential_id": good}).get_json()
    assert found["datacenter"] == DATACENTERS[1] and found["credential_id"] == good  # its default datacenter
    vm = found["vms"][0]
    assert vm["disks"] and {"label", "size_gb", "datastore"} <= set(vm["disks"][0])
    assert vm["networks"] and vm["networks"][0].get("network_name")
    new = [v["name"] for v in found["vms"] if not v["managed"]]
    added = api_client.post("/api/v1/discovery/add-vms", json={"credential_id": good, "vm_names": new[:1],
                                                               "added_by": "discovery-gui"}).get_json()
    assert (added["success"], added["vms_added"], added["processed_vms"][0]["vm_name"]) == (True, 1, new[0])
    context = db.session.get(VMReplicationContext, added["processed_vms"][0]["context_id"])
    assert context.credential_id == good
    both = api_client.post("/api/v1/discovery/discover", json={"credential_id": good, "vcenter": "x"})
    assert "vcenter" in both.get_json()["details"]["fields"]


def test_the_original_discover_vms_and_bulk_add_bodies(app, sim, api_client):
    login = {"vcenter": app.config["VCENTER_HOST"], "username": app.config["VCENTER_USERNAME"],
             "password": app.config["VCENTER_PASSWORD"], "datacenter": DATACENTERS[0]}
    found = api_client.post("/api/v1/discovery/discover-vms", json={**login, "create_context": False})
    body = found.get_json()
    assert found.status_code == 200 and body["discovery_count"] == len(body["discovered_vms"]) > 0
    assert isinstance(body["processing_time"], int) and body["status"] == "success"
    first = body["discovered_vms"][0]
    assert isinstance(first["existing"], bool) and isinstance(first["disks"][0]["size_gb"], (int, float))
    new = [vm["name"] for vm in body["discovered_vms"] if not vm["existing"]]
    assert app.config["VCENTER_PASSWORD"] not in found.get_data(as_text=True)
    created = api_client.post("/api/v1/discovery/discover-vms", json={**login, "create_context": True,
                                                                      "selected_vms": new[:1]}).get_json()
    assert created["addition_result"]["successfully_added"] == 1
    bulk = api_client.post("/api/v1/discovery/bulk-add", json={**login, "selected_vms": new[1:3]}).get_json()
    assert (bulk["total_requested"], bulk["successfully_added"]) == (2, 2)
    assert isinstance(bulk["discovery_duration"], int)
    mixed = api_client.post("/api/v1/discovery/bulk-add", json={**login, "selected_vms": new[3:4],
                                                                "name_pattern": "web-*"})
    assert mixed.status_code == 400 and "name_pattern" in mixed.get_json()["details"]["fields"]


def test_the_vcenters_page_is_for_admins_and_never_shows_a_password(app, sim, admin_client, client):
    assert client.get("/admin/vcenters/").status_code == 403
    page = admin_client.get("/admin/vcenters/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and app.config["VCENTER_HOST"] in html
    assert app.config["VCENTER_PASSWORD"] not in html and "password_encrypted" not in html
    refused = admin_client.post("/admin/vcenters/", data={"credential_name": "", "vcenter_host": "a b",
                                                          "username": "u", "password": "p-123456"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Name must not be empty" in text and "host name or address only" in text and "p-123456" not in text


def test_the_configurations_vcenter_is_renamed_on_the_page_but_keeps_its_login(app, sim, admin_client):
    env = list_credentials()[0]
    form = {"credential_name": "Main site", "vcenter_host": env.vcenter_host, "username": env.username,
            "datacenter": DATACENTERS[0], "is_active": "on", "is_default": "on"}
    assert admin_client.post(f"/admin/vcenters/{env.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert (db.session.get(VMwareCredential, env.id).credential_name, login_for().password) == \
        ("Main site", app.config["VCENTER_PASSWORD"])
    moved = admin_client.post(f"/admin/vcenters/{env.id}/edit", data={**form, "username": "someone-else"})
    assert moved.status_code == 422 and "change it there" in moved.get_data(as_text=True)
