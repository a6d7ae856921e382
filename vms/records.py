"""A managed VM (`vm_replication_contexts` row) as the API and the pages show it."""
from __future__ import annotations

from typing import Any

from models import VMReplicationContext


def vm_to_dict(vm: VMReplicationContext) -> dict[str, Any]:
    """A VM context as the API shows it (no credentials: the table holds none we expose)."""
    return {
        "context_id": vm.context_id,
        "vm_name": vm.vm_name,
        "vmware_vm_id": vm.vmware_vm_id,
        "vm_path": vm.vm_path,
        "vcenter_host": vm.vcenter_host,
        "datacenter": vm.datacenter,
        "current_status": vm.current_status,
        "current_job_id": vm.current_job_id,
        "total_jobs_run": vm.total_jobs_run or 0,
        "successful_jobs": vm.successful_jobs or 0,
        "failed_jobs": vm.failed_jobs or 0,
        "last_successful_job_id": vm.last_successful_job_id,
        "cpu_count": vm.cpu_count,
        "memory_mb": vm.memory_mb,
        "os_type": vm.os_type,
        "power_state": vm.power_state,
        "auto_added": bool(vm.auto_added),
        "scheduler_enabled": vm.scheduler_enabled is not False,
        "next_scheduled_at": vm.next_scheduled_at.isoformat() if vm.next_scheduled_at else None,
        "last_scheduled_job_id": vm.last_scheduled_job_id,
        "created_at": vm.created_at.isoformat() if vm.created_at else None,
        "last_job_at": vm.last_job_at.isoformat() if vm.last_job_at else None,
        # The rest of the original API's VMReplicationContext (database/models.go [sendense 8b7d59b]).
        "updated_at": vm.updated_at.isoformat() if vm.updated_at else None,
        "first_job_at": vm.first_job_at.isoformat() if vm.first_job_at else None,
        "last_status_change": vm.last_status_change.isoformat() if vm.last_status_change else None,
        "vm_tools_version": vm.vm_tools_version,
        "ossea_config_id": vm.ossea_config_id,
        "credential_id": vm.credential_id,
    }
