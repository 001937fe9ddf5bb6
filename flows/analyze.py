"""The ``analyze`` flow: batch scoring of log archives as a Prefect flow run.

Reads inputs as a stream, scores them in batches (one task each, retried once), and writes results in
input order as they come. On a ``DaskTaskRunner`` (``analyze --dask``) the batches run on the Dask workers,
each with the analyzer it loaded once. Without a Prefect API the CLI runs the same ``Analyzer``, batches and
ordering (``autodevops.engine``) without Prefect.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterator

from prefect.cache_policies import NO_CACHE

from autodevops.analyzer import Analyzer, LogInput, batches
from autodevops.engine import completed, in_order
from autodevops.inputs import iter_inputs
from autodevops.journal import Journal
from autodevops.output import output_file, write
from autodevops.progress import progress
from autodevops.records import Analysis
from autodevops.retry import retry_transient
from autodevops.settings import Settings
from autodevops.flows.orchestration import dask_client, flow, publish_table, run_logger, task


@task(retries=2, retry_delay_seconds=[1, 10], retry_condition_fn=retry_transient, cache_policy=NO_CACHE)
def score_batch(analyzer: Analyzer | None, batch: list[LogInput]) -> list[Analysis]:
    """Score one batch of logs with ``analyzer``, or on a Dask worker with the analyzer it loaded once."""
    if analyzer is None:
        from autodevops.cluster import worker_analyzer

        analyzer = worker_analyzer()
    return analyzer.analyze_batch(batch)


@flow(name="analyze")
def analyze(paths: list[str] | None = None, records: str | None = None, output: str | None = None,
            fmt: str = "jsonl", store_url: str | None = None, batch_size: int = 512, resume: bool = False) -> dict:
    """Analyze every log named by ``paths`` / ``records`` and write one result per log, in order.

    With ``resume``, logs whose id the ``output`` file already holds are skipped and the rest appended.
    """
    logger = run_logger()
    settings = Settings.from_env(store_url)
    client = dask_client()  # set when this run's task runner is a DaskTaskRunner (`analyze --dask`)
    if client is not None:
        from autodevops.cluster import in_flight, register

        register(client)  # each worker loads the analyzer once, for all the batches it scores
        submit, window = (lambda batch: score_batch.submit(None, batch)), in_flight(client)
    else:
        analyzer = Analyzer.load(settings)  # used in this thread only: its embedding cache is a SQLite connection
        submit, window = (lambda batch: completed(score_batch(analyzer, batch))), 1
    counts: Counter[str] = Counter()

    with output_file(output, resume) as (out, done), Journal(settings.journal_path) as journal:
        def run(inputs: Iterator[LogInput]) -> Iterator[Analysis]:
            groups = batches(inputs, batch_size, settings.limits.max_batch_bytes)
            for results in in_order(submit, groups, window):
                yield from results

        def scored() -> Iterator[Analysis]:
            for result in journal.recorded(iter_inputs(paths or [], records, settings.limits, skip=done), run):
                counts["error" if result.error else result.source] += 1
                yield result

        total = write(progress(scored()), fmt, out)
        if done:
            counts["skipped"] = len(done)
    logger.info("analyzed %d logs: %s", total, dict(counts))
    publish_table(key="analyze-summary", table=[{"outcome": k, "logs": v} for k, v in sorted(counts.items())],
                  description=f"{total} logs analyzed")
    return {"logs": total, **counts}
