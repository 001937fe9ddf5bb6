"""A throwaway MariaDB server on loopback, started from Debian's ``mariadb-server`` binaries (tests and benchmarks)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pymysql

INSTALL_DB = "mariadb-install-db"
SERVER = "mariadbd"
SERVER_DIRS = ("/usr/sbin", "/usr/libexec", "/usr/local/sbin")


def find_binaries() -> tuple[str, str] | None:
    """Paths of ``mariadb-install-db`` and ``mariadbd``, or None when MariaDB is not installed."""
    path = os.pathsep.join([os.environ.get("PATH", ""), *SERVER_DIRS])
    install, server = shutil.which(INSTALL_DB, path=path), shutil.which(SERVER, path=path)
    return (install, server) if install and server else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MariaDBServer:
    """One ``mariadbd`` process with its own datadir, port and socket; ``kill`` + ``start`` keep both."""

    def __init__(self, base: Path, port: int | None = None, binaries: tuple[str, str] | None = None):
        found = binaries or find_binaries()
        if found is None:
            raise FileNotFoundError("mariadb-server is not installed (apt-get install -y mariadb-server)")
        self.install_db, self.server = found
        self.base = base
        self.datadir = base / "data"
        self.socket = base / "mariadb.sock"
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    def url(self, database: str) -> str:
        """A store URL for ``database`` on this server (root, no password, no TLS)."""
        return f"mysql://root@127.0.0.1:{self.port}/{database}?tls=false"

    def start(self, timeout: float = 30.0) -> "MariaDBServer":
        """Initialise the datadir on first start, launch the server and wait until it accepts connections."""
        if not self.datadir.exists():
            self._install()
        log = open(self.base / "mariadbd.log", "ab")
        # --no-defaults: the machine's /etc/mysql config must not leak in (port, socket, bind address).
        self.process = subprocess.Popen(
            [self.server, "--no-defaults", f"--datadir={self.datadir}", "--user=root", "--bind-address=127.0.0.1",
             f"--port={self.port}", f"--socket={self.socket}", f"--pid-file={self.base / 'mariadbd.pid'}",
             "--skip-name-resolve", "--innodb-buffer-pool-size=128M", "--max-allowed-packet=64M",
             "--character-set-server=utf8mb4", "--collation-server=utf8mb4_bin"],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self._wait_ready(timeout)
        return self

    def _install(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [self.install_db, "--no-defaults", f"--datadir={self.datadir}", "--user=root",
             "--auth-root-authentication-method=normal", "--skip-test-db"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"mariadbd exited with {self.process.returncode}; see {self.base / 'mariadbd.log'}")
            try:
                pymysql.connect(host="127.0.0.1", port=self.port, user="root", connect_timeout=1).close()
                return
            except pymysql.err.OperationalError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"mariadbd not ready after {timeout} s; see {self.base / 'mariadbd.log'}")
                time.sleep(0.1)

    def admin(self, sql: str) -> None:
        """Run one statement as root outside any database (CREATE / DROP DATABASE)."""
        conn = pymysql.connect(host="127.0.0.1", port=self.port, user="root", autocommit=True)
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def kill(self) -> None:
        """SIGKILL the server (a crash: no clean shutdown, no flush beyond what InnoDB already made durable)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        """Clean shutdown (SIGTERM), falling back to SIGKILL."""
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None
