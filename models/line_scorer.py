"""A line scorer learned from hand-marked failure reasons: which lines of a failed step say why it failed.

Trained on real CI logs whose failure-reason chunk a person cut out (LogChunks): every line of the failed
step's output is an example, positive when it lies in the chunk. The model is a logistic regression over
``line_features`` (dense position/kind features plus hashed tokens). Scoring needs only numpy, so the
fitted weights travel as JSON and a one-log analysis never imports scikit-learn.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator

from autodevops.features.line_features import DENSE_NAMES, N_HASH, dense_features, hashed_tokens


def design_matrix(regions: Sequence[Sequence[str]]):
    """The sparse (lines, dense + hash) training matrix of many regions, rows in order."""
    from scipy import sparse

    blocks = []
    for lines in regions:
        dense = sparse.csr_matrix(dense_features(lines))
        rows, cols, vals = [], [], []
        for i, line in enumerate(lines):
            buckets, weight = hashed_tokens(line)
            rows.extend([i] * len(buckets))
            cols.extend(buckets)
            vals.extend([weight] * len(buckets))
        hashed = sparse.csr_matrix((vals, (rows, cols)), shape=(len(lines), N_HASH), dtype=np.float32)
        blocks.append(sparse.hstack([dense, hashed], format="csr"))
    return sparse.vstack(blocks, format="csr") if blocks else sparse.csr_matrix((0, len(DENSE_NAMES) + N_HASH))


class LineScorer(BaseEstimator):
    """Logistic regression over line features (scikit-learn estimator contract).

    ``fit(regions, labels)`` takes the lines of each failed step's output and, per line, whether it lies
    in the hand-marked failure reason. ``score_lines(lines)`` returns one logit per line of a region.
    """

    def __init__(self, C: float = 0.3, max_iter: int = 3000):
        self.C = C
        self.max_iter = max_iter

    def fit(self, regions: Sequence[Sequence[str]], labels: Sequence[Sequence[bool]]) -> "LineScorer":
        from sklearn.linear_model import LogisticRegression

        X = design_matrix(regions)
        y = np.concatenate([np.asarray(list(lab), dtype=bool) for lab in labels]) if labels else np.zeros(0, bool)
        model = LogisticRegression(C=self.C, max_iter=self.max_iter, class_weight="balanced").fit(X, y)
        coef = model.coef_[0].astype(np.float32)
        self.dense_coef_ = coef[: len(DENSE_NAMES)]
        self.hash_coef_ = coef[len(DENSE_NAMES):]
        self.intercept_ = float(model.intercept_[0])
        return self

    def score_lines(self, lines: Sequence[str]) -> np.ndarray:
        """One logit per line: how likely the line belongs to the failure reason."""
        if not len(lines):
            return np.zeros(0, dtype=np.float32)
        scores = dense_features(lines) @ self.dense_coef_ + self.intercept_
        hashed = self.hash_coef_
        for i, line in enumerate(lines):
            buckets, weight = hashed_tokens(line)
            if buckets:
                scores[i] += weight * float(hashed[list(buckets)].sum())
        return scores

    def to_dict(self) -> dict:
        nonzero = np.flatnonzero(np.abs(self.hash_coef_) > 1e-6)
        return {"C": self.C, "dense": dict(zip(DENSE_NAMES, map(float, self.dense_coef_))),
                "intercept": self.intercept_, "n_hash": N_HASH,
                "hash": {str(int(i)): round(float(self.hash_coef_[i]), 6) for i in nonzero}}

    @classmethod
    def from_dict(cls, data: dict) -> "LineScorer":
        if data.get("n_hash") != N_HASH or set(data["dense"]) != set(DENSE_NAMES):
            raise ValueError("line scorer weights were fitted on other features: refit them (autodevops tune --real)")
        scorer = cls(C=data.get("C", 0.3))
        scorer.dense_coef_ = np.array([data["dense"][name] for name in DENSE_NAMES], dtype=np.float32)
        scorer.hash_coef_ = np.zeros(N_HASH, dtype=np.float32)
        for index, value in data["hash"].items():
            scorer.hash_coef_[int(index)] = value
        scorer.intercept_ = float(data["intercept"])
        return scorer

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), separators=(",", ":")))

    @classmethod
    def load(cls, path: Path) -> "LineScorer":
        return cls.from_dict(json.loads(Path(path).read_text()))


def current_line_scorer(path: Path) -> LineScorer:
    """The line scorer fitted by ``tune --real`` at ``path`` if there is one, else the shipped one."""
    from autodevops.features.extract import shipped_line_scorer

    return LineScorer.load(path) if path.exists() else shipped_line_scorer()


def chunk_labels(lines: Sequence[str], chunk: str) -> list[bool]:
    """Per line, whether it lies in a hand-marked failure-reason chunk (whitespace and colours ignored)."""
    marked = _flat(chunk)
    return [len(flat) >= 8 and flat in marked for flat in map(_flat, lines)]


def _flat(text: str) -> str:
    return " ".join(_COLOUR.sub("", text).split()).lower()


_COLOUR = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\[[0-9;]+m|\x1b|\r")
