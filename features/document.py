"""Features of whole logs: the extracted failure lines, their keyword evidence and one log vector."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from autodevops.features.encoder import DIMENSIONS, Encoder
from autodevops.features.extract import Extraction, FailureExtractor


@dataclass(frozen=True)
class LogFeatures:
    """What the matcher sees of one log."""

    extraction: Extraction
    vector: np.ndarray  # L2-normalised weighted mean of the failure-line embeddings; zeros when no failure
    line_vectors: np.ndarray  # one embedding per line of ``extraction.embedded_lines``, in that order

    def evidence_vector(self, line_indices: Sequence[int]) -> np.ndarray | None:
        """The weighted mean embedding of the given log lines (those that were embedded), normalised."""
        wanted = set(line_indices)
        embedded = self.extraction.embedded_lines
        rows = [i for i, line in enumerate(embedded) if line.index in wanted]
        if not rows:
            return None
        weights = np.array([embedded[i].score for i in rows], dtype=np.float32)
        return _normalised(weights @ self.line_vectors[rows])

    @property
    def text(self) -> str:
        """The failure template of the log (what is embedded, one line per failure line)."""
        return "\n".join(self.extraction.templates)


def featurize(texts: Sequence[str], extractor: FailureExtractor, encoder: Encoder) -> list[LogFeatures]:
    """Extract, normalise and embed a batch of logs; each distinct template is embedded once."""
    extractions = [extractor.extract(t) for t in texts]
    unique = list(dict.fromkeys(t for ex in extractions for t in ex.templates))
    vectors = encoder.encode(unique) if unique else np.zeros((0, DIMENSIONS), dtype=np.float32)
    row = {template: i for i, template in enumerate(unique)}
    out = []
    for ex in extractions:
        embedded = ex.embedded_lines
        if not embedded:
            out.append(LogFeatures(ex, np.zeros(DIMENSIONS, dtype=np.float32), np.zeros((0, DIMENSIONS), np.float32)))
            continue
        lines = vectors[[row[line.template] for line in embedded]]
        weights = np.array([line.score for line in embedded], dtype=np.float32)
        out.append(LogFeatures(ex, _normalised(weights @ lines), lines))
    return out


def _normalised(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm > 0 else vector).astype(np.float32)


def stack(features: Sequence[LogFeatures]) -> np.ndarray:
    """The log vectors as one (n, 384) matrix."""
    if not features:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.stack([f.vector for f in features])
