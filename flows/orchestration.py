"""How the flows run: as Prefect flow runs when a Prefect API is configured, as plain calls otherwise.

Without ``PREFECT_API_URL`` (environment or profile) Prefect starts a temporary server for each flow run:
12-20 s each time, past its 20 s start-up timeout while it migrates a new ``PREFECT_HOME``, and telemetry
errors when offline. A team that wants orchestration runs ``prefect server start`` once and points
``PREFECT_API_URL`` at it; everyone else gets the same pipeline in this process, with no server at all.
So the flows use ``flow`` and ``task`` from here: Prefect's own classes, which fall back to calling the
function when there is nothing to report to. Deployments and workers see ordinary Prefect flows.
"""
from __future__ import annotations

import logging
import time
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Callable

from prefect import Flow, Task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.context import FlowRunContext
from prefect.exceptions import MissingContextError
from prefect.logging import get_run_logger

from autodevops.engine import local_workers, prefect_api_url

if TYPE_CHECKING:
    from distributed import Client
    from prefect_dask import DaskTaskRunner


class Pipeline(Flow):
    """A Prefect flow that is a flow run on the configured API, and a plain call in this process without one."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if prefect_api_url() is None:
            return self.fn(*args, **kwargs)
        return super().__call__(*args, **kwargs)


class Step(Task):
    """A Prefect task that is a task run inside a flow run, and a plain call (same retries) outside one."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if FlowRunContext.get() is None:
            return self._call_with_retries(*args, **kwargs)
        return super().__call__(*args, **kwargs)

    def submit(self, *args: Any, **kwargs: Any) -> Any:
        if FlowRunContext.get() is not None:
            return super().submit(*args, **kwargs)
        done: Future = Future()
        try:
            done.set_result(self._call_with_retries(*args, **kwargs))
        except Exception as exc:  # raised again by .result(), as a Prefect future would
            done.set_exception(exc)
        return done

    def _call_with_retries(self, *args: Any, **kwargs: Any) -> Any:
        for attempt in range(self.retries + 1):
            try:
                return self.fn(*args, **kwargs)
            except Exception as exc:
                if attempt == self.retries or not self._may_retry(exc):
                    raise
                time.sleep(self._delay(attempt))

    def _may_retry(self, exc: Exception) -> bool:
        # The task's retry_condition_fn decides here too, as Prefect's engine asks it inside a flow run.
        if self.retry_condition_fn is None:
            return True
        from prefect.states import Failed

        return bool(self.retry_condition_fn(self, None, Failed(data=exc)))

    def _delay(self, attempt: int) -> float:
        delays = self.retry_delay_seconds
        if isinstance(delays, (list, tuple)):
            return float(delays[min(attempt, len(delays) - 1)]) if delays else 0.0
        return float(delays or 0)


def flow(**options: Any) -> Callable[[Callable], Pipeline]:
    """Prefect's ``@flow(...)``; the function runs in this process when no Prefect API is configured."""
    return lambda fn: Pipeline(fn=fn, **options)


def task(**options: Any) -> Callable[[Callable], Step]:
    """Prefect's ``@task(...)``; the function is called directly outside a flow run."""
    return lambda fn: Step(fn=fn, **options)


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    """The flow run's logger (shown in the Prefect UI), or the ``autodevops`` logger outside a run."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("autodevops")


def publish_table(key: str, table: list[dict], description: str | None = None) -> None:
    """A table artifact on the current flow run; outside a run the command's own output carries the numbers."""
    if FlowRunContext.get() is not None:
        create_table_artifact(key=key, table=table, description=description)


def publish_markdown(key: str, markdown: str) -> None:
    """A Markdown artifact on the current flow run (nothing outside a run)."""
    if FlowRunContext.get() is not None:
        create_markdown_artifact(key=key, markdown=markdown)


def dask_task_runner(address: str) -> "DaskTaskRunner":
    """Prefect's Dask task runner for ``tcp://host:8786`` or ``local:N`` (N single-threaded worker processes)."""
    from prefect_dask import DaskTaskRunner

    workers = local_workers(address)
    if workers:
        from autodevops.cluster import local_cluster

        # The cluster `analyze --dask local:N` starts without Prefect: workers forked from the fork server.
        return DaskTaskRunner(cluster_class=local_cluster, cluster_kwargs={"workers": workers})
    return DaskTaskRunner(address=address)


def dask_client() -> "Client | None":
    """The Dask client of the current flow run, when it runs on a ``DaskTaskRunner``."""
    context = FlowRunContext.get()
    runner = context.task_runner if context is not None else None
    if runner is None or type(runner).__name__ != "DaskTaskRunner":  # prefect_dask is imported only when used
        return None
    return runner.client
