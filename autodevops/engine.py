"""Where a batch of logs is scored: in this process, or on a Dask cluster; and whether Prefect orchestrates it.

Nothing here imports Prefect or Dask until they are asked for: a batch command without a configured Prefect
API and without ``--dask`` pays for neither. Results always come back in input order.

>>> from autodevops.inputs import batches, iter_inputs
>>> with open_engine(Settings.from_env(), dask="local:2") as engine:  # doctest: +SKIP
...     results = list(score(engine, batches(iter_inputs(["logs.tar.gz"]), 256)))
"""
from __future__ import annotations

import os
import sys
from collections import deque
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Protocol, TypeVar

from autodevops.settings import Settings

if TYPE_CHECKING:
    from autodevops.records import Analysis, LogInput

R = TypeVar("R", covariant=True)


def prefect_api_url() -> str | None:
    """The Prefect API that batch commands report to, or ``None`` to run them in this process.

    It is whatever Prefect itself would use: ``PREFECT_API_URL`` from the environment or the active
    profile (``prefect config set PREFECT_API_URL=...``). Prefect is imported only when one of them
    can set it, or when it is already loaded (a test harness, temporary settings).
    """
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    if "prefect" not in sys.modules and not _profile_mentions_api():
        return None
    from prefect.settings import get_current_settings

    return get_current_settings().api.url or None


def _profile_mentions_api() -> bool:
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    try:
        return "PREFECT_API_URL" in profiles.read_text(encoding="utf-8")
    except OSError:
        return False


def dask_address(option: str | None) -> str | None:
    """The Dask cluster to use: ``--dask`` if given, else ``AUTODEVOPS_DASK``, else none."""
    address = option or os.environ.get("AUTODEVOPS_DASK") or None
    if address is not None and not (address.startswith(("tcp://", "tls://")) or local_workers(address)):
        raise ValueError(f"--dask takes tcp://HOST:PORT or local:N, not {address!r}")
    return address


def local_workers(address: str) -> int | None:
    """N of a ``local:N`` address (N worker processes on this machine), else ``None``."""
    kind, _, count = address.partition(":")
    return int(count) if kind == "local" and count.isdigit() and int(count) > 0 else None


# What a ``local:N`` worker imports before its first task: Dask's worker side, the analyzer and the store's
# driver. The encoder's runtime is left out: a warm run never calls it.
WORKER_MODULES = ("autodevops.cluster", "autodevops.analyzer", "duckdb")


def start_fork_server() -> None:
    """Start the process that ``local:N`` workers are forked from, importing ``WORKER_MODULES`` once for all.

    Call it as early as a command knows it will need local workers: the fork server imports (~0.6 s of CPU)
    while this process goes on importing Dask and starting the scheduler. Starting it again does nothing.
    """
    import multiprocessing
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(list(WORKER_MODULES))
    forkserver.ensure_running()


class Pending(Protocol[R]):
    """A submitted piece of work: a ``concurrent.futures``, Dask or Prefect future."""

    def result(self) -> R: ...


class Engine(Protocol):
    """Scores batches: ``submit`` one, ``window`` of them in flight at most, ``close`` when done."""

    window: int

    def submit(self, batch: list[LogInput]) -> Pending[list[Analysis]]: ...

    def close(self) -> None: ...


def in_order(submit: Callable[[list[LogInput]], Pending[list[Analysis]]], groups: Iterable[list[LogInput]],
             window: int) -> Iterator[list[Analysis]]:
    """Each group's results in input order, with up to ``window`` groups submitted ahead (memory stays flat)."""
    pending: deque[Pending[list[Analysis]]] = deque()
    for group in groups:
        pending.append(submit(group))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def completed(value: R) -> Future:
    """A future that already holds ``value``: work done on the spot, for ``in_order``."""
    done: Future[R] = Future()
    done.set_result(value)
    return done


class LocalEngine:
    """Scores batches one after another in this process."""

    window = 1

    def __init__(self, settings: Settings):
        from threadpoolctl import threadpool_limits

        from autodevops.analyzer import Analyzer  # numpy, the store, the encoder: only the engine that scores

        self.analyzer = Analyzer.load(settings)
        # The matcher's matrix products are small: more BLAS threads only spin (1.3 s of CPU on 6,000 logs) and
        # finish no sooner. The limit holds while this engine is open.
        self._blas = threadpool_limits(1, user_api="blas")

    def submit(self, batch: list[LogInput]) -> Future:
        return completed(self.analyzer.analyze_batch(batch))

    def close(self) -> None:
        self._blas.restore_original_limits()
        self.analyzer.encoder.close()


@contextmanager
def open_engine(settings: Settings, dask: str | None = None) -> Iterator[Engine]:
    """The engine for ``dask`` (a cluster address) or, without one, this process; closed on exit."""
    if dask:
        from autodevops.cluster import DaskEngine

        engine: Engine = DaskEngine(dask)
    else:
        engine = LocalEngine(settings)
    try:
        yield engine
    finally:
        engine.close()


def score(engine: Engine, groups: Iterable[list[LogInput]]) -> Iterator[Analysis]:
    """The analysis of every log of every batch, in input order."""
    for results in in_order(engine.submit, groups, engine.window):
        yield from results
