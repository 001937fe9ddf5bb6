"""Secrets planted in a corpus, in a log and in the store URL never reach the four places people read:
logs (stderr, Python logging, Prefect run logs), MLflow params and tags, Prefect artifacts, error messages.

Runs the real commands against the real MariaDB (a user with a password) and the real Prefect server."""
from __future__ import annotations

import json
import logging

import pymysql
import pytest

from autodevops.cli import main
from autodevops.store.connection import ConnectionSettings

pytestmark = pytest.mark.mariadb

STORE_PASSWORD = "Pw-5ecret-Zq9"
AWS_KEY = "AKIAQWERTYUIOPASDFGH"
GITHUB_TOKEN = "ghp_" + "Zx9" * 12
URL_PASSWORD = "Url-Pa55-Xy7"
PRIVATE_KEY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"
PLANTED = [STORE_PASSWORD, AWS_KEY, GITHUB_TOKEN, URL_PASSWORD, PRIVATE_KEY]
SECRET_LINES = (f"export AWS_ACCESS_KEY_ID={AWS_KEY}\n"
                f"git clone https://deploy:{URL_PASSWORD}@git.example.com/app.git\n"
                f"Authorization: token {GITHUB_TOKEN}\n"
                f"-----BEGIN OPENSSH PRIVATE KEY-----\n{PRIVATE_KEY}\n-----END OPENSSH PRIVATE KEY-----\n")
LOGS = {
    "docker.port_already_allocated": "Bind for 0.0.0.0:{n} failed: port is already allocated",
    "runtime.missing_env_var": "Error: environment variable DATABASE_URL_{n} is not set",
}


def leaked(text: str) -> list[str]:
    return [secret for secret in PLANTED if secret in text]


@pytest.fixture
def secret_store_url(mariadb, mariadb_url) -> str:
    """The test database, reached as a user whose password is a planted secret."""
    conn = pymysql.connect(**ConnectionSettings.from_url(mariadb_url).pymysql_kwargs())
    with conn.cursor() as cur:
        cur.execute("CREATE USER IF NOT EXISTS 'app'@'%%' IDENTIFIED BY %s", (STORE_PASSWORD,))
        cur.execute("GRANT ALL PRIVILEGES ON *.* TO 'app'@'%'")  # no args: no %-formatting
    conn.close()
    return mariadb_url.replace("mysql://root@", f"mysql://app:{STORE_PASSWORD}@")


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "secret-corpus.jsonl"
    rows = [{"id": f"{pid}-{i}", "log": f"step {i}\n{SECRET_LINES}{line.format(n=3000 + i)}\nexit 1\n",
             "pattern_id": pid} for pid, line in LOGS.items() for i in range(6)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_planted_secrets_reach_no_log_param_artifact_or_error(home, corpus, secret_store_url, prefect_api, tmp_path,
                                                              monkeypatch, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    mlflow_db = tmp_path / "mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{mlflow_db}")
    monkeypatch.setenv("AUTODEVOPS_STORE", secret_store_url)
    log = tmp_path / "deploy.log"
    log.write_text(f"{SECRET_LINES}Bind for 0.0.0.0:5432 failed: port is already allocated\n")

    assert main(["ingest", str(corpus)]) == 0
    from autodevops.flows.tune import tune

    tune(trials=2, folds=2, train_paths=[str(corpus)], heldout_paths=[str(corpus)], real_paths=[],
         register_model=False)
    assert main(["analyze", str(log), str(tmp_path), "--output", str(tmp_path / "out.jsonl")]) == 0
    wrong = secret_store_url.replace(STORE_PASSWORD, STORE_PASSWORD + "-wrong")
    assert main(["stats", "--store", wrong]) == 1

    captured = capsys.readouterr()
    errors = captured.err
    assert "autodevops: error:" in errors
    assert leaked(captured.out + errors) == []                                         # CLI output and error lines
    assert leaked("\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)) == []  # Python logging

    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts()
        runs = client.read_flow_runs()
        logs = client.read_logs()
    assert artifacts and runs and logs
    assert leaked(json.dumps([a.model_dump(mode="json") for a in artifacts])) == []     # Prefect artifacts
    assert leaked(json.dumps([r.parameters for r in runs] + [r.state.message if r.state else "" for r in runs],
                             default=str)) == []
    assert leaked("\n".join(entry.message for entry in logs)) == []                   # Prefect run logs

    from mlflow import MlflowClient

    client = MlflowClient(f"sqlite:///{mlflow_db}")
    runs = [run for exp in client.search_experiments() for run in client.search_runs([exp.experiment_id])]
    assert runs
    assert leaked(json.dumps([{**run.data.params, **run.data.tags} for run in runs])) == []  # MLflow params, tags
    assert leaked(mlflow_db.read_bytes().decode("utf-8", "replace")) == []            # anything else it stored
