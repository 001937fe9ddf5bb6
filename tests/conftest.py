"""Shared fixtures: the exported encoder (once per session), homes for state, the Prefect test harness."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.pop("AUTODEVOPS_STORE", None)
os.environ.pop("GROQ_API_KEY", None)
os.environ.pop("MLFLOW_TRACKING_URI", None)


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


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server for every flow run of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def ingested_home(tmp_path_factory, encoder_dir, prefect_server) -> Path:
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
        tune(trials=60, register=False)
    return path


@pytest.fixture(scope="session")
def analyzer(ingested_home):
    """The analyzer over the ingested shipped corpus, loaded once."""
    from autodevops.analyzer import Analyzer
    from autodevops.settings import Settings

    with pytest.MonkeyPatch.context() as env:
        env.setenv("AUTODEVOPS_HOME", str(ingested_home))
        return Analyzer.load(Settings.from_env())
