"""gunicorn settings, read when gunicorn is started from the project folder (`gunicorn wsgi:app`).

With `--preload` the master loads the app once and forks the workers from it. The master only
supervises them: it must not take the scheduler lease in the moments before it forks, so it is
marked here (this file runs in the master before the app is loaded) and each worker drops the mark
right after the fork. The app factory then prepares the scheduler in the master and starts it in
each worker; without `--preload` every worker loads the app and starts its own service.
"""
import os

MASTER_ENV = "DASHBOARD_GUNICORN_MASTER"  # runtime.GUNICORN_MASTER_ENV
os.environ[MASTER_ENV] = "1"


def post_fork(server, worker):
    os.environ.pop(MASTER_ENV, None)
