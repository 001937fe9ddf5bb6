"""Calibrated confidence: raw matcher scores mapped to the probability that the answer is right."""
from __future__ import annotations

from typing import Sequence

import numpy as np


class ConfidenceCalibrator:
    """Two isotonic maps fitted on out-of-sample decisions (scikit-learn estimator contract).

    One maps the score of an answered log to P(pattern is right); the other maps the best candidate's
    score of an abstained log to P(no known pattern applies). ``to_dict``/``from_dict`` keep it in JSON.
    """

    def __init__(self, min_samples: int = 10):
        self.min_samples = min_samples

    def fit(self, scores: Sequence[float], answered: Sequence[bool], correct: Sequence[bool]) -> "ConfidenceCalibrator":
        scores = np.asarray(scores, dtype=float)
        answered = np.asarray(answered, dtype=bool)
        correct = np.asarray(correct, dtype=float)
        self.answered_ = _fit_isotonic(scores[answered], correct[answered], increasing=True, min_samples=self.min_samples)
        self.abstained_ = _fit_isotonic(scores[~answered], correct[~answered], increasing=False,
                                        min_samples=self.min_samples)
        return self

    def predict_proba(self, scores: Sequence[float], answered: Sequence[bool]) -> np.ndarray:
        scores = np.asarray(scores, dtype=float)
        answered = np.asarray(answered, dtype=bool)
        out = np.empty(len(scores))
        out[answered] = _apply(self.answered_, scores[answered])
        out[~answered] = _apply(self.abstained_, scores[~answered])
        return np.clip(out, 0.0, 1.0)

    def to_dict(self) -> dict:
        return {"answered": self.answered_, "abstained": self.abstained_}

    @classmethod
    def from_dict(cls, data: dict) -> "ConfidenceCalibrator":
        calibrator = cls()
        calibrator.answered_ = data["answered"]
        calibrator.abstained_ = data["abstained"]
        return calibrator


def _fit_isotonic(x: np.ndarray, y: np.ndarray, increasing: bool, min_samples: int) -> dict:
    """Fit isotonic regression; store it as its step points (x, y) so no pickle is needed."""
    if len(x) < min_samples or len(np.unique(x)) < 2:
        rate = float(y.mean()) if len(y) else 0.5
        return {"x": [0.0, 1.0], "y": [rate, rate]}
    from sklearn.isotonic import IsotonicRegression

    model = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=increasing, out_of_bounds="clip").fit(x, y)
    return {"x": [float(v) for v in model.X_thresholds_], "y": [float(v) for v in model.y_thresholds_]}


def _apply(curve: dict, x: np.ndarray) -> np.ndarray:
    return np.interp(x, curve["x"], curve["y"])


def expected_calibration_error(confidence: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """ECE: the mean |accuracy - confidence| over equal-width confidence bins, weighted by bin size.

    >>> expected_calibration_error([0.9, 0.9, 0.1, 0.1], [True, True, False, False])
    0.1
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    if not len(confidence):
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            total += mask.sum() * abs(correct[mask].mean() - confidence[mask].mean())
    return round(float(total / len(confidence)), 6)
