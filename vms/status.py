"""What a VM's `current_status` means for replication: the failed-over rule and its words."""
from __future__ import annotations

from models import FAILOVER_STATUSES

#: How a failed-over state reads in a sentence ("The VM is in test failover").
FAILOVER_WORDS = {"failed_over_test": "test failover", "failed_over_live": "live failover",
                  "cleanup_required": "failover cleanup pending"}


def is_failed_over(status: str | None) -> bool:
    """True while the VM runs on the destination (or its failover awaits cleanup): it must not
    be replicated until it is rolled back or the failover is completed."""
    return status in FAILOVER_STATUSES


def failover_words(status: str | None) -> str:
    """The failed-over state in operator words; the raw value for a state we do not know."""
    return FAILOVER_WORDS.get(status or "", str(status))
