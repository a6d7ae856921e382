"""This process's scheduler service: started once per serving process, handed over on exit, on
SIGTERM and SIGINT, and across a fork (gunicorn --preload), told when schedules change."""
from __future__ import annotations

import atexit
import logging
import os
import signal
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
_stop_lock = threading.Lock()
_previous_handlers: dict[int, object] = {}
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


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
    _install_stop_signals()
    _service.start()
    log.info("Scheduler service started as %s", _service.holder)
    return _service


def stop_scheduler() -> None:
    """Stop the service and hand the lease over at once (tests, orderly shutdown)."""
    global _service
    # Held for the whole stop: the exit hook waits for a stop a signal began instead of letting
    # the process end while the lease is being handed back.
    with _stop_lock:
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


def _install_stop_signals() -> None:
    """SIGTERM and SIGINT begin the handover at once, then do what the signal did before.

    Under `flask run` SIGTERM's default action ends the process on the spot: no exit hook runs,
    the lease is left to expire and queued JobLog events are lost. gunicorn's workers have their
    own handlers (installed before the app loads); they are chained to, so a worker still stops as
    gunicorn means it to, and leaves through `sys.exit`, where the exit hooks run.
    """
    if threading.current_thread() is not threading.main_thread():
        return  # werkzeug's reloader serves from a thread, and its own SIGTERM handler exits cleanly
    for signum in STOP_SIGNALS:
        current = signal.getsignal(signum)
        if current is _on_stop_signal or current == signal.SIG_IGN or current is None:
            continue  # ignored (or set outside Python): not ours to turn into a stop
        _previous_handlers[signum] = current
        signal.signal(signum, _on_stop_signal)
        if signum == signal.SIGTERM:
            # Setting a handler undoes what gunicorn's worker asked for: SIGTERM must not break
            # off the system call of a request in progress.
            signal.siginterrupt(signum, False)


def _on_stop_signal(signum, frame) -> None:
    # The stop runs in its own thread: a handler runs between two statements of the main thread,
    # which may hold a lock (logging, the JobLog queue) that the stop needs. The thread is not a
    # daemon, so the interpreter waits for it before the exit hooks run.
    threading.Thread(target=_stop_quietly, name="scheduler-stop", daemon=False).start()
    previous = _previous_handlers.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)
        return
    # The default action would end the process before the handover and the JobLog flush (an
    # exit hook, logging.shutdown); leaving through SystemExit runs them, with the signal's status.
    raise SystemExit(128 + signum)


def _stop_quietly() -> None:
    try:
        stop_scheduler()
    except Exception:
        log.exception("The scheduler service did not stop cleanly")


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
