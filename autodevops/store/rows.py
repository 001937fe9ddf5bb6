"""Store rows built from the catalog and the labelled corpus (pure: data in, rows out)."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from autodevops.corpus import content_hash
from autodevops.features.document import LogFeatures
from autodevops.records import LabelledLog, Pattern
from autodevops.store.base import CORPUS, ExampleRow, PatternRow


def example_rows(records: Sequence[LabelledLog], docs: Sequence[LogFeatures], encoder: str,
                 origin: str = CORPUS) -> list[ExampleRow]:
    """One example row per labelled log, keyed by its origin and record id; the content hash covers what is stored."""
    rows = []
    for record, doc in zip(records, docs):
        rows.append(ExampleRow(
            # Corpus ids keep their first-release key, so existing stores stay idempotent under re-ingest.
            id=content_hash("example" if origin == CORPUS else origin, record.id),
            content_hash=content_hash(record.pattern_id, doc.text, encoder, doc.vector.round(5).tolist()),
            pattern_id=record.pattern_id,
            category=record.category,
            source_id=record.id,
            text=doc.text,
            encoder=encoder,
            embedding=doc.vector,
            origin=origin,
        ))
    return rows


def centroids(records: Sequence[LabelledLog], docs: Sequence[LogFeatures]) -> dict[str, np.ndarray]:
    """The normalised mean vector of each pattern's examples."""
    sums: dict[str, np.ndarray] = {}
    for record, doc in zip(records, docs):
        sums[record.pattern_id] = sums.get(record.pattern_id, 0) + doc.vector
    return {pid: (v / n if (n := float(np.linalg.norm(v))) > 0 else v).astype(np.float32) for pid, v in sums.items()}


def pattern_rows(catalog: Mapping[str, Pattern], vectors: Mapping[str, np.ndarray]) -> list[PatternRow]:
    """One ``deployment_patterns`` row per catalog entry, embedded at its examples' centroid."""
    rows = []
    for pattern in catalog.values():
        error_patterns = {"keywords": list(pattern.keywords), "strong": list(pattern.strong), "weak": list(pattern.weak),
                          "role": "symptom" if pattern.symptom else "cause"}
        solution = pattern.solution.to_dict()  # the fallback, the sub-causes and the diagnostic: what remedy reads
        embedding = vectors.get(pattern.id, np.zeros(384, dtype=np.float32))
        rows.append(PatternRow(
            id=pattern.id,
            content_hash=content_hash(pattern.id, pattern.title, pattern.description, error_patterns, solution,
                                      np.asarray(embedding).round(5).tolist()),
            category=pattern.category,
            title=pattern.title,
            error_patterns=error_patterns,
            solution=solution,
            embedding=embedding,
            success_rate=pattern.solution.success_rate,
        ))
    return rows
