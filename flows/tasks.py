"""Tasks shared by several flows: embedding a labelled corpus (cached, batched)."""
from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from autodevops.features.document import LogFeatures, featurize
from autodevops.features.encoder import CachedEncoder, load_encoder
from autodevops.features.extract import FailureExtractor
from autodevops.records import LabelledLog
from autodevops.settings import Settings

EMBED_BATCH = 256


@task(cache_policy=NO_CACHE)
def embed_corpus(records: list[LabelledLog], extractor: FailureExtractor, settings: Settings,
                 variant: str | None = None) -> tuple[list[LogFeatures], str]:
    """Extract, normalise and embed every log in batches, through the on-disk cache."""
    logger = get_run_logger()
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
