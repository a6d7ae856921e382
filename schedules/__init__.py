"""Replication schedules: validation, create/update/delete/enable, preview, execution history.

Views (pages and the JSON API) call these functions; they raise the typed errors of
`domain_errors` and commit each change once, with its audit row, or not at all.
"""
from schedules.executions import (execution_to_dict, failed_job_errors, list_executions,  # noqa: F401
                                  schedule_has_running_execution)
from schedules.names import schedule_name, schedule_names, schedules_by_name, zones_in_use  # noqa: F401
from schedules.preview import MAX_PREVIEW_COUNT, schedule_preview  # noqa: F401
from schedules.schedules import (REPLICATION_TYPES, SCHEDULE_TYPES, ScheduleSummary,  # noqa: F401
                                  check_chain, create_schedule, delete_schedule, get_schedule,
                                  list_schedules, schedule_page, schedule_to_dict, set_schedule_enabled,
                                  trigger_schedule, update_schedule, validate_schedule_input)
