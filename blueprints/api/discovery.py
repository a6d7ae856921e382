"""`/api/v1/discovery`: preview a datacenter, add VMs without jobs, bulk add with filters; the
original API's discover-vms, add-vms and bulk-add bodies are accepted too."""
from __future__ import annotations

from flask import jsonify

import discovery
import grouping
from blueprints.api import api_v1
from blueprints.api.common import actor_name, json_body, listing, str_arg
from domain_errors import FieldReader
from vms import vm_to_dict


@api_v1.post("/discovery/discover")
def discover():
    reader = FieldReader(json_body())
    datacenter = reader.string("datacenter")
    name_filter = reader.string("filter")
    reader.raise_if_errors()
    login = discovery.read_login(reader)
    return jsonify(discovery.discover_vms(datacenter, name_filter, login=login).to_dict())


@api_v1.post("/discovery/discover-vms")
def discover_vms():
    return jsonify(discovery.discover_and_add(json_body(), added_by=actor_name()))


@api_v1.post("/discovery/add-vms")
def add_vms():
    return jsonify(discovery.add_vms(json_body(), added_by=actor_name()).to_dict())


@api_v1.post("/discovery/bulk-add")
def bulk_add():
    result = discovery.bulk_add(json_body(), added_by=actor_name())
    return jsonify({**result.to_dict(), **result.bulk_result()})


@api_v1.get("/discovery/ungrouped-vms")
def ungrouped_vms():
    vms = grouping.ungrouped_vms(str_arg("search"))
    return jsonify(listing("vms", [vm_to_dict(vm) for vm in vms]))
