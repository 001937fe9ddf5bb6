"""Baselines the benchmark runs beside the hybrid matcher (scikit-learn estimator contract)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from autodevops.features.document import LogFeatures, stack
from autodevops.records import UNKNOWN


class KeywordRules:
    """The seed's approach: a rule fires when ALL its keywords occur in the log; the first rule that fires wins.

    >>> KeywordRules([("a.b", ("port", "allocated"))]).fit().predict(["Bind: port is already allocated", "x"])
    ['a.b', None]
    """

    def __init__(self, rules: Sequence[tuple[str, Sequence[str]]]):
        self.rules = rules

    def fit(self, X=None, y=None) -> "KeywordRules":
        self.rules_ = [(pid, tuple(k.lower() for k in kws)) for pid, kws in self.rules if kws]
        return self

    def predict(self, logs: Sequence[str]) -> list[str | None]:
        out = []
        for log in logs:
            text = log.lower()
            out.append(next((pid for pid, kws in self.rules_ if all(k in text for k in kws)), None))
        return out


class TfidfNearestNeighbour:
    """TF-IDF of the failure templates, nearest labelled example by cosine; an ``unknown`` neighbour abstains."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), min_similarity: float = 0.0):
        self.ngram_range = ngram_range
        self.min_similarity = min_similarity

    def fit(self, texts: Sequence[str], y: Sequence[str]) -> "TfidfNearestNeighbour":
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer_ = TfidfVectorizer(ngram_range=self.ngram_range, sublinear_tf=True,
                                           token_pattern=r"(?u)\b\w[\w.-]+\b")
        self.matrix_ = self.vectorizer_.fit_transform(texts)
        self.labels_ = np.asarray(list(y))
        return self

    def predict(self, texts: Sequence[str]) -> list[str | None]:
        sims = (self.vectorizer_.transform(texts) @ self.matrix_.T).toarray()
        best = sims.argmax(axis=1)
        return [None if self.labels_[b] == UNKNOWN or sims[i, b] <= self.min_similarity else str(self.labels_[b])
                for i, b in enumerate(best)]


class EmbeddingNearestNeighbour:
    """The nearest labelled example by cosine of the log embeddings, nothing else."""

    def fit(self, docs: Sequence[LogFeatures], y: Sequence[str]) -> "EmbeddingNearestNeighbour":
        self.examples_ = stack(docs)
        self.labels_ = np.asarray(list(y))
        return self

    def predict(self, docs: Sequence[LogFeatures]) -> list[str | None]:
        sims = stack(docs) @ self.examples_.T
        best = sims.argmax(axis=1)
        return [None if self.labels_[b] == UNKNOWN or not sims[i, b] > 0 else str(self.labels_[b])
                for i, b in enumerate(best)]
