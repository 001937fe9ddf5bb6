"""The ``analyze`` flow: batch scoring of log archives under Prefect's engine.

Reads inputs as a stream, scores them in batches (one task each, retried once), and writes results in
input order as they come. The same ``Analyzer`` serves the CLI's one-log path without Prefect.
"""
from __future__ import annotations

import sys
from collections import Counter
from itertools import islice
from typing import Iterable, Iterator

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from autodevops.analyzer import Analyzer, LogInput
from autodevops.inputs import iter_inputs
from autodevops.output import write
from autodevops.progress import progress
from autodevops.records import Analysis
from autodevops.settings import Settings


@task(retries=1, cache_policy=NO_CACHE)
def score_batch(analyzer: Analyzer, batch: list[LogInput]) -> list[Analysis]:
    """Score one batch of logs (extraction, embedding through the cache, matching, calibration)."""
    return analyzer.analyze_batch(batch)


def batches(items: Iterable[LogInput], size: int) -> Iterator[list[LogInput]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


@flow(name="analyze")
def analyze(paths: list[str] | None = None, records: str | None = None, output: str | None = None,
            fmt: str = "jsonl", store_url: str | None = None, batch_size: int = 512) -> dict:
    """Analyze every log named by ``paths`` / ``records`` and write one result per log, in order."""
    logger = get_run_logger()
    analyzer = Analyzer.load(Settings.from_env(store_url))
    counts: Counter[str] = Counter()

    def scored() -> Iterator[Analysis]:
        for batch in batches(iter_inputs(paths or [], records), batch_size):
            for result in score_batch(analyzer, batch):
                counts["error" if result.error else result.source] += 1
                yield result

    out = open(output, "w", encoding="utf-8") if output else sys.stdout
    try:
        total = write(progress(scored()), fmt, out)
    finally:
        if output:
            out.close()
    logger.info("analyzed %d logs: %s", total, dict(counts))
    create_table_artifact(key="analyze-summary", table=[{"outcome": k, "logs": v} for k, v in sorted(counts.items())],
                          description=f"{total} logs analyzed")
    return {"logs": total, **counts}
