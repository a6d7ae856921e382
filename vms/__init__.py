"""Managed VMs: finding one, how it is shown, what its status means for replication.

    find_vm(name_or_context_id)     # NotFound when no VM matches
    vm_context_details(vm_name)     # the VM page and GET /vm-contexts/{vm_name}
    vm_to_dict(vm)                  # the API representation
    is_failed_over(status)          # the rule the scheduler's conflict check applies
"""
from vms.details import find_vm, operator_summary, vm_context_details
from vms.records import vm_to_dict
from vms.status import FAILOVER_WORDS, failover_words, is_failed_over

__all__ = ["FAILOVER_WORDS", "failover_words", "find_vm", "is_failed_over", "operator_summary",
           "vm_context_details", "vm_to_dict"]
