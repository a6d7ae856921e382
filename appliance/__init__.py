"""HTTP clients of the appliance's APIs: VMA discovery and job status, OMA replication.

Both go through `requests` with connect and read timeouts; every failure becomes an
`ApplianceError` with a category the scheduler's retry policy understands, the raw technical
detail for logs (never shown to operators, never containing a secret) and an operator message
produced by the sanitizer.
"""
from appliance.errors import CATEGORIES, ApplianceError
from appliance.oma import OMAClient
from appliance.vma import JobProgress, UnknownDatacenterError, VMAClient

__all__ = ["CATEGORIES", "ApplianceError", "JobProgress", "OMAClient", "UnknownDatacenterError", "VMAClient"]
