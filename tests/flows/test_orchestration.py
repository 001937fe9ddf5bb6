"""Flows and tasks run in this process without a Prefect API; a fresh machine never starts a Prefect server."""
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from autodevops.corpus import datasets_dir, load_corpus
from autodevops.flows.orchestration import Pipeline, Step, flow, publish_table, run_logger, task

AUTODEVOPS = str(Path(sys.executable).with_name("autodevops"))


def test_a_task_outside_a_flow_run_is_a_plain_call_with_its_retries():
    calls = []

    @task(retries=2, retry_delay_seconds=0)
    def flaky(x: int) -> int:
        calls.append(x)
        if len(calls) < 3:
            raise ConnectionError("store went away")
        return x * 2

    assert isinstance(flaky, Step)
    assert flaky(21) == 42 and calls == [21, 21, 21]
    calls.clear()
    assert flaky.submit(5).result() == 10 and calls == [5, 5, 5]


def test_a_task_that_keeps_failing_raises_after_its_last_retry():
    calls = []

    @task(retries=1, retry_delay_seconds=[0])
    def broken() -> None:
        calls.append(1)
        raise ConnectionError("store is down")

    with pytest.raises(ConnectionError, match="store is down"):
        broken()
    future = broken.submit()
    with pytest.raises(ConnectionError, match="store is down"):
        future.result()
    assert len(calls) == 4


def test_a_flow_without_an_api_runs_in_this_process_and_publishes_nothing():
    @flow(name="double")
    def double(x: int) -> dict:
        run_logger().info("doubling %d", x)
        publish_table(key="double", table=[{"x": x}])  # no flow run: nothing to attach it to, and no error
        return {"x": x * 2}

    assert isinstance(double, Pipeline) and double.name == "double"
    assert double(4) == {"x": 8}


def tiny_corpus(path: Path) -> Path:
    path.write_text("".join(
        json.dumps({"id": r.id, "log": r.log, "pattern_id": r.pattern_id}) + "\n"
        for r in load_corpus("train") if r.pattern_id in ("docker.port_already_allocated", "unknown")))
    return path


def test_a_fresh_prefect_home_needs_no_server_and_prints_no_noise(tmp_path, encoder_dir):
    """The first run on a new machine: an empty PREFECT_HOME, no PREFECT_API_URL, the real CLI."""
    prefect_home = tmp_path / "prefect"
    prefect_home.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    (home / "encoder").symlink_to(encoder_dir, target_is_directory=True)  # the export is the encoder's business
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(prefect_home), AUTODEVOPS_HOME=str(home))
    archive = datasets_dir() / "samples" / "deploy-logs.tar.gz"
    with tarfile.open(archive) as tar:
        logs = sum(m.isfile() for m in tar.getmembers())

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([AUTODEVOPS, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)

    ingest = run("ingest", str(tiny_corpus(tmp_path / "corpus.jsonl")))
    assert (ingest.returncode, ingest.stderr) == (0, "")
    assert json.loads(ingest.stdout)["stats"]["examples"] > 0
    analyze = run("analyze", str(archive), "--output", str(tmp_path / "out.jsonl"))
    assert (analyze.returncode, analyze.stderr) == (0, f"analyzed {logs} logs\n")
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == logs
    assert not (prefect_home / "prefect.db").exists()  # no temporary server was started


def test_engine_prefect_without_an_api_says_how_to_configure_one(ingested_home, tmp_path, monkeypatch, capsys):
    from autodevops.cli import main

    monkeypatch.setenv("AUTODEVOPS_HOME", str(ingested_home))
    log = tmp_path / "a.log"
    log.write_text("FATAL:  password authentication failed for user \"shop\"\n")
    assert main(["analyze", str(log), "--engine", "prefect"]) == 1
    assert capsys.readouterr().err == ("autodevops: error: ValueError: --engine prefect needs a Prefect API: "
                                       "set PREFECT_API_URL (see README, Orchestration)\n")
