"""Fitted weights of the line scorer: what analysis needs to rank a failed step's lines, numpy only.

``models/line_scorer.py`` fits them with scikit-learn; analysing one log never imports scikit-learn
(seconds on these machines), it only loads this JSON and takes dot products.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from autodevops.features.line_features import DENSE_NAMES, N_HASH, dense_features, hashed_tokens


@dataclass(frozen=True)
class LineWeights:
    """A logistic regression over ``line_features``: one logit per line of a failed step."""

    dense: np.ndarray
    hashed: np.ndarray
    intercept: float
    C: float = 0.3

    def score_lines(self, lines: Sequence[str]) -> np.ndarray:
        """One logit per line: how likely the line belongs to the failure reason."""
        if not len(lines):
            return np.zeros(0, dtype=np.float32)
        scores = dense_features(lines) @ self.dense + self.intercept
        tokens = [hashed_tokens(line) for line in lines]
        rows = np.repeat(np.arange(len(lines)), [len(buckets) for buckets, _ in tokens])
        if len(rows):
            buckets = np.fromiter((b for bs, _ in tokens for b in bs), dtype=np.int64, count=len(rows))
            weights = np.array([weight for _, weight in tokens], dtype=np.float32)
            scores += weights * np.bincount(rows, weights=self.hashed[buckets], minlength=len(lines)).astype(np.float32)
        return scores

    def to_dict(self) -> dict:
        nonzero = np.flatnonzero(np.abs(self.hashed) > 1e-6)
        return {"C": self.C, "dense": dict(zip(DENSE_NAMES, map(float, self.dense))), "intercept": self.intercept,
                "n_hash": N_HASH, "hash": {str(int(i)): round(float(self.hashed[i]), 6) for i in nonzero}}

    @classmethod
    def from_dict(cls, data: dict) -> "LineWeights":
        if data.get("n_hash") != N_HASH or set(data["dense"]) != set(DENSE_NAMES):
            raise ValueError("line scorer weights were fitted on other features: refit them (autodevops tune --real)")
        hashed = np.zeros(N_HASH, dtype=np.float32)
        for index, value in data["hash"].items():
            hashed[int(index)] = value
        return cls(np.array([data["dense"][name] for name in DENSE_NAMES], dtype=np.float32), hashed,
                   float(data["intercept"]), float(data.get("C", 0.3)))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), separators=(",", ":")))

    @classmethod
    def load(cls, path: Path) -> "LineWeights":
        return cls.from_dict(json.loads(Path(path).read_text()))


def current_line_scorer(path: Path) -> LineWeights:
    """The weights ``tune --real`` fitted at ``path`` if there are some, else the shipped ones."""
    from autodevops.features.extract import shipped_line_scorer

    return LineWeights.load(path) if path.exists() else shipped_line_scorer()
