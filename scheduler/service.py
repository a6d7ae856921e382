"""This process's scheduler service: started once per serving process, handed over on exit and
across a fork (gunicorn --preload), told when schedules change."""
from __future__ import annotations

import atexit
import logging
import os
import threading

import click
from flask import Flask
from flask.helpers import get_debug_flag

from scheduler.engine import SchedulerService
from scheduler.lease import bump_schedules_version

log = logging.getLogger(__name__)
_service = None
_fork_hooks_installed = False
_exit_hook_installed = False


def start_scheduler(app: Flask, wait_for_fork: bool = False):
    """Start this process's scheduler service (lease supervisor; engine when it leads).

    `wait_for_fork`: this process only loads the app for the processes it forks (gunicorn's
    master with `--preload`): the service is prepared but started in each forked child, so the
    master never takes the lease in the moments before it forks."""
    global _service, _exit_hook_installed
    if _reloader_watcher():
        log.info("Scheduler not started in the reloader's watcher process; the serving process runs it")
        return None
    if _service is not None and _service.app is app:
        return _service
    if _service is not None:
        _service.stop()
    _service = SchedulerService(app)
    _install_fork_hooks()
    if not _exit_hook_installed:
        # An orderly exit (gunicorn worker stopped, Ctrl-C) hands the lease over at once
        # instead of leaving the standbys to wait for it to expire.
        atexit.register(stop_scheduler)
        _exit_hook_installed = True
    if wait_for_fork:
        log.info("Scheduler service left to the gunicorn workers (the app is preloaded in the master)")
        return _service
    _service.start()
    log.info("Scheduler service started as %s", _service.holder)
    return _service


def stop_scheduler() -> None:
    """Stop the service and hand the lease over at once (tests, orderly shutdown)."""
    global _service
    if _service is not None:
        _service.stop()
        _service = None


def local_service():
    """This process's scheduler service, or None when it does not run one."""
    return _service


def wake_local_scheduler() -> None:
    """Make this process's supervisor tick now (e.g. a manual run was just requested)."""
    if _service is not None:
        _service.wake()


def schedules_changed() -> None:
    """Call after committing a change to schedules or groups: every process's leader reloads
    within a tick. Commits its own small write."""
    bump_schedules_version()
    wake_local_scheduler()


def _reloader_watcher() -> bool:
    """True in the first process of `flask run` with the reloader: it only watches files and
    restarts the serving child (which has WERKZEUG_RUN_MAIN set). A scheduler there would keep
    the lease with stale code across every reload."""
    if os.environ.get("WERKZEUG_RUN_MAIN") == "true":
        return False
    context = click.get_current_context(silent=True)
    if context is None or context.info_name != "run" or "reload" not in context.params:
        return False
    reload = context.params.get("reload")
    if reload is None:
        reload = get_debug_flag()
    return bool(reload)


def _install_fork_hooks() -> None:
    """gunicorn --preload forks workers from a process that already started the service: the
    parent stops competing, each child starts afresh (threads do not survive a fork)."""
    global _fork_hooks_installed
    if _fork_hooks_installed or not hasattr(os, "register_at_fork"):
        return
    _fork_hooks_installed = True

    def before_fork():
        if _service is not None and _service.role != "forked-parent":
            _service._stop.set()
            _service._wake.set()
            _service.role = "forked-parent"

    def after_in_parent():
        if _service is not None and _service.role == "forked-parent":
            threading.Thread(target=_service.stop, name="scheduler-handover", daemon=True).start()

    def after_in_child():
        if _service is not None:
            _service.after_fork_in_child()

    os.register_at_fork(before=before_fork, after_in_parent=after_in_parent, after_in_child=after_in_child)
