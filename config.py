"""Configuration read from environment variables (12-factor).

Every variable is documented in the README's configuration table; `Config.from_env()`
is the single place that reads them so the table and the code cannot drift apart.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

BASE_DIR = Path(__file__).resolve().parent


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be an integer, got {raw!r}") from exc


def default_sqlite_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'dashboard.sqlite3'}"


def instance_secret_key(instance_path: Path) -> str:
    """The key kept in the instance folder, generated there on first use."""
    secret_file = instance_path / "secret_key"
    if secret_file.exists():
        return secret_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    secret_file.write_text(secret)
    secret_file.chmod(0o600)
    return secret


class Config:
    """Settings; values come from the environment with safe embedded defaults."""

    @staticmethod
    def from_env(overrides: Mapping[str, Any] | None = None) -> dict:
        """The settings, with `overrides` (the config given to `create_app`) over the environment.

        The instance folder and the secret key are resolved with the overrides applied: a
        configured INSTANCE_PATH or SECRET_KEY means nothing is written anywhere else.
        """
        overrides = dict(overrides or {})
        instance_path = Path(overrides.get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH")
                             or BASE_DIR / "instance")
        behind_tls = _bool("SESSION_COOKIE_SECURE", False)
        settings = {
            "INSTANCE_PATH": str(instance_path),
            "SECRET_KEY": os.environ.get("SECRET_KEY", ""),
            "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or default_sqlite_url(instance_path),
            # Sized for the scheduler's threads (fire, execution, maintenance) plus web requests:
            # a smaller pool makes the leader open and close connections under load.
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_recycle": 1800,
                                          "pool_size": _int("DATABASE_POOL_SIZE", 20),
                                          "max_overflow": _int("DATABASE_MAX_OVERFLOW", 20)},
            "OMA_API_URL": os.environ.get("OMA_API_URL", ""),
            "OMA_API_TOKEN": os.environ.get("OMA_API_TOKEN", ""),
            "VMA_API_URL": os.environ.get("VMA_API_URL", ""),
            "VCENTER_HOST": os.environ.get("VCENTER_HOST", ""),
            "VCENTER_USERNAME": os.environ.get("VCENTER_USERNAME", ""),
            "VCENTER_PASSWORD": os.environ.get("VCENTER_PASSWORD", ""),
            # The default datacenter of the configured vCenter's credential (vcenters).
            "VCENTER_DATACENTER": os.environ.get("VCENTER_DATACENTER", ""),
            # The OMA's key for vCenter passwords at rest (32 bytes, base64); when unset, a key
            # derived from SECRET_KEY (the OMA then cannot read credentials saved here).
            "MIGRATEKIT_CRED_ENCRYPTION_KEY": os.environ.get("MIGRATEKIT_CRED_ENCRYPTION_KEY", ""),
            "OSSEA_CONFIG_ID": _int("OSSEA_CONFIG_ID", 1),
            "TARGET_NETWORK": os.environ.get("TARGET_NETWORK", "default"),
            # With these two set the OMA client logs in (POST /api/v1/auth/login) and keeps the
            # session token; OMA_API_TOKEN is then not used.
            "OMA_LOGIN_TOKEN": os.environ.get("OMA_LOGIN_TOKEN", ""),
            "OMA_APPLIANCE_ID": os.environ.get("OMA_APPLIANCE_ID", "replication-dashboard"),
            "API_CONNECT_TIMEOUT": float(os.environ.get("API_CONNECT_TIMEOUT", "5")),
            "API_READ_TIMEOUT": float(os.environ.get("API_READ_TIMEOUT", "30")),
            # The OMA answers a replication request only once volumes are created and attached.
            "OMA_REPLICATION_TIMEOUT": float(os.environ.get("OMA_REPLICATION_TIMEOUT", "180")),
            # Every discovery lists the whole datacenter; the VMA allows itself 60 s.
            "VMA_DISCOVERY_TIMEOUT": float(os.environ.get("VMA_DISCOVERY_TIMEOUT", "90")),
            "SCHEDULER_ENABLED": _bool("SCHEDULER_ENABLED", True),
            "MIN_SCHEDULE_INTERVAL_SECONDS": _int("MIN_SCHEDULE_INTERVAL_SECONDS", 60),
            "MISSED_SLOT_GRACE_SECONDS": _int("MISSED_SLOT_GRACE_SECONDS", 300),
            "PROTECTION_SWEEP_SECONDS": _int("PROTECTION_SWEEP_SECONDS", 30),
            "PROTECTION_DEFAULT_DURATION_MINUTES": _int("PROTECTION_DEFAULT_DURATION_MINUTES", 60),
            "SCHEDULER_LEASE_SECONDS": _int("SCHEDULER_LEASE_SECONDS", 20),
            "SCHEDULER_TICK_SECONDS": float(os.environ.get("SCHEDULER_TICK_SECONDS", "2")),
            "SCHEDULER_WATCHDOG_SECONDS": float(os.environ.get("SCHEDULER_WATCHDOG_SECONDS", "15")),
            "SCHEDULER_RECONCILE_SECONDS": float(os.environ.get("SCHEDULER_RECONCILE_SECONDS", "2")),
            "PHANTOM_CHECK_SECONDS": _int("PHANTOM_CHECK_SECONDS", 300),
            "SCHEDULER_FIRE_WORKERS": _int("SCHEDULER_FIRE_WORKERS", 20),
            "SCHEDULER_EXECUTION_WORKERS": _int("SCHEDULER_EXECUTION_WORKERS", 16),
            "SCHEDULER_DISPATCH_WORKERS": _int("SCHEDULER_DISPATCH_WORKERS", 8),
            # After an unanswered replication request, look this long for the job row the OMA
            # writes before calling the VM failed (0: the replication timeout plus a minute).
            "SCHEDULER_DISPATCH_GRACE_SECONDS": float(os.environ.get("SCHEDULER_DISPATCH_GRACE_SECONDS", "0")),
            "SCHEDULER_SETUP_STUCK_MINUTES": _int("SCHEDULER_SETUP_STUCK_MINUTES", 30),
            "SCHEDULER_EXECUTION_TIMEOUT_HOURS": float(os.environ.get("SCHEDULER_EXECUTION_TIMEOUT_HOURS", "24")),
            # Read progress from the VMA when replication_jobs stops moving (OMA versions
            # without their own progress poller).
            "PROGRESS_FROM_VMA": _bool("PROGRESS_FROM_VMA", False),
            "SCHEDULER_SPECS_MAX_AGE_SECONDS": float(os.environ.get("SCHEDULER_SPECS_MAX_AGE_SECONDS", "10")),
            "DEMO": _bool("DEMO", False),
            # The simulated OMA and VMA listen on two ports (0: a free one each).
            "SIMULATOR_PORT": _int("SIMULATOR_PORT", 0),
            "SIMULATOR_VMA_PORT": _int("SIMULATOR_VMA_PORT", 0),
            # Where the simulated appliance logs (default: simulator.log in the instance folder).
            "SIMULATOR_LOG_FILE": os.environ.get("SIMULATOR_LOG_FILE", ""),
            "SIMULATOR_FAILURE_RATE": float(os.environ.get("SIMULATOR_FAILURE_RATE", "0.12")),
            "SIMULATOR_TICK_SECONDS": float(os.environ.get("SIMULATOR_TICK_SECONDS", "5")),
            "SIMULATOR_PROVISION_SECONDS": float(os.environ.get("SIMULATOR_PROVISION_SECONDS", "3")),
            "SIMULATOR_DISCOVERY_SECONDS": float(os.environ.get("SIMULATOR_DISCOVERY_SECONDS", "0.2")),
            "SIMULATOR_SETUP_FAILURE_RATE": float(os.environ.get("SIMULATOR_SETUP_FAILURE_RATE", "0.03")),
            "SIMULATOR_FAILOVER_INTERVAL_SECONDS": float(os.environ.get("SIMULATOR_FAILOVER_INTERVAL_SECONDS", "240")),
            "DISPLAY_TIMEZONE": os.environ.get("DISPLAY_TIMEZONE", "UTC"),
            "PAGE_POLL_INTERVAL_SECONDS": _int("PAGE_POLL_INTERVAL_SECONDS", 2),
            "PAGE_IDLE_POLL_INTERVAL_SECONDS": _int("PAGE_IDLE_POLL_INTERVAL_SECONDS", 20),
            "ADMIN_PASSWORD": os.environ.get("ADMIN_PASSWORD", ""),
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": behind_tls,
            "REMEMBER_COOKIE_SECURE": behind_tls,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
            "JOBLOG_QUEUE_SIZE": _int("JOBLOG_QUEUE_SIZE", 10000),
            "JOBLOG_OVERFLOW": os.environ.get("JOBLOG_OVERFLOW", "drop_oldest"),
            "JOBLOG_BATCH_SIZE": _int("JOBLOG_BATCH_SIZE", 500),
            "JOBLOG_FLUSH_INTERVAL": float(os.environ.get("JOBLOG_FLUSH_INTERVAL", "0.2")),
            "WTF_CSRF_TIME_LIMIT": None,  # a dashboard left open for a whole shift keeps working
            "WTF_CSRF_HEADERS": ["X-CSRFToken", "X-CSRF-Token"],
            "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
            "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5 per minute"),
            "LOGIN_RATE_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_RATE_LIMIT_PER_ADDRESS", "30 per minute"),
            "SESSION_LIFETIME_HOURS": float(os.environ.get("SESSION_LIFETIME_HOURS", "12")),
            "TRUSTED_PROXY_COUNT": _int("TRUSTED_PROXY_COUNT", 0),
            "WTF_CSRF_CHECK_DEFAULT": False,  # checked by the access guard, see security.access
        }
        settings.update(overrides)
        settings["INSTANCE_PATH"] = str(instance_path)
        if not settings["SECRET_KEY"]:
            settings["SECRET_KEY"] = instance_secret_key(instance_path)
        return settings
