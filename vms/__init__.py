"""Managed VMs: finding one, how it is shown, what its status means for replication.

    find_vm(name_or_context_id)     # NotFound when no VM matches
    vm_context_details(vm_name)     # the VM page and GET /vm-contexts/{vm_name}
    vm_to_dict(vm)                  # the API representation
    is_failed_over(status)          # the rule the scheduler's conflict check applies
    list_vms(search, page)          # the VM list, each VM with its group
    dismiss_banner(user, vm, job)   # a user has read the last-operation banner of a VM
"""
from vms.banners import banner_dismissed, dismiss_banner
from vms.details import find_vm, operator_summary, vm_context_details
from vms.listing import VMRow, list_vms, vm_contexts
from vms.records import vm_to_dict
from vms.status import FAILOVER_WORDS, failover_words, is_failed_over

__all__ = ["FAILOVER_WORDS", "VMRow", "banner_dismissed", "dismiss_banner", "failover_words", "find_vm",
           "is_failed_over", "list_vms", "operator_summary", "vm_contexts", "vm_context_details", "vm_to_dict"]
