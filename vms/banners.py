"""Which last-operation banners each user has dismissed, per VM and per operation.

A later operation has another job id, so its banner shows again until dismissed in turn.
"""
from __future__ import annotations

from extensions import db
from models import DashboardBannerDismissal, utcnow


def banner_dismissed(user_id: int, context_id: str, job_id: str | None) -> bool:
    """Whether this user dismissed the last-operation banner of this VM for this very operation."""
    dismissal = db.session.get(DashboardBannerDismissal, (user_id, context_id))
    return dismissal is not None and dismissal.job_id == (job_id or "")


def dismiss_banner(user_id: int, context_id: str, job_id: str) -> None:
    """Remember that the user has read the banner of operation `job_id` on this VM."""
    dismissal = db.session.get(DashboardBannerDismissal, (user_id, context_id))
    if dismissal is None:
        db.session.add(DashboardBannerDismissal(user_id=user_id, context_id=context_id, job_id=job_id,
                                                dismissed_at=utcnow()))
    else:
        dismissal.job_id = job_id
        dismissal.dismissed_at = utcnow()
    db.session.commit()
