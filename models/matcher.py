"""The pattern matcher: nearest labelled examples + keyword signals + historical success -> one pattern.

``confidence_raw = w_similarity * similarity + w_keyword * keyword_match + w_history * historical_success``

``similarity`` of a pattern is the mean cosine similarity of the log to its ``k`` nearest examples of that
pattern. A pattern with keyword evidence is also judged on the embedding of its own evidence lines alone, so
that a second error in the same log does not dilute it. A match also needs the cosine distance
``1 - similarity`` to stay below ``max_distance``. Labelled ``unknown`` examples compete like a pattern: when
they win, the matcher abstains.

Root cause: among candidates with keyword evidence that score within ``root_cause_margin`` of the best, the
one seen first in the log wins, so the root cause beats the cascade after it. Patterns that are mostly
symptoms of something else (a rollout timing out, a container restarting) yield to a non-symptom candidate.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from autodevops.features.document import LogFeatures, stack
from autodevops.records import UNKNOWN

SEED_PARAMS = {"w_similarity": 0.4, "w_keyword": 0.35, "w_history": 0.25, "max_distance": 0.3, "k": 3,
               "min_score": 0.0, "root_cause_margin": 0.05}


@dataclass(frozen=True)
class Decision:
    """The matcher's verdict for one log, before calibration."""

    pattern_id: str | None
    score: float
    similarity: float
    keyword: float
    best_candidate: str
    matched_lines: tuple[str, ...]
    ranking: tuple[tuple[str, float], ...]

    @property
    def abstained(self) -> bool:
        return self.pattern_id is None


@dataclass(eq=False)  # an estimator: compared by identity, like any scikit-learn one
class PatternMatcher:
    """Scores every pattern for each log and returns one, or abstains (scikit-learn estimator contract).

    The constructor only stores its parameters (the defaults are ``SEED_PARAMS``); ``fit(X, y)`` takes example
    vectors (n, 384) and their pattern ids (``unknown`` allowed).
    """

    w_similarity: float = 0.4
    w_keyword: float = 0.35
    w_history: float = 0.25
    max_distance: float = 0.3
    k: int = 3
    min_score: float = 0.0
    root_cause_margin: float = 0.05
    history: Mapping[str, float] | None = None
    symptoms: frozenset[str] = frozenset()

    def get_params(self, deep: bool = True) -> dict:
        return {name: getattr(self, name) for name in (*SEED_PARAMS, "history", "symptoms")}

    def set_params(self, **params: object) -> "PatternMatcher":
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def fit(self, X: np.ndarray, y: Sequence[str]) -> "PatternMatcher":
        """Remember the labelled example vectors, grouped by pattern."""
        labels = np.asarray(list(y))
        order = np.argsort(labels, kind="stable")
        self.examples_ = np.asarray(X, dtype=np.float32)[order]
        self.labels_ = labels[order]
        self.classes_, starts = np.unique(self.labels_, return_index=True)
        self.index_ = {str(c): j for j, c in enumerate(self.classes_)}
        self.bounds_ = list(zip(starts, list(starts[1:]) + [len(self.labels_)]))
        history = dict(self.history or {})
        prior = float(np.mean(list(history.values()))) if history else 0.5
        self.history_ = np.array([history.get(c, prior) for c in self.classes_], dtype=np.float32)
        self.unknown_index_ = int(np.searchsorted(self.classes_, UNKNOWN)) if UNKNOWN in self.classes_ else -1
        return self

    def similarities(self, X: np.ndarray) -> np.ndarray:
        """(n_logs, n_classes): mean cosine similarity to each class's k nearest examples."""
        sims = np.asarray(X, dtype=np.float32) @ self.examples_.T
        out = np.zeros((sims.shape[0], len(self.classes_)), dtype=np.float32)
        for j, (start, end) in enumerate(self.bounds_):
            out[:, j] = _top_mean(sims[:, start:end], self.k)
        return out

    def evidence_similarity(self, doc: LogFeatures, j: int) -> float:
        """Similarity of class ``j`` judged on the embedding of its own keyword-evidence lines only."""
        hit = doc.extraction.signals.get(str(self.classes_[j]))
        vector = doc.evidence_vector(hit.lines) if hit is not None else None
        if vector is None:
            return 0.0
        start, end = self.bounds_[j]
        return float(_top_mean((vector @ self.examples_[start:end].T)[None, :], self.k)[0])

    def decide(self, docs: Sequence[LogFeatures]) -> list[Decision]:
        """One decision per log (pattern or abstention) with its raw score."""
        if not docs:
            return []
        return self.decide_with(docs, self.similarities(stack(docs)))

    def decide_with(self, docs: Sequence[LogFeatures], sims: np.ndarray) -> list[Decision]:
        """Decisions from precomputed ``similarities`` (lets tuning reuse them across weight trials)."""
        return [self._decide_one(doc, sims[i]) for i, doc in enumerate(docs)]

    def _decide_one(self, doc: LogFeatures, sims: np.ndarray) -> Decision:
        signals = doc.extraction.signals
        if not doc.extraction.lines and not signals:
            return Decision(None, 0.0, 0.0, 0.0, UNKNOWN, (), ())
        sims = sims.copy()
        keyword = np.zeros(len(self.classes_), dtype=np.float32)
        for c, hit in signals.items():
            j = self.index_.get(c)
            if j is not None:
                keyword[j] = hit.strength
                sims[j] = max(sims[j], self.evidence_similarity(doc, j))
        scores = self.w_similarity * sims + self.w_keyword * keyword + self.w_history * self.history_
        order = np.argsort(-scores)
        best = int(order[0])
        # Root cause: among close candidates with keyword evidence, causes before symptoms, then earliest.
        first_line = {j: signals[self.classes_[j]].first_line for j in order[:8] if self.classes_[j] in signals}
        close = [j for j in first_line if scores[j] >= scores[best] - self.root_cause_margin]
        if close:
            rank = lambda j: (str(self.classes_[j]) in self.symptoms, first_line[j], -scores[j])  # noqa: E731
            candidate = min(close, key=rank)
            if best not in first_line or rank(candidate) < rank(best):
                best = candidate
        label = str(self.classes_[best])
        distance = 1.0 - float(sims[best])
        accepted = label != UNKNOWN and distance < self.max_distance and scores[best] >= self.min_score
        ranking = tuple((str(self.classes_[j]), round(float(scores[j]), 4)) for j in order[:5])
        return Decision(
            pattern_id=label if accepted else None,
            score=float(scores[best]),
            similarity=float(sims[best]),
            keyword=float(keyword[best]),
            best_candidate=label,
            matched_lines=_matched_lines(doc, label),
            ranking=ranking,
        )

    def predict(self, docs: Sequence[LogFeatures]) -> list[str | None]:
        """The pattern id of each log, ``None`` where the matcher abstains."""
        return [d.pattern_id for d in self.decide(docs)]


def _top_mean(block: np.ndarray, k: int) -> np.ndarray:
    """Row-wise mean of the ``k`` largest values."""
    k = min(k, block.shape[1])
    if k < block.shape[1]:
        block = np.partition(block, block.shape[1] - k, axis=1)[:, -k:]
    return block.mean(axis=1)


def _matched_lines(doc: LogFeatures, label: str) -> tuple[str, ...]:
    """The failure-reason lines of the log, in log order (the same whether the matcher answers or not)."""
    return tuple(line.text for line in doc.extraction.lines)


def params_of(matcher: PatternMatcher) -> dict:
    """The tunable parameters of a matcher (what ``tune`` saves)."""
    return {name: getattr(matcher, name) for name in SEED_PARAMS}



