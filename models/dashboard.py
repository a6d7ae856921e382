"""Tables of the dashboard's own (never present in the appliance schema).

All are prefixed `dashboard_` so they cannot collide with appliance tables, and are created
by migrations that leave the appliance tables untouched.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, Enum, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from extensions import db
from models.types import JSONText, UTCDateTime, utcnow

ROLES = ("viewer", "operator", "admin")


class DashboardUser(UserMixin, db.Model):
    __tablename__ = "dashboard_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(Enum(*ROLES, name="dashboard_role"), nullable=False, default="viewer")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default="1")
    display_timezone: Mapped[Optional[str]] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime("datetime"), nullable=False, default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime"))

    @property
    def is_active(self) -> bool:  # Flask-Login
        return bool(self.active)

    def has_role(self, role: str) -> bool:
        """Roles are ordered: admin includes operator includes viewer."""
        return ROLES.index(self.role) >= ROLES.index(role)


class DashboardSession(db.Model):
    """A browser log-in. The cookie carries a random key whose digest is the row's id; a cookie
    whose row is gone is refused however valid its signature, so deleting rows ends sessions."""

    __tablename__ = "dashboard_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("dashboard_users.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime("datetime"), nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime("datetime"), nullable=False, default=utcnow,
                                                   index=True)


class DashboardApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 digest is stored."""

    __tablename__ = "dashboard_api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("dashboard_users.id", ondelete="CASCADE"), nullable=False, index=True)
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime("datetime"), nullable=False, default=utcnow)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime"))
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime"))


class DashboardAuditEvent(db.Model):
    """Who changed what, when, from where. Kept when the object itself is deleted."""

    __tablename__ = "dashboard_audit_events"
    __table_args__ = (
        Index("idx_dashboard_audit_ts", "ts"),
        Index("idx_dashboard_audit_object", "object_type", "object_id"),
        Index("idx_dashboard_audit_actor", "actor"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime("datetime6"), nullable=False, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    actor_kind: Mapped[str] = mapped_column(String(20), nullable=False, default="user")  # user | token | system
    action: Mapped[str] = mapped_column(String(100), nullable=False)
    object_type: Mapped[str] = mapped_column(String(50), nullable=False)
    object_id: Mapped[Optional[str]] = mapped_column(String(255))
    object_name: Mapped[Optional[str]] = mapped_column(String(255))
    before: Mapped[Optional[dict]] = mapped_column(JSONText())
    after: Mapped[Optional[dict]] = mapped_column(JSONText())
    remote_addr: Mapped[Optional[str]] = mapped_column(String(64))


class DashboardSchedulerLease(db.Model):
    """Leader election: the row's holder runs the scheduler until `expires_at`."""

    __tablename__ = "dashboard_scheduler_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[Optional[str]] = mapped_column(String(255))
    acquired_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime6"))
    heartbeat_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime6"))
    expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime6"))
    engine_heartbeat_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime6"))
    schedules_version: Mapped[Optional[int]] = mapped_column(Integer, default=0)
    info: Mapped[Optional[dict]] = mapped_column(JSONText())


class DashboardBannerDismissal(db.Model):
    """A user dismissed the last-operation banner of a VM for one particular operation."""

    __tablename__ = "dashboard_banner_dismissals"

    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("dashboard_users.id", ondelete="CASCADE"), primary_key=True)
    context_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64), nullable=False)
    dismissed_at: Mapped[datetime] = mapped_column(UTCDateTime("datetime"), nullable=False, default=utcnow)


class DashboardDispatchClaim(db.Model):
    """One VM dispatched by one execution: the primary key lets only one process start a
    replication for a VM within an execution, even when two schedulers overlap."""

    __tablename__ = "dashboard_dispatch_claims"

    execution_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    vm_context_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255), nullable=False)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime("datetime6"), nullable=False, default=utcnow)


