"""Calibrated confidence: raw matcher scores mapped to the probability that the answer is right."""
from __future__ import annotations

from typing import Sequence

import numpy as np


PLAIN, CI = "plain", "ci"


def domain_of(doc) -> str:
    """``ci`` for a log whose CI structure was read (a whole job), ``plain`` for a pasted excerpt."""
    structure = doc.extraction.structure
    return CI if structure.system is not None or structure.region is not None else PLAIN


class ConfidenceCalibrator:
    """Isotonic maps fitted on out-of-sample decisions (scikit-learn estimator contract).

    One maps the score of an answered log to P(pattern is right); the other maps the best candidate's
    score of an abstained log to P(no known pattern applies). Whole CI jobs and pasted excerpts are right
    at different rates for the same score, so each domain with at least ``min_domain`` answers gets its own
    answered map. ``to_dict``/``from_dict`` keep it in JSON.
    """

    def __init__(self, min_samples: int = 10, min_domain: int = 20):
        self.min_samples = min_samples
        self.min_domain = min_domain

    def fit(self, scores: Sequence[float], answered: Sequence[bool], correct: Sequence[bool],
            domains: Sequence[str] | None = None) -> "ConfidenceCalibrator":
        scores = np.asarray(scores, dtype=float)
        answered = np.asarray(answered, dtype=bool)
        correct = np.asarray(correct, dtype=float)
        domains = np.asarray(domains if domains is not None else [PLAIN] * len(scores))
        self.answered_ = _fit_isotonic(scores[answered], correct[answered], increasing=True, min_samples=self.min_samples)
        self.abstained_ = _fit_isotonic(scores[~answered], correct[~answered], increasing=False,
                                        min_samples=self.min_samples)
        self.domains_ = {}
        for domain in sorted(set(domains.tolist())):
            mask = answered & (domains == domain)
            if mask.sum() >= self.min_domain:
                self.domains_[domain] = _fit_isotonic(scores[mask], correct[mask], increasing=True,
                                                      min_samples=self.min_samples)
        return self

    def predict_proba(self, scores: Sequence[float], answered: Sequence[bool],
                      domains: Sequence[str] | None = None) -> np.ndarray:
        scores = np.asarray(scores, dtype=float)
        answered = np.asarray(answered, dtype=bool)
        domains = np.asarray(domains if domains is not None else [PLAIN] * len(scores))
        out = np.empty(len(scores))
        out[answered] = _apply(self.answered_, scores[answered])
        for domain, curve in getattr(self, "domains_", {}).items():
            mask = answered & (domains == domain)
            out[mask] = _apply(curve, scores[mask])
        out[~answered] = _apply(self.abstained_, scores[~answered])
        return np.clip(out, 0.0, 1.0)

    def to_dict(self) -> dict:
        return {"answered": self.answered_, "abstained": self.abstained_, "domains": self.domains_}

    @classmethod
    def from_dict(cls, data: dict) -> "ConfidenceCalibrator":
        calibrator = cls()
        calibrator.answered_ = data["answered"]
        calibrator.abstained_ = data["abstained"]
        calibrator.domains_ = data.get("domains", {})
        return calibrator


def fit_calibration(decisions: Sequence, docs: Sequence, labels: Sequence[str] | None = None,
                    correct: Sequence[bool] | None = None) -> ConfidenceCalibrator:
    """The one way calibration is fitted: on out-of-fold decisions, their logs and whether each was right."""
    if correct is None:
        correct = [(d.pattern_id == y) if y != "unknown" else d.pattern_id is None for d, y in zip(decisions, labels)]
    return ConfidenceCalibrator().fit([d.score for d in decisions], [not d.abstained for d in decisions],
                                      correct, [domain_of(doc) for doc in docs])


def calibrated(calibrator: ConfidenceCalibrator | None, decisions: Sequence, docs: Sequence) -> np.ndarray:
    """The one way calibration is applied: P(right) of each decision (raw scores clipped without a calibrator)."""
    if calibrator is None or not len(decisions):
        return np.clip(np.array([d.score for d in decisions], dtype=float), 0.0, 1.0)
    return calibrator.predict_proba([d.score for d in decisions], [not d.abstained for d in decisions],
                                    [domain_of(doc) for doc in docs])


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
