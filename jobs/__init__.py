"""Unified jobs: replication jobs and JobLog operations (failover, rollback) as one timeline.

Pages and the API call these; every text an operator reads is sanitized here.
"""
from jobs.fingerprint import Fingerprint, jobs_fingerprint  # noqa: F401
from jobs.items import DISPLAY_NAMES, JOB_TYPES, UNIFIED_STATUSES, step_to_dict  # noqa: F401
from jobs.lookup import JobRef, find_job_by_any_id, resolve_any_id  # noqa: F401
from jobs.progress import failover_status, job_logs, job_progress  # noqa: F401
from jobs.summary import build_operation_summary, write_operation_summary  # noqa: F401
from jobs.unified import (JobFilter, JobPage, build_filter, count_jobs, list_jobs, load_items,  # noqa: F401
                          recent_jobs_for_context)
