"""Tasks shared by several flows: embedding a labelled corpus (cached, batched)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from prefect.cache_policies import NO_CACHE

from autodevops.features.document import LogFeatures, featurize
from autodevops.features.encoder import CachedEncoder, load_encoder
from autodevops.features.extract import FailureExtractor
from autodevops.records import LabelledLog
from autodevops.settings import Settings
from autodevops.flows.orchestration import run_logger, task

if TYPE_CHECKING:
    from autodevops.features.signals import SignalMatcher
    from autodevops.models.line_scorer import LineScorer
    from autodevops.models.selection import RealSet

EMBED_BATCH = 256


@task(cache_policy=NO_CACHE)
def embed_corpus(records: list[LabelledLog], extractor: FailureExtractor, settings: Settings,
                 variant: str | None = None) -> tuple[list[LogFeatures], str]:
    """Extract, normalise and embed every log in batches, through the on-disk cache."""
    logger = run_logger()
    encoder = CachedEncoder(load_encoder(variant or settings.encoder_variant, settings.encoder_dir),
                            settings.embedding_cache_path)
    docs: list[LogFeatures] = []
    try:
        for start in range(0, len(records), EMBED_BATCH):
            docs.extend(featurize([r.log for r in records[start:start + EMBED_BATCH]], extractor, encoder))
            logger.info("embedded %d/%d logs (cache hits %d, new templates %d)",
                        len(docs), len(records), encoder.hits, encoder.misses)
    finally:
        encoder.close()
    return docs, encoder.name


@task(cache_policy=NO_CACHE)
def fit_line_scorer(logs: list, settings: Settings) -> "LineScorer":
    """Fit the failure-line scorer on every real log's hand-marked chunk and keep it where ``analyze`` reads it."""
    from autodevops.models.realworld import fit_line_scorer as fit

    scorer = fit(logs)
    scorer.save(settings.line_scorer_path)
    run_logger().info("line scorer fitted on %d real logs -> %s", len(logs), settings.line_scorer_path)
    return scorer


@task(cache_policy=NO_CACHE)
def embed_real(logs: list, signals: "SignalMatcher", settings: Settings) -> "RealSet":
    """Out-of-fold features of real CI logs (repository-grouped folds), through the embedding cache."""
    from autodevops.models.realworld import folds_by_repository, out_of_fold_features
    from autodevops.models.selection import RealSet

    encoder = CachedEncoder(load_encoder(settings.encoder_variant, settings.encoder_dir), settings.embedding_cache_path)
    try:
        folds = folds_by_repository(logs)
        docs = out_of_fold_features(logs, signals, encoder, folds)
    finally:
        encoder.close()
    run_logger().info("real logs: %d in %d repository folds", len(logs), int(folds.max()) + 1)
    return RealSet(logs, docs, folds)
