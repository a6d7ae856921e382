"""The original system's GUI calls to its OMA API, as data: what a client written for it sends and reads.

One row per distinct call the Next.js GUI of the original system (DRDAVIDBANNER/sendense at
8b7d59b, `oma-deployment-package/gui/src`) makes to the OMA API through its proxy routes
(`gui/src/app/api/**/route.ts`), for schedules, machine groups, VM assignment, discovery, VM
contexts, recent jobs, failover progress and vCenter credentials. Citations are
`gui/src/<file>:<line>` in that tree; Go citations are `source/current/oma/...:<line>`.

* `path` is the OMA route under /api/v1, with `{placeholders}` that the row's `setup` fills.
* `body` is the JSON the GUI (or its proxy) sends, `NO_BODY` when it sends none. A string value
  that is exactly "{name}" is replaced by the setup's value (keeping its JSON type).
* `statuses` count as success: any 2xx, or the original's own error status where the row
  exercises an error.
* `reads` are the keys the GUI (or a proxy reshaping the answer) reads, as paths: `a.b` a key of
  an object, `a[]` every item of list a, `a?` may be absent or null (the rest of the path is then
  not read). The type is a JSON type: str, int, num (int or float), bool, list, dict; a trailing
  `?` allows null or absence. Each key carries the line that reads it.
* Keys the GUI reads but the original's OMA never returned (bugs inside the original) are left
  out of `reads` and listed in `seed_gaps` with the reason.

Every proxy route parses the OMA's answer with `await response.json()` on success (for example
gui/src/app/api/schedules/[id]/route.ts:101), so every row's answer must be a JSON body.
"""
from __future__ import annotations

from dataclasses import dataclass, field

OK = tuple(range(200, 300))
NO_BODY = object()


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    source: str
    body: object = NO_BODY
    statuses: tuple[int, ...] = OK
    reads: dict[str, tuple[str, str]] = field(default_factory=dict)
    setup: str = "world"
    seed_gaps: tuple[str, ...] = ()
    note: str = ""
    label: str = ""  # tells apart two rows of one route

    @property
    def id(self) -> str:
        name = f"{self.method} {self.path.split('?')[0]}"
        return f"{name} [{self.label}]" if self.label else name


_SCHEDULE_ITEM = {  # gui/src/app/schedules/page.tsx and machine-groups/page.tsx read these of each schedule
    "schedules[].id": ("str", "gui/src/app/schedules/page.tsx:458"),
    "schedules[].name": ("str", "gui/src/app/schedules/page.tsx:463"),
    "schedules[].description": ("str?", "gui/src/app/schedules/page.tsx:466"),
    "schedules[].cron_expression": ("str", "gui/src/app/schedules/page.tsx:471 (and :238 .split)"),
    "schedules[].timezone": ("str", "gui/src/app/schedules/page.tsx:472"),
    "schedules[].max_concurrent_jobs": ("int", "gui/src/app/schedules/page.tsx:475"),
    "schedules[].retry_attempts": ("int", "gui/src/app/schedules/page.tsx:476"),
    "schedules[].retry_delay_minutes": ("int", "gui/src/app/schedules/page.tsx:248"),
    "schedules[].enabled": ("bool", "gui/src/app/schedules/page.tsx:480; machine-groups/page.tsx:500"),
}

# The schedule form as the page sends it: defaults of gui/src/app/schedules/page.tsx:139-149, with
# "daily at 2:00" built by buildCronExpression (page.tsx:106-107).
_SCHEDULE_FORM = {
    "name": "{name}", "description": "", "cron_expression": "0 0 2 * * *", "timezone": "Europe/London",
    "max_concurrent_jobs": 5, "retry_attempts": 3, "retry_delay_minutes": 15, "skip_if_running": True,
    "enabled": True,
}

# The group form (gui/src/app/machine-groups/page.tsx:71-77), schedule_id "" sent as null (:147).
_GROUP_FORM = {"name": "{name}", "description": "", "schedule_id": None, "max_concurrent_vms": 5, "priority": 0}