class DashboardSchedulePolicy(db.Model):
    """A schedule's protection policy (package `protection`): its replication windows, what
    happens to VMs still queued when a window closes, its runtime limit and when repeated
    failures pause it. One row per schedule that has any; none means no limit."""

    __tablename__ = "dashboard_schedule_policies"

    schedule_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("replication_schedules.id", ondelete="CASCADE"), primary_key=True)
    #: [{"days": ["MON", ...], "start": "HH:MM", "end": "HH:MM"}], in the schedule's timezone;
    #: None or [] means replication is allowed at any time.
    windows: Mapped[Optional[list]] = mapped_column(JSONText())
    window_close_policy: Mapped[str] = mapped_column(String(10), nullable=False, default="defer",
                                                     server_default="defer")
    max_runtime_minutes: Mapped[Optional[int]] = mapped_column(Integer)
    pause_after_failures: Mapped[Optional[int]] = mapped_column(Integer)
    #: Finished runs in a row (their retries included) that left VMs failed.
    consecutive_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    paused_reason: Mapped[Optional[str]] = mapped_column(Text)
    paused_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime"))
    updated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime"), default=utcnow)

    # `schedule.policy` (None without a row); deleted with the schedule.
    schedule = relationship("ReplicationSchedule",
                            backref=backref("policy", uselist=False, cascade="all, delete-orphan", passive_deletes=True))


class DashboardBlackout(db.Model):
    """A dated period in which no slot starts (of every group, or of `group_ids` only)."""

    __tablename__ = "dashboard_blackouts"
    __table_args__ = (Index("idx_dashboard_blackouts_period", "starts_at", "ends_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(200), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime("datetime"), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime("datetime"), nullable=False)
    #: None: every group; else the ids of the groups it holds back.
    group_ids: Mapped[Optional[list]] = mapped_column(JSONText())
    created_by: Mapped[Optional[str]] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime("datetime"), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime("datetime"), nullable=False, default=utcnow)


class DashboardRPOTarget(db.Model):
    """A recovery point objective: of a machine group (`subject_type` group) or of one VM,
    overriding its group's (`subject_type` vm, `subject_id` the VM's context id)."""

    __tablename__ = "dashboard_rpo_targets"

    subject_type: Mapped[str] = mapped_column(String(10), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rpo_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime"), default=utcnow)


class DashboardProtectionState(db.Model):
    """Each VM's protection state as the last assessment found it (`protection.assess`)."""

    __tablename__ = "dashboard_protection_states"
    __table_args__ = (Index("idx_dashboard_protection_state", "state"),)

    vm_context_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    since: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime"))
    reason: Mapped[Optional[str]] = mapped_column(Text)
    group_id: Mapped[Optional[str]] = mapped_column(String(64))
    rpo_minutes: Mapped[Optional[int]] = mapped_column(Integer)
    rpo_source: Mapped[Optional[str]] = mapped_column(String(10))
    last_good_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime"))
    deadline_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime"))
    next_run_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime"))
    predicted_completion_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime"))
    predicted_minutes: Mapped[Optional[float]] = mapped_column(Float)
    duration_basis: Mapped[Optional[str]] = mapped_column(String(10))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime("datetime"), nullable=False, default=utcnow)


class DashboardProtectionSummary(db.Model):
    """When the fleet's protection was last assessed, and its counts by state."""

    __tablename__ = "dashboard_protection_summary"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime("datetime6"), nullable=False, default=utcnow)
    counts: Mapped[Optional[dict]] = mapped_column(JSONText())


class DashboardPolicyEvent(db.Model):
    """Something the protection policy noticed or did: a job that overran its window or its
    runtime, one running unusually long, a schedule paused after failures, a VM whose RPO
    state changed. `key` records each once (an event seen by two processes is one row)."""

    __tablename__ = "dashboard_policy_events"
    __table_args__ = (
        Index("idx_dashboard_policy_events_at", "at"),
        Index("idx_dashboard_policy_events_kind", "kind", "at"),
        Index("idx_dashboard_policy_events_subject", "subject_id"),
        Index("idx_dashboard_policy_events_execution", "execution_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    key: Mapped[str] = mapped_column(String(191), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    severity: Mapped[str] = mapped_column(String(10), nullable=False, default="warning")
    subject_type: Mapped[str] = mapped_column(String(20), nullable=False)
    subject_id: Mapped[Optional[str]] = mapped_column(String(64))
    subject_name: Mapped[Optional[str]] = mapped_column(String(255))
    schedule_id: Mapped[Optional[str]] = mapped_column(String(64))
    execution_id: Mapped[Optional[str]] = mapped_column(String(64))
    job_id: Mapped[Optional[str]] = mapped_column(String(191))
    message: Mapped[str] = mapped_column(Text, nullable=False)
    facts: Mapped[Optional[dict]] = mapped_column(JSONText())
    at: Mapped[datetime] = mapped_column(UTCDateTime("datetime6"), nullable=False, default=utcnow)
