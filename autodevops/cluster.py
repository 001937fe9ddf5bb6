"""Batch scoring on a Dask cluster: every worker loads the analyzer once, batches come back in input order.

A worker reads its own environment (``AUTODEVOPS_STORE``, ``AUTODEVOPS_HOME``): no store URL, and so no
password, travels with the tasks, and each machine keeps its encoder export and embedding cache locally.
"""
from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

import dask
import distributed.utils
from distributed import Client, Future, LocalCluster, WorkerPlugin, get_worker
from threadpoolctl import threadpool_limits

from autodevops.engine import local_workers, start_fork_server
from autodevops.records import Analysis, LogInput
from autodevops.settings import Settings

if TYPE_CHECKING:
    from autodevops.analyzer import Analyzer

ANALYZER_PLUGIN = "autodevops-analyzer"
# No dashboard, and the scheduler's health endpoint on a free port: the default 8787 may be taken, which
# Dask reports with a warning on stderr.
QUIET = {"dashboard_address": None, "scheduler_kwargs": {"dashboard_address": ":0"}}
# Batches in flight per worker thread: one being scored and one queued, so no worker waits on the client.
IN_FLIGHT_PER_THREAD = 2


class AnalyzerPlugin(WorkerPlugin):
    """Gives each worker thread one analyzer, loaded by its first task and kept for every task after.

    One per thread, not per process: the embedding cache is a SQLite connection, which belongs to the thread
    that opened it. Start workers with ``--nthreads 1`` (``local:N`` does) and that is one load per worker.
    """

    def __init__(self) -> None:
        self.loads = 0  # analyzers built on this worker, for the record (and the tests)
        self._local = threading.local()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        return {}  # shipped empty: analyzers are built on the worker, never pickled from the client

    def __setstate__(self, state: dict) -> None:
        self.__init__()

    def loaded(self) -> Analyzer:
        """This thread's analyzer, read from the worker's store and home on first use."""
        analyzer = getattr(self._local, "analyzer", None)
        if analyzer is None:
            # Imported here, on the worker: the client of a cluster reads and writes, it never scores.
            from autodevops.analyzer import Analyzer

            analyzer = self._local.analyzer = Analyzer.load(Settings.from_env())
            with self._lock:
                self.loads += 1
                # The matcher's matrix products are small: more BLAS threads only spin, on CPU that the other
                # workers score on (6,000 logs on local:2 here: 4.0 s with them, 3.7 s without).
                threadpool_limits(1, user_api="blas")
        # No teardown: a SQLite connection cannot be closed from the thread that removes the plugin; it is
        # closed when the analyzer is collected, and every cache write is already committed.
        return analyzer


def register(client: Client) -> None:
    """Install ``AnalyzerPlugin`` on every worker; registering it again (each run does) makes long-lived
    workers read the store afresh."""
    client.register_plugin(AnalyzerPlugin(), name=ANALYZER_PLUGIN)


def in_flight(client: Client) -> int:
    """How many batches to keep submitted: ``IN_FLIGHT_PER_THREAD`` per worker thread of the cluster."""
    return max(sum(client.nthreads().values()), 1) * IN_FLIGHT_PER_THREAD


def worker_analyzer() -> Analyzer:
    """The analyzer this Dask worker loaded through ``AnalyzerPlugin``."""
    return get_worker().plugins[ANALYZER_PLUGIN].loaded()


def score_on_worker(batch: list[LogInput]) -> list[Analysis]:
    """Score one batch on a Dask worker with the analyzer it loaded once."""
    return worker_analyzer().analyze_batch(batch)


def local_cluster(workers: int) -> LocalCluster:
    """``workers`` single-threaded worker processes on this machine, forked from one process that imported their
    modules once (``engine.start_fork_server``): spawned workers would each import them again."""
    start_fork_server()
    # Left to itself, Dask would first import every package it knows (pandas, pyarrow, ...) here, in the
    # client, to preload them in a fork server that is already running with what the workers need.
    if hasattr(distributed.utils, "_forkserver_preload_set"):
        distributed.utils._forkserver_preload_set = True
    # No dashboard, so nothing reads the workers' statistical profiler: it would sample every 10 ms for nothing.
    config = {"distributed.worker.multiprocessing-method": "forkserver", "distributed.worker.profile.enabled": False}
    with dask.config.set(config):
        # The fork server keeps the environment it started with: hand each worker this one explicitly.
        env = {k: v for k, v in os.environ.items() if k.startswith(("AUTODEVOPS_", "MLFLOW_", "HF_", "PREFECT_"))}
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, env=env, **QUIET)


class DaskEngine:
    """Scores batches on ``tcp://host:8786`` (an existing scheduler) or ``local:N`` (N worker processes here)."""

    def __init__(self, address: str):
        workers = local_workers(address)
        self.cluster = local_cluster(workers) if workers else None
        self.client = Client(self.cluster or address)
        try:
            register(self.client)
            self.window = in_flight(self.client)
        except BaseException:
            self.close()
            raise

    def submit(self, batch: list[LogInput]) -> Future:
        return self.client.submit(score_on_worker, batch, pure=False, retries=1)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
