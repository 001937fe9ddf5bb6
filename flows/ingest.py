"""The ``ingest`` flow: labelled corpora + catalog -> validated, embedded, bulk-loaded pattern store.

Reads top to bottom like the pipeline it runs: load, validate, embed, build rows, load, calibrate, report.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from prefect.cache_policies import NO_CACHE

from autodevops.corpus import Taxonomy, corpus_hash, load_catalog, load_corpus, load_paths, priors_of, validate
from autodevops.features.document import LogFeatures
from autodevops.features.extract import FailureExtractor
from autodevops.features.signals import SignalMatcher
from autodevops.model_config import ModelConfig
from autodevops.models.calibration import ConfidenceCalibrator
from autodevops.models.evaluation import cross_val_decisions, fold_ids, is_correct
from autodevops.records import LabelledLog
from autodevops.retry import retry_transient
from autodevops.settings import Settings
from autodevops.store import open_store, redact_url
from autodevops.store.rows import centroids, example_rows, pattern_rows
from autodevops.flows.orchestration import flow, publish_markdown, publish_table, run_logger, task
from autodevops.flows.tasks import embed_corpus


@task(retries=3, retry_delay_seconds=5, retry_condition_fn=retry_transient, cache_policy=NO_CACHE)
def load_store(settings: Settings, patterns: list, examples: list) -> dict:
    """Bulk-load patterns and examples with idempotent upserts; retried on transient store errors."""
    with open_store(settings) as store:
        p = store.upsert_patterns(patterns)
        e = store.upsert_examples(examples)
        return {"patterns": vars(p), "examples": vars(e), "stats": store.stats()}


def seed_calibration(settings: Settings, docs: list[LogFeatures], records: list[LabelledLog], priors: dict) -> None:
    """Unless a tuned configuration exists, fit the confidence calibration of the seed weights by 5-fold CV."""
    path = settings.tuned_config_path
    config = ModelConfig.load(path)
    if config.source == "tuned":
        return
    labels = [r.pattern_id for r in records]
    decisions = cross_val_decisions(docs, labels, config.params, priors, fold_ids(labels, 5))
    calibrator = ConfidenceCalibrator().fit([d.score for d in decisions], [not d.abstained for d in decisions],
                                            [is_correct(d.pattern_id, y) for d, y in zip(decisions, labels)])
    ModelConfig(params=config.params, calibration=calibrator.to_dict(), source="seed",
                corpus_hash=corpus_hash(records)).save(path)


@flow(name="ingest", log_prints=True)
def ingest(corpora: list[str] | None = None, store_url: str | None = None) -> dict:
    """Load labelled corpora (default: the shipped train split) into the pattern store, idempotently."""
    logger = run_logger()
    settings = Settings.from_env(store_url)
    settings.ensure_home()
    taxonomy = Taxonomy.load()
    catalog = load_catalog(taxonomy=taxonomy)
    records = load_paths([Path(c) for c in corpora]) if corpora else load_corpus("train")
    validate(records, taxonomy)  # a bad corpus is refused before anything is written
    logger.info("%d labelled logs, %d catalog patterns -> %s", len(records), len(catalog),
                redact_url(settings.store_url or str(settings.embedded_store_path)))

    extractor = FailureExtractor(SignalMatcher.from_patterns(catalog.values()))
    docs, encoder_name = embed_corpus(records, extractor, settings)
    patterns = pattern_rows(catalog, centroids(records, docs))
    examples = example_rows(records, docs, encoder_name)
    loaded = load_store(settings, patterns, examples)
    seed_calibration(settings, docs, records, priors_of(catalog.values()))

    summary = {"records": len(records), **loaded}
    per_category = Counter(r.category or "unknown" for r in records)
    publish_table(key="ingest-summary", table=[
        {"category": c, "rows": n} for c, n in sorted(per_category.items())
    ] + [{"category": "patterns", "rows": f"{loaded['patterns']['new']} new / {loaded['patterns']['unchanged']} unchanged"},
         {"category": "examples", "rows": f"{loaded['examples']['new']} new / {loaded['examples']['unchanged']} unchanged"}],
        description="Rows per category; new / unchanged in this run")
    publish_markdown(key="ingest-report", markdown=(
        f"# Ingest\n\n{len(records)} labelled logs, {len(catalog)} patterns.\n\n"
        f"- patterns: {loaded['patterns']}\n- examples: {loaded['examples']}\n"))
    return summary
