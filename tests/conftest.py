"""Shared fixtures: the exported encoder (once per session), homes for state, a real Prefect server."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.pop("AUTODEVOPS_STORE", None)
os.environ.pop("GROQ_API_KEY", None)
os.environ.pop("MLFLOW_TRACKING_URI", None)
os.environ.pop("PREFECT_API_URL", None)  # flows run in this process unless a test asks for `prefect_api`
os.environ.pop("AUTODEVOPS_DASK", None)


@pytest.fixture(scope="session")
def encoder_dir(tmp_path_factory) -> Path:
    """The packaged model exported to ONNX once for the whole session (real export, no network)."""
    from autodevops.features.encoder import export_onnx

    return export_onnx(tmp_path_factory.mktemp("encoder") / "encoder")


@pytest.fixture
def home(tmp_path, monkeypatch, encoder_dir) -> Path:
    """A fresh AUTODEVOPS_HOME that reuses the session's exported encoder."""
    path = tmp_path / "home"
    path.mkdir()
    (path / "encoder").symlink_to(encoder_dir, target_is_directory=True)
    monkeypatch.setenv("AUTODEVOPS_HOME", str(path))
    monkeypatch.delenv("AUTODEVOPS_STORE", raising=False)
    return path


def _prefect_env(prefect_home: Path, api_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a Prefect process: its own PREFECT_HOME, no telemetry, no UI build, ``api_url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(prefect_home), PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_UI_ENABLED="false",
               **extra)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


@pytest.fixture(scope="session")
def prefect_env():
    """``prefect_env(prefect_home, api_url=None, **extra)``: the environment of a Prefect CLI process."""
    return _prefect_env


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory) -> Iterator[str]:
    """A real ``prefect server start`` on a loopback port with a new PREFECT_HOME; yields its API URL."""
    home = tmp_path_factory.mktemp("prefect-server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api"
    log = (home / "server.log").open("w")
    server = subprocess.Popen([str(Path(sys.executable).with_name("prefect")), "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=_prefect_env(home), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180  # a new database is migrated first: slow on a busy 2-core machine
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"prefect server did not start:\n{(home / 'server.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture
def prefect_api(prefect_server, monkeypatch) -> Iterator[str]:
    """Point this test's flow runs (in this process and in children) at the real server."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.setenv("PREFECT_API_URL", prefect_server)
    with temporary_settings(updates={PREFECT_API_URL: prefect_server}):
        yield prefect_server


@pytest.fixture(scope="session")
def ingested_home(tmp_path_factory, encoder_dir) -> Path:
    """A home with the shipped corpus ingested and tuned (a short search), shared: treat as read-only."""
    from autodevops.flows.ingest import ingest
    from autodevops.flows.tune import tune

    root = tmp_path_factory.mktemp("ingested")
    path = root / "home"
    path.mkdir()
    (path / "encoder").symlink_to(encoder_dir, target_is_directory=True)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AUTODEVOPS_HOME", str(path))
        env.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")
        ingest()
        tune(trials=60, register_model=False)
    return path


@pytest.fixture
def cli_home(ingested_home, tmp_path, monkeypatch) -> Path:
    """A writable copy of the ingested home, set as AUTODEVOPS_HOME (the CLI writes its journal and caches there)."""
    home = tmp_path / "home"
    home.mkdir()
    for item in ingested_home.iterdir():
        if item.name == "encoder":
            (home / "encoder").symlink_to(item.resolve(), target_is_directory=True)
        elif item.is_file():
            shutil.copy2(item, home / item.name)
    monkeypatch.setenv("AUTODEVOPS_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def analyzer(ingested_home):
    """The analyzer over the ingested shipped corpus, loaded once."""
    from autodevops.analyzer import Analyzer
    from autodevops.settings import Settings

    with pytest.MonkeyPatch.context() as env:
        env.setenv("AUTODEVOPS_HOME", str(ingested_home))
        return Analyzer.load(Settings.from_env())
