"""A real server on a free loopback port, over a private copy of the session's ingested home."""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import uvicorn

from autodevops.settings import Settings
from autodevops.web.app import Limits, create_app

PORT_CLASH = ("Creating network \"shop_default\" with the default driver\n"
              "Creating shop_db_1 ... error\n"
              "ERROR: for db  Cannot start service db: driver failed programming external connectivity on endpoint "
              "shop_db_1: Bind for 0.0.0.0:5432 failed: port is already allocated\n"
              "ERROR: Encountered errors while bringing up the project.\n")
# Small enough that the tests can go past them cheaply.
TEST_LIMITS = Limits(log_bytes=256 * 1024, archive_bytes=2 * 1024 * 1024, other_bytes=64 * 1024)


class LiveServer:
    """``create_app`` served by uvicorn in a thread, on a socket bound to a free loopback port."""

    def __init__(self, home: Path, token: str | None = None, reports: Path | None = None,
                 limits: Limits = TEST_LIMITS):
        with pytest.MonkeyPatch.context() as env:
            env.setenv("AUTODEVOPS_HOME", str(home))
            settings = Settings.from_env()
        self.home = home
        self.app = create_app(settings, token=token, reports=reports, limits=limits)
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)
        self.socket.close()


class ServeProcess:
    """``autodevops serve`` as a person starts it: its own process, on a free loopback port."""

    def __init__(self, home: Path, **env: str):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "AUTODEVOPS_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **env}
        self.env.pop("AUTODEVOPS_TOKEN", None)
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "ServeProcess":
        self.process = subprocess.Popen([sys.executable, "-m", "autodevops.cli", "serve", "--port", str(self.port)],
                                        env=self.env, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/api/health", timeout=5).read()
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    raise RuntimeError(f"autodevops serve did not start: {self.process.stderr.read()}")
                time.sleep(0.1)

    def stop(self) -> tuple[int, str]:
        """Stop it as Ctrl-C would; its exit code and what it printed."""
        self.process.send_signal(signal.SIGINT)
        _, err = self.process.communicate(timeout=60)
        return self.process.returncode, err

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def copy_home(source: Path, target: Path) -> Path:
    """A writable copy of an ingested home (the encoder export stays a shared symlink)."""
    shutil.copytree(source, target, symlinks=True)
    return target


@pytest.fixture(scope="module")
def served(ingested_home, tmp_path_factory):
    """One server per test module, on its own copy of the ingested home (feedback writes to it)."""
    home = copy_home(ingested_home, tmp_path_factory.mktemp("web") / "home")
    with LiveServer(home) as server:
        yield server


def request(url: str, data: bytes | None = None, headers: dict | None = None,
            method: str | None = None) -> tuple[int, dict, bytes]:
    """One real HTTP request: (status, headers, body), also for 4xx/5xx answers."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=120) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def post_json(url: str, payload) -> tuple[int, dict]:
    status, _, body = request(url, json.dumps(payload).encode(), {"content-type": "application/json"})
    return status, json.loads(body)


def multipart(field: str, filename: str, content: bytes) -> tuple[bytes, dict]:
    """A multipart/form-data body with one file field."""
    boundary = "autodevops-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, {"content-type": f"multipart/form-data; boundary={boundary}"}


def tar_gz(logs: dict[str, str]) -> bytes:
    """A .tar.gz archive holding ``logs`` (member name -> text), in that order."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in logs.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def wait_for_batch(url: str, batch_id: str, timeout: float = 120) -> dict:
    """Poll a batch until it is done or failed (the timeout only guards against a hang)."""
    deadline = time.monotonic() + timeout
    while True:
        status, _, body = request(f"{url}/api/batches/{batch_id}")
        assert status == 200, body
        state = json.loads(body)
        if state["status"] in ("done", "failed"):
            return state
        assert time.monotonic() < deadline, f"batch still {state['status']}"
        time.sleep(0.1)
