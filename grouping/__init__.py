"""Machine groups and VM membership: a VM is in at most one group; moving it is one change.

Membership count is not limited by `max_concurrent_vms`, which is a concurrency limit applied
by the scheduler when an execution dispatches jobs.
"""
from grouping.coverage import CoveredGroup, schedule_coverage  # noqa: F401
from grouping.groups import (GroupSummary, count_groups, create_group, delete_group, get_group, group_names,  # noqa: F401
                             group_summary,
                             group_to_dict, list_groups, update_group, validate_group_input)
from grouping.membership import (AssignmentBoard, AssignResult, MemberRow, assign_vm, assign_vms,  # noqa: F401
                                 assignment_board, group_members, member_to_dict, membership_row, place_member,
                                 remove_vm, reorder_members, set_vm_group, stage_assignment,
                                 ungroup_vms, ungrouped_vms, vm_group_id)
