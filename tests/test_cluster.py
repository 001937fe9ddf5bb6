"""Scoring on a real Dask LocalCluster of two worker processes: the local answers, in order, one load per worker."""
import json
import subprocess
import sys
import tarfile

import pytest
from threadpoolctl import threadpool_info

from autodevops.analyzer import LogInput, batches
from autodevops.cli import main
from autodevops.cluster import ANALYZER_PLUGIN, DaskEngine
from autodevops.corpus import datasets_dir
from autodevops.engine import LocalEngine, open_engine, score
from autodevops.settings import Settings

ARCHIVE = datasets_dir() / "samples" / "deploy-logs.tar.gz"


def loads(engine: DaskEngine) -> list[int]:
    """How many analyzers each worker has built."""
    return sorted(engine.client.run(lambda dask_worker: dask_worker.plugins[ANALYZER_PLUGIN].loads).values())


def blas_threads() -> list[int]:
    """The thread counts of the BLAS libraries loaded in this process."""
    return sorted({lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"})


def test_two_workers_give_the_local_answers_in_input_order_loading_once(ingested_home, monkeypatch):
    monkeypatch.setenv("AUTODEVOPS_HOME", str(ingested_home))
    with tarfile.open(ARCHIVE) as tar:
        items = [LogInput(m.name, tar.extractfile(m).read().decode()) for m in tar.getmembers() if m.isfile()]
    items.insert(3, LogInput("unreadable.log", None, error="cannot read: broken archive"))
    with open_engine(Settings.from_env()) as local:
        expected = [r.to_json() for r in score(local, batches(items, 4))]
    with open_engine(Settings.from_env(), "local:2") as engine:
        assert sorted(engine.client.nthreads().values()) == [1, 1] and engine.window == 4
        assert loads(engine) == [0, 0]  # nothing is loaded before there is work
        assert [r.to_json() for r in score(engine, batches(items, 4))] == expected
        assert [r.to_json() for r in score(engine, batches(items, 1))] == expected
        assert max(loads(engine)) == 1  # 14 tasks, at most one analyzer per single-threaded worker
        # A worker that scores runs its BLAS on one thread: more would only spin on its neighbours' CPU.
        per_worker = engine.client.run(lambda dask_worker: (dask_worker.plugins[ANALYZER_PLUGIN].loads, blas_threads()))
        assert [threads for loaded, threads in per_worker.values() if loaded] in ([[1]], [[1], [1]])
    assert [r["id"] for r in expected] == [item.id for item in items]
    assert expected[3]["error"] == "cannot read: broken archive"


def test_the_cli_on_dask_writes_what_the_local_run_writes(ingested_home, monkeypatch, capsys):
    monkeypatch.setenv("AUTODEVOPS_HOME", str(ingested_home))
    assert main(["analyze", str(ARCHIVE), "--engine", "local"]) == 0
    local = capsys.readouterr()
    monkeypatch.setenv("AUTODEVOPS_DASK", "local:2")
    assert main(["analyze", str(ARCHIVE), "--batch-size", "3"]) == 0
    on_dask = capsys.readouterr()
    assert on_dask.out == local.out and on_dask.err == local.err
    with tarfile.open(ARCHIVE) as tar:
        members = [m.name for m in tar.getmembers() if m.isfile()]
    assert [json.loads(line)["id"] for line in local.out.splitlines()] == [f"{ARCHIVE}:{m}" for m in members]


def test_workers_with_an_empty_store_fail_as_the_local_run_does(home):
    with pytest.raises(Exception) as local:
        LocalEngine(Settings.from_env())
    with open_engine(Settings.from_env(), "local:1") as engine, pytest.raises(type(local.value)) as remote:
        list(score(engine, [[LogInput("a.log", "x")]]))
    assert str(remote.value) == str(local.value)


CLIENT_PROBE = """
import sys
from autodevops.cluster import DaskEngine
engine = DaskEngine("local:1")
try:
    print(sorted(m for m in ("pandas", "pyarrow", "autodevops.analyzer") if m in sys.modules))
finally:
    engine.close()
"""


def test_the_client_of_local_workers_imports_neither_dataframes_nor_the_analyzer(home):
    # Dask would import every package it can preload (pandas, pyarrow: ~0.6 s of CPU) into the client that
    # starts a fork server; the workers' fork server is already running with what they need. And the client
    # reads and writes, it never scores: the analyzer's stack is the workers' to import.
    proc = subprocess.run([sys.executable, "-c", CLIENT_PROBE], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
