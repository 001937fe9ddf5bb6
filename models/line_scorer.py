"""A line scorer learned from hand-marked failure reasons: which lines of a failed step say why it failed.

Trained on real CI logs whose failure-reason chunk a person cut out (LogChunks): every line of the failed
step's output is an example, positive when it lies in the chunk. The model is a logistic regression over
``line_features`` (dense position/kind features plus hashed tokens). Scoring needs only numpy, so the
fitted weights (``models/line_weights.py``) travel as JSON and a one-log analysis never imports scikit-learn.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator

from autodevops.features.line_features import DENSE_NAMES, N_HASH, dense_features, hashed_tokens
from autodevops.models.line_weights import LineWeights


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
    in the hand-marked failure reason; the fitted ``weights_`` (``LineWeights``) are what analysis loads.
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
        self.weights_ = LineWeights(coef[: len(DENSE_NAMES)], coef[len(DENSE_NAMES):], float(model.intercept_[0]),
                                    self.C)
        return self

    def score_lines(self, lines: Sequence[str]) -> np.ndarray:
        """One logit per line: how likely the line belongs to the failure reason."""
        return self.weights_.score_lines(lines)

    def save(self, path: Path) -> None:
        self.weights_.save(path)


def chunk_labels(lines: Sequence[str], chunk: str) -> list[bool]:
    """Per line, whether it lies in a hand-marked failure-reason chunk (whitespace and colours ignored)."""
    marked = flatten(chunk)
    return [len(flat) >= 8 and flat in marked for flat in map(flatten, lines)]


def flatten(text: str) -> str:
    """A line or chunk as the reference scorer compares them: no colours, single spaces, lower case."""
    return " ".join(_COLOUR.sub("", text).split()).lower()


_COLOUR = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\[[0-9;]+m|\x1b|\r")
