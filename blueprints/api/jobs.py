"""Unified jobs, VM contexts and failover progress: `/jobs`, `/vm-contexts/...`, `/failover/...`."""
from __future__ import annotations

from flask import jsonify, request

import jobs
from blueprints.api import api_v1
from protection import read
from blueprints.api.common import instant_arg, int_arg, retrieved_at, str_arg
from vms import vm_context_details, vm_contexts


@api_v1.get("/jobs")
def list_jobs():
    flt = jobs.build_filter(job_type=str_arg("job_type"), status=str_arg("status"), vm=str_arg("vm"),
                            since=instant_arg("since"), until=instant_arg("until"))
    page = jobs.list_jobs(flt, per_page=int_arg("per_page", jobs.unified.DEFAULT_PER_PAGE, minimum=1,
                                                  maximum=jobs.unified.MAX_PER_PAGE),
                          cursor=str_arg("cursor", 1000), page=int_arg("page", minimum=1, maximum=100000))
    return jsonify({**page.to_dict(), "retrieved_at": retrieved_at()})


@api_v1.get("/jobs/<any_id>")
def get_job(any_id: str):
    return jsonify(jobs.find_job_by_any_id(any_id))


@api_v1.get("/jobs/<any_id>/logs")
def job_logs(any_id: str):
    return jsonify(jobs.job_logs(any_id, after_id=request.args.get("after_id"), limit=request.args.get("limit")))


@api_v1.get("/failover/<job_id>/progress")
def failover_progress(job_id: str):
    return jsonify(jobs.job_progress(job_id))


@api_v1.get("/failover/<job_id>/status")
def failover_status(job_id: str):
    return jsonify(jobs.failover_status(job_id))


@api_v1.get("/vm-contexts")
def list_vm_contexts():
    page = vm_contexts(str_arg("search"), page=int_arg("page", 1, minimum=1, maximum=100000),
                       per_page=int_arg("per_page", minimum=1, maximum=10000))
    return jsonify({"vm_contexts": page.items, "count": len(page.items), "total_count": page.total,
                    "page": page.page, "per_page": page.per_page, "has_more": page.page < page.pages,
                    "retrieved_at": retrieved_at()})


@api_v1.get("/vm-contexts/<vm_name>")
def vm_context(vm_name: str):
    details = vm_context_details(vm_name)
    read.ensure_fresh()
    state = read.state_of(details["context"]["context_id"])
    details["protection"] = state.to_dict() if state is not None else None
    return jsonify(details)


@api_v1.get("/vm-contexts/<context_id>/recent-jobs")
def recent_jobs(context_id: str):
    items = jobs.recent_jobs_for_context(context_id)
    return jsonify({"context_id": context_id, "count": len(items), "jobs": items, "retrieved_at": retrieved_at()})