# The credential form (gui/src/components/settings/VMwareCredentialsManager.tsx:38-46, sent whole at :76).
_CREDENTIAL_FORM = {
    "credential_name": "{name}", "vcenter_host": "{vcenter_host}", "username": "{username}",
    "password": "{password}", "datacenter": "{datacenter}", "is_active": True, "is_default": False,
}

_GROUP_ITEM = {  # machine-groups/page.tsx:344-373 and vm-assignment/page.tsx:317-454
    "groups[].id": ("str", "gui/src/app/machine-groups/page.tsx:347; vm-assignment/page.tsx:317"),
    "groups[].name": ("str", "gui/src/app/machine-groups/page.tsx:352; vm-assignment/page.tsx:318"),
    "groups[].description": ("str?", "gui/src/app/machine-groups/page.tsx:358"),
    "groups[].schedule_id": ("str?", "gui/src/app/machine-groups/page.tsx:345"),
    "groups[].max_concurrent_vms": ("int", "gui/src/app/machine-groups/page.tsx:373"),
    "groups[].priority": ("int", "gui/src/app/machine-groups/page.tsx:353; vm-assignment/page.tsx:454"),
}

CALLS: list[Call] = [
    # --- schedules -----------------------------------------------------------------------------
    Call("GET", "/schedules", "gui/src/app/schedules/page.tsx:157 (proxy app/api/schedules/route.ts:17)",
         reads={"schedules": ("list", "gui/src/app/schedules/page.tsx:163"), **_SCHEDULE_ITEM},
         note="list"),
    Call("POST", "/schedules", "gui/src/app/schedules/page.tsx:180-196 (proxy app/api/schedules/route.ts:49)",
         body={**_SCHEDULE_FORM, "created_by": "web-gui"}, setup="names",
         note="create; only response.ok is read (page.tsx:197)"),
    Call("GET", "/schedules/{schedule_id}", "gui/src/app/schedules/[id]/page.tsx:160 (proxy app/api/schedules/[id]/route.ts:13)",
         setup="schedule_with_runs",
         seed_gaps=("schedule.* — [id]/page.tsx:166 reads data.schedule, but the original's GetScheduleByID "
                    "answers the bare schedule (handlers/schedule_management.go:353): broken in the original",)),
    Call("PUT", "/schedules/{schedule_id}", "gui/src/app/schedules/page.tsx:369-384 (proxy app/api/schedules/[id]/route.ts:48)",
         body=_SCHEDULE_FORM, setup="fresh_schedule",
         note="edit; only response.ok is read (page.tsx:385)"),
    Call("DELETE", "/schedules/{schedule_id}", "gui/src/app/schedules/page.tsx:324-326 (proxy app/api/schedules/[id]/route.ts:83)",
         setup="fresh_schedule", label="unused", note="unused schedule; only response.ok is read (page.tsx:328)"),
    Call("DELETE", "/schedules/{schedule_id}", "gui/src/app/schedules/page.tsx:324-345 (proxy app/api/schedules/[id]/route.ts:90-98 forwards the error body)",
         setup="schedule_in_use", statuses=(409,),
         reads={"error": ("str", "gui/src/app/schedules/page.tsx:337-339 (errorMsg.includes('machine groups'))")},
         label="in use", note="in use by a group: 409",
         seed_gaps=("the original's message is 'cannot delete schedule: N machine groups are still using this "
                    "schedule' (handlers/schedule_management.go:560); page.tsx:339 only picks its friendlier "
                    "text when `error` includes 'machine groups' — any string works",)),
    Call("POST", "/schedules/{schedule_id}/enable", "gui/src/app/schedules/[id]/page.tsx:234-238 (proxy app/api/schedules/[id]/enable/route.ts:14)",
         body={"enabled": False}, setup="fresh_schedule",
         note="disable; only response.ok is read (page.tsx:240)"),
    Call("POST", "/schedules/{schedule_id}/trigger", "gui/src/app/schedules/[id]/page.tsx:208-210 (proxy app/api/schedules/[id]/trigger/route.ts:13-18: Content-Type json, no body)",
         setup="schedule_to_trigger",
         note="run now, no body; only response.ok is read (page.tsx:212)",
         seed_gaps=("the original decodes the body (handlers/schedule_management.go:742-745), so the proxy's "
                    "empty POST got 400 'Invalid request body: EOF' there: the GUI's Run now never worked",)),
    Call("GET", "/schedules/{schedule_id}/executions?page=1&limit=20",
         "gui/src/app/schedules/[id]/page.tsx:179 (proxy app/api/schedules/[id]/executions/route.ts:14-24)",
         setup="schedule_with_runs",
         reads={
             "executions": ("list", "gui/src/app/schedules/[id]/page.tsx:187-189"),
             "executions[].status": ("str", "gui/src/app/schedules/[id]/page.tsx:408 (.toUpperCase)"),
             "executions[].created_at": ("str", "gui/src/app/schedules/[id]/page.tsx:411"),
             "executions[].started_at": ("str?", "gui/src/app/schedules/[id]/page.tsx:416-417"),
             "executions[].completed_at": ("str?", "gui/src/app/schedules/[id]/page.tsx:419-420"),
             "executions[].error_message": ("str?", "gui/src/app/schedules/[id]/page.tsx:427-429"),
             "executions[].jobs_created": ("int", "gui/src/app/schedules/[id]/page.tsx:438"),
             "executions[].jobs_failed": ("int", "gui/src/app/schedules/[id]/page.tsx:440"),
             "total_count": ("int", "gui/src/app/schedules/[id]/page.tsx:191"),
             "has_more": ("bool", "gui/src/app/schedules/[id]/page.tsx:192"),
         },
         seed_gaps=("executions[].id (page.tsx:401), executions[].jobs_completed (:439) and "
                    "executions[].execution_duration_seconds (:422) — the original's ScheduleExecutionResponse "
                    "names them execution_id, jobs_successful and duration_seconds "
                    "(handlers/schedule_management.go:133-150)",)),

    # --- machine groups ----------------------------------------------------------------------------
    Call("GET", "/machine-groups", "gui/src/app/machine-groups/page.tsx:84; vm-assignment/page.tsx:91 (proxy app/api/machine-groups/route.ts:8)",
         reads={"groups": ("list", "gui/src/app/machine-groups/page.tsx:94; vm-assignment/page.tsx:102"), **_GROUP_ITEM},
         note="list"),
    Call("POST", "/machine-groups", "gui/src/app/machine-groups/page.tsx:144-154 (proxy app/api/machine-groups/route.ts:39)",
         body=_GROUP_FORM, setup="names", label="no schedule", note="create without schedule; only response.ok is read (page.tsx:156)"),
    Call("POST", "/machine-groups", "gui/src/app/machine-groups/page.tsx:144-154 (proxy app/api/machine-groups/route.ts:39)",
         body={**_GROUP_FORM, "schedule_id": "{schedule_id}"}, setup="fresh_schedule",
         label="with schedule", note="create with a schedule"),
    Call("GET", "/machine-groups/{group_id}", "proxy only: gui/src/app/api/machine-groups/[id]/route.ts:13-29 (no page calls it)",
         setup="group_with_member"),
    Call("PUT", "/machine-groups/{group_id}", "gui/src/app/machine-groups/page.tsx:178-188 (proxy app/api/machine-groups/[id]/route.ts:48)",
         body={**_GROUP_FORM, "schedule_id": "{schedule_id}", "max_concurrent_vms": 3, "priority": 10},
         setup="fresh_group", note="edit; only response.ok is read (page.tsx:190)"),
    Call("DELETE", "/machine-groups/{group_id}", "gui/src/app/machine-groups/page.tsx:215-217 (proxy app/api/machine-groups/[id]/route.ts:84)",
         setup="fresh_group", note="empty group; only response.ok is read (page.tsx:219)"),
    Call("GET", "/machine-groups/{group_id}/vms",
         "gui/src/app/vm-assignment/page.tsx:107; machine-groups/page.tsx:100 (proxy app/api/machine-groups/[id]/vms/route.ts:13)",
         setup="group_with_member",
         reads={
             "vms": ("list", "gui/src/app/vm-assignment/page.tsx:113; machine-groups/page.tsx:107"),
             "vms[].vm_context_id": ("str", "gui/src/app/vm-assignment/page.tsx:461, :473 (removeVMFromGroup)"),
             "vms[].vm_name": ("str", "gui/src/app/vm-assignment/page.tsx:463"),
             "vms[].cpu_count": ("int?", "gui/src/app/vm-assignment/page.tsx:465"),
             "vms[].memory_mb": ("int?", "gui/src/app/vm-assignment/page.tsx:467"),
         }),
    Call("POST", "/machine-groups/{group_id}/vms", "gui/src/app/vm-assignment/page.tsx:145-153 (proxy app/api/machine-groups/[id]/vms/route.ts:48)",
         body={"vm_context_id": "{vm_context_id}", "enabled": True, "priority": 0}, setup="group_and_ungrouped_vm",
         note="assign one VM (drag-drop; bulk assign loops it at :206); only response.ok is read (:155)"),
    Call("DELETE", "/machine-groups/{group_id}/vms/{vm_context_id}",
         "gui/src/app/vm-assignment/page.tsx:174-179 (proxy app/api/machine-groups/[id]/vms/[vmId]/route.ts:13)",
         setup="group_with_member", note="remove; only response.ok is read (:181)"),

    # --- VMs ------------------------------------------------------------------------------------------
    Call("GET", "/discovery/ungrouped-vms",
         "gui/src/app/vm-assignment/page.tsx:72 via proxy app/api/vm-contexts/ungrouped/route.ts:8, which re-wraps "
         "{vms, count, retrieved_at} as {vm_contexts, count, retrieved_at} (:26-30)",
         setup="ungrouped_vm",
         reads={
             "vms": ("list", "gui/src/app/api/vm-contexts/ungrouped/route.ts:27; vm-assignment/page.tsx:83"),
             "vms[].context_id": ("str", "gui/src/app/vm-assignment/page.tsx:370, :262 (assign)"),
             "vms[].vm_name": ("str", "gui/src/app/vm-assignment/page.tsx:388"),
             "vms[].current_status": ("str", "gui/src/app/vm-assignment/page.tsx:390 (.replace)"),
             "vms[].vm_path": ("str", "gui/src/app/vm-assignment/page.tsx:394"),
             "vms[].cpu_count": ("int?", "gui/src/app/vm-assignment/page.tsx:396"),
             "vms[].memory_mb": ("int?", "gui/src/app/vm-assignment/page.tsx:397"),
             "vms[].os_type": ("str?", "gui/src/app/vm-assignment/page.tsx:398"),
             "count": ("int", "gui/src/app/api/vm-contexts/ungrouped/route.ts:28"),
             "retrieved_at": ("str", "gui/src/app/api/vm-contexts/ungrouped/route.ts:29"),
         },
         seed_gaps=("vms[].successful_jobs and vms[].total_jobs_run (vm-assignment/page.tsx:400) — the original's "
                    "UngroupedVMInfo has neither (handlers/enhanced_discovery.go:101-116)",)),
    Call("GET", "/vm-contexts",
         "gui/src/hooks/useVMContext.ts:100 (ModernVMTable, DashboardOverview) via proxy app/api/vm-contexts/route.ts:9, "
         "which maps each of data.vm_contexts (:26) to {vm_name, status, job_count, last_activity, current_job} (:44-61)",
         reads={
             "vm_contexts": ("list", "gui/src/app/api/vm-contexts/route.ts:26"),
             "vm_contexts[].vm_name": ("str", "gui/src/app/api/vm-contexts/route.ts:45"),
             "vm_contexts[].current_status": ("str", "gui/src/app/api/vm-contexts/route.ts:32, :46"),
             "vm_contexts[].total_jobs_run": ("int", "gui/src/app/api/vm-contexts/route.ts:47"),
             "vm_contexts[].last_job_at": ("str?", "gui/src/app/api/vm-contexts/route.ts:48"),
             "vm_contexts[].updated_at": ("str", "gui/src/app/api/vm-contexts/route.ts:48, :59"),
             "vm_contexts[].current_job_id": ("str?", "gui/src/app/api/vm-contexts/route.ts:32, :50-51"),
         },
         note="list",
         seed_gaps=("the proxy also calls GET /replications/{current_job_id} for replicating VMs "
                    "(route.ts:35): a replication route outside this table",)),
    Call("GET", "/vm-contexts/{vm_name}",
         "gui/src/hooks/useVMContext.ts:77 (ModernVMDetailTabs, RightContextPanel; proxy app/api/vm-contexts/[vmName]/route.ts:21) "
         "and the recent-jobs proxy app/api/vm-contexts/[vmName]/recent-jobs/route.ts:11-29",
         setup="vm_with_jobs",
         reads={
             "context": ("dict", "gui/src/app/api/vm-contexts/[vmName]/recent-jobs/route.ts:29"),
             "context.context_id": ("str", "gui/src/app/api/vm-contexts/[vmName]/recent-jobs/route.ts:29; components/layout/RightContextPanel.tsx:328"),
             "context.vm_name": ("str", "gui/src/components/layout/RightContextPanel.tsx:330"),
             "context.vmware_vm_id": ("str", "gui/src/components/layout/RightContextPanel.tsx:329"),
             "context.current_status": ("str", "gui/src/components/vm/ModernVMDetailTabs.tsx:207; layout/RightContextPanel.tsx:639"),
             "context.vcenter_host": ("str", "gui/src/components/layout/RightContextPanel.tsx:152"),
             "context.datacenter": ("str", "gui/src/components/layout/RightContextPanel.tsx:164"),
             "context.credential_id": ("int?", "gui/src/components/layout/RightContextPanel.tsx:108"),
             "context.current_job_id": ("str?", "gui/src/components/layout/RightContextPanel.tsx:731"),
             "context.last_job_at": ("str?", "gui/src/components/layout/RightContextPanel.tsx:746"),
             "context.cpu_count": ("int?", "gui/src/components/layout/RightContextPanel.tsx:760; vm/ModernVMDetailTabs.tsx:308"),
             "context.memory_mb": ("int?", "gui/src/components/layout/RightContextPanel.tsx:766; vm/ModernVMDetailTabs.tsx:319"),
             "context.power_state": ("str?", "gui/src/components/layout/RightContextPanel.tsx:775; vm/ModernVMDetailTabs.tsx:341"),
             "context.os_type": ("str?", "gui/src/components/layout/RightContextPanel.tsx:781; vm/ModernVMDetailTabs.tsx:333"),
             "current_job?.status": ("str", "gui/src/components/vm/ModernVMDetailTabs.tsx:206-207"),
             # components/vm/VMDetailTabs.tsx (no page imports it; read to be safe)
             "job_history[].id": ("str", "gui/src/components/vm/VMDetailTabs.tsx:280 (.substring)"),
             "job_history[].status": ("str", "gui/src/components/vm/VMDetailTabs.tsx:289"),
             "job_history[].created_at": ("str?", "gui/src/components/vm/VMDetailTabs.tsx:296"),
         },
         seed_gaps=("context.guest_os (ModernVMDetailTabs.tsx:333, falls back to os_type): not a column of the "
                    "original's VMReplicationContext (database/models.go:351-395)",
                    "disks, cbt_history: read only by components/vm/VMDetailTabs.tsx, which no page imports, "
                    "and only after checking they exist (:364, :417)")),
    Call("GET", "/vm-contexts/{context_id}/recent-jobs",
         "gui/src/components/jobs/UnifiedJobList.tsx:34 via proxy app/api/vm-contexts/[vmName]/recent-jobs/route.ts:39-57",
         setup="vm_with_jobs",
         reads={
             "jobs": ("list", "gui/src/components/jobs/UnifiedJobList.tsx:45"),
             "jobs[].job_id": ("str", "gui/src/components/jobs/UnifiedJobList.tsx:116"),
             "jobs[].status": ("str", "gui/src/components/jobs/UnifiedJobList.tsx:136"),
             "jobs[].display_name": ("str", "gui/src/components/jobs/UnifiedJobList.tsx:198"),
             "jobs[].progress": ("num", "gui/src/components/jobs/UnifiedJobList.tsx:199 (.toFixed)"),
             "jobs[].started_at": ("str", "gui/src/components/jobs/UnifiedJobList.tsx:202"),
             "jobs[].duration_seconds": ("num?", "gui/src/components/jobs/UnifiedJobList.tsx:203"),
             "jobs[].error_message": ("str?", "gui/src/components/jobs/UnifiedJobList.tsx:219-224"),
             "jobs[].actionable_steps?[]": ("str", "gui/src/components/jobs/UnifiedJobList.tsx:228-245 (.toLowerCase)"),
         }),
    Call("GET", "/failover/{job_id}/status",
         "gui/src/components/failover/UnifiedProgressTracker.tsx:74 via proxy app/api/failover/progress/[jobId]/route.ts:38-97",
         setup="running_failover",
         reads={
             "success": ("bool", "gui/src/app/api/failover/progress/[jobId]/route.ts:54"),
             "message": ("str?", "gui/src/app/api/failover/progress/[jobId]/route.ts:95"),
             "job_id": ("str", "gui/src/app/api/failover/progress/[jobId]/route.ts:79"),
             "status": ("str", "gui/src/app/api/failover/progress/[jobId]/route.ts:80; UnifiedProgressTracker.tsx:212 (.toUpperCase)"),
             "progress": ("num", "gui/src/app/api/failover/progress/[jobId]/route.ts:81; UnifiedProgressTracker.tsx:240"),
             "job_details": ("dict", "gui/src/app/api/failover/progress/[jobId]/route.ts:75"),
             "job_details.completed_steps": ("int", "gui/src/app/api/failover/progress/[jobId]/route.ts:82, :89"),
             "job_details.total_steps": ("int", "gui/src/app/api/failover/progress/[jobId]/route.ts:82, :89"),
             "job_details.metadata": ("dict?", "gui/src/app/api/failover/progress/[jobId]/route.ts:76"),
             "job_details.metadata?.failover_type": ("str?", "gui/src/app/api/failover/progress/[jobId]/route.ts:87"),
             "job_details.metadata?.vm_name": ("str?", "gui/src/app/api/failover/progress/[jobId]/route.ts:88"),
         },
         seed_gaps=("estimated_completion and elapsed_time (progress/[jobId]/route.ts:84-85) — the original's "
                    "JobStatusResponse has start_time and duration instead (handlers/failover.go:269-279)",)),

    # --- discovery ------------------------------------------------------------------------------------
    Call("POST", "/discovery/discover-vms",
         "gui/src/components/discovery/DiscoveryView.tsx:95-105 (proxy app/api/discovery/discover-vms/route.ts:8; "
         "an empty filter is `undefined`, so JSON.stringify leaves it out)",
         body={"credential_id": "{credential_id}", "create_context": False}, setup="credential",
         reads={
             "discovered_vms": ("list", "gui/src/components/discovery/DiscoveryView.tsx:113"),
             "discovered_vms[].id": ("str", "gui/src/components/discovery/DiscoveryView.tsx:290"),
             "discovered_vms[].name": ("str", "gui/src/components/discovery/DiscoveryView.tsx:292, :143"),
             "discovered_vms[].power_state": ("str", "gui/src/components/discovery/DiscoveryView.tsx:296"),
             "discovered_vms[].guest_os": ("str?", "gui/src/components/discovery/DiscoveryView.tsx:301 (.substring)"),
             "discovered_vms[].num_cpu": ("int", "gui/src/components/discovery/DiscoveryView.tsx:305"),
             "discovered_vms[].memory_mb": ("int", "gui/src/components/discovery/DiscoveryView.tsx:306"),
             "discovered_vms[].disks": ("list", "gui/src/components/discovery/DiscoveryView.tsx:200, :311 (.reduce, .length)"),
             "discovered_vms[].disks[].size_gb": ("num", "gui/src/components/discovery/DiscoveryView.tsx:201, :313"),
             "discovered_vms[].networks": ("list", "gui/src/components/discovery/DiscoveryView.tsx:319-323 (.length)"),
         },
         seed_gaps=("discovered_vms[].networks[].name (DiscoveryView.tsx:322) — the original's VMANetworkInfo has "
                    "label, network_name and mac_address (services/enhanced_discovery_service.go:80-84)",)),
    Call("POST", "/discovery/add-vms",
         "gui/src/components/discovery/DiscoveryView.tsx:136-146 (proxy app/api/discovery/add-vms/route.ts:8)",
         body={"credential_id": "{credential_id}", "vm_names": ["{vm_name}"], "added_by": "discovery-gui"},
         setup="credential_and_new_vm",
         note="add to management; only response.ok is read (:148)"),

    # --- vCenter credentials (VMwareCredentialsManager on the settings page; DiscoveryView's picker) -------
    Call("GET", "/vmware-credentials",
         "gui/src/components/settings/VMwareCredentialsManager.tsx:52; discovery/DiscoveryView.tsx:60 (proxy app/api/v1/vmware-credentials/route.ts:8)",
         setup="credential",
         reads={
             "credentials": ("list", "gui/src/components/settings/VMwareCredentialsManager.tsx:56; discovery/DiscoveryView.tsx:65"),
             "credentials[].id": ("int", "gui/src/components/discovery/DiscoveryView.tsx:214 (parseInt of the "
                                         "select's value); settings/VMwareCredentialsManager.tsx:35, :260"),
             "credentials[].credential_name": ("str", "gui/src/components/settings/VMwareCredentialsManager.tsx:227; discovery/DiscoveryView.tsx:220"),
             "credentials[].vcenter_host": ("str", "gui/src/components/settings/VMwareCredentialsManager.tsx:235"),
             "credentials[].username": ("str", "gui/src/components/settings/VMwareCredentialsManager.tsx:236"),
             "credentials[].datacenter": ("str", "gui/src/components/settings/VMwareCredentialsManager.tsx:237"),
             "credentials[].is_active": ("bool", "gui/src/components/settings/VMwareCredentialsManager.tsx:240"),
             "credentials[].is_default": ("bool", "gui/src/components/settings/VMwareCredentialsManager.tsx:228; discovery/DiscoveryView.tsx:68"),
             "credentials[].last_used": ("str?", "gui/src/components/settings/VMwareCredentialsManager.tsx:246"),
             "credentials[].usage_count": ("int", "gui/src/components/settings/VMwareCredentialsManager.tsx:250"),
         },
         note="list",
         seed_gaps=("credentials[].name (app/settings/vmware/page.tsx:138, a placeholder page) — the original "
                    "lists credential_name (database/models.go:536)",)),
    Call("POST", "/vmware-credentials",
         "gui/src/components/settings/VMwareCredentialsManager.tsx:73-77 (proxy app/api/v1/vmware-credentials/route.ts:40)",
         body=_CREDENTIAL_FORM, setup="credential_form",
         note="create; only response.ok is read (:79)"),
    Call("PUT", "/vmware-credentials/{credential_id}",
         "proxy only: gui/src/app/api/v1/vmware-credentials/[id]/route.ts:39-53 (no page calls it); body as the "
         "original's UpdateCredentials reads it (handlers/vmware_credentials.go:221-227)",
         body={**_CREDENTIAL_FORM, "credential_name": "{new_name}"}, setup="credential"),
    Call("DELETE", "/vmware-credentials/{credential_id}",
         "gui/src/components/settings/VMwareCredentialsManager.tsx:105-107 (proxy app/api/v1/vmware-credentials/[id]/route.ts:80)",
         setup="credential", note="a non-default set (delete is disabled for the default, :276); only response.ok is read (:109)"),
    Call("PUT", "/vmware-credentials/{credential_id}/set-default",
         "gui/src/components/settings/VMwareCredentialsManager.tsx:119-121 (proxy app/api/v1/vmware-credentials/[id]/set-default/route.ts:11-16: no body)",
         setup="credential", note="only response.ok is read (:123)"),
    Call("POST", "/vmware-credentials/{credential_id}/test",
         "gui/src/components/settings/VMwareCredentialsManager.tsx:134-138 (proxy app/api/v1/vmware-credentials/[id]/test/route.ts:11-16: no body)",
         setup="credential",
         reads={"message": ("str?", "gui/src/components/settings/VMwareCredentialsManager.tsx:143")},
         note="the test result is response.ok (:142)"),
    Call("GET", "/vmware-credentials/default",
         "proxy only: gui/src/app/api/v1/vmware-credentials/default/route.ts:8-25 (no page calls it)",
         setup="default_credential"),
]
