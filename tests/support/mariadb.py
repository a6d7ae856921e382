"""A throwaway MariaDB server for tests and benchmarks.

Started from Debian's `mariadbd` with a temporary data directory, listening on a loopback port
and a unix socket, and stopped at the end. No system service, no docker.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pymysql

from tests.support.polling import NotWithin, eventually
from tests.support.ports import free_port

SEARCH_PATH = ("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin")


class MariaDBUnavailable(RuntimeError):
    pass


def _find(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in SEARCH_PATH:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    return None



class MariaDBServer:
    """`with MariaDBServer() as server: server.url("dbname")`."""

    def __init__(self, base_dir: str | None = None):
        self.base_dir = Path(base_dir or tempfile.mkdtemp(prefix="mariadb-test-"))
        self.datadir = self.base_dir / "data"
        self.socket = self.base_dir / "mysqld.sock"
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log_file = self.base_dir / "error.log"

    def start(self, timeout: float = 60.0) -> "MariaDBServer":
        mariadbd = _find("mariadbd") or _find("mysqld")
        install_db = _find("mariadb-install-db") or _find("mysql_install_db")
        if not mariadbd or not install_db:
            raise MariaDBUnavailable(
                "MariaDB server binaries (mariadbd, mariadb-install-db) were not found. "
                "Install them with `apt-get install mariadb-server` (make test does this when run as root).")
        init = subprocess.run(
            [install_db, "--no-defaults", f"--datadir={self.datadir}", "--auth-root-authentication-method=normal",
             "--skip-test-db", "--skip-name-resolve", *self._user_args()],
            capture_output=True, text=True)
        if init.returncode != 0:
            raise MariaDBUnavailable(f"mariadb-install-db failed:\n{init.stdout}\n{init.stderr}")
        self._launch(timeout)
        return self

    @staticmethod
    def _user_args() -> list[str]:
        return ["--user=root"] if os.geteuid() == 0 else []

    def _launch(self, timeout: float) -> None:
        mariadbd = _find("mariadbd") or _find("mysqld")
        self.process = subprocess.Popen(
            [mariadbd, "--no-defaults", f"--datadir={self.datadir}", f"--socket={self.socket}",
             f"--port={self.port}", "--bind-address=127.0.0.1", f"--log-error={self.log_file}",
             f"--pid-file={self.base_dir / 'mysqld.pid'}", "--skip-name-resolve", "--skip-log-bin",
             "--innodb-buffer-pool-size=256M", "--innodb-flush-log-at-trx-commit=2", "--innodb-doublewrite=0",
             "--max-connections=500", "--character-set-server=utf8mb4",
             "--collation-server=utf8mb4_general_ci", "--default-time-zone=+00:00", *self._user_args()],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        last_error: Exception | None = None

        def accepting() -> bool:
            nonlocal last_error
            if self.process.poll() is not None:
                raise MariaDBUnavailable(f"mariadbd exited with {self.process.returncode}:\n{self._log_tail()}")
            try:
                conn = pymysql.connect(host="127.0.0.1", port=self.port, user="root", password="", connect_timeout=2)
            except pymysql.err.OperationalError as exc:
                last_error = exc
                return False
            conn.close()
            return True

        try:
            eventually(accepting, "mariadbd accepts connections", timeout, 0.2)
        except NotWithin:
            self.stop()
            raise MariaDBUnavailable(f"mariadbd did not accept connections within {timeout:.0f} s ({last_error}):\n"
                                     f"{self._log_tail()}") from None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def halt(self) -> None:
        """Stop the server as an outage would, keeping its data for `resume`."""
        self._terminate()

    def resume(self, timeout: float = 60.0) -> None:
        """Start a halted server again, on the same port with the same data."""
        if not self.running:
            self._launch(timeout)

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no error log)"

    def connect(self, database: str | None = None, **kwargs):
        return pymysql.connect(host="127.0.0.1", port=self.port, user="root", password="", database=database,
                               autocommit=True, **kwargs)

    def create_database(self, name: str) -> str:
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
                cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
        finally:
            conn.close()
        return self.url(name)

    def url(self, database: str) -> str:
        return f"mysql+pymysql://root@127.0.0.1:{self.port}/{database}?charset=utf8mb4"

    def _terminate(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        self._terminate()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> "MariaDBServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
