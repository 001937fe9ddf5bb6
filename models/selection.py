"""Model selection: which matcher weights, threshold and neighbours to keep, judged out of fold.

Two kinds of evidence judge a trial:
- the labelled corpus, by stratified k-fold cross-validation (each fold judged by matchers fitted on the
  other folds only);
- real CI job logs, when given, by repository-grouped folds: their features come from line scorers that
  never saw the repository, and the matcher is fitted on the corpus, which never holds them.

A trial's objective is the corpus objective, or the mean of the corpus and real-log objectives. The
winner follows the one-standard-error rule over the corpus folds, preferring the loosest distance threshold.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from autodevops.features.document import LogFeatures, stack
from autodevops.models import realworld
from autodevops.models.calibration import ConfidenceCalibrator, calibrated, fit_calibration
from autodevops.models.evaluation import cross_val_decisions, is_correct, metrics, objective
from autodevops.models.matcher import SEED_PARAMS, Decision, PatternMatcher

K_VALUES = (1, 2, 3, 5)


@dataclass
class RealSet:
    """Real CI logs with their out-of-fold features, folds and (per ``k``) similarities to the corpus."""

    logs: list
    docs: list[LogFeatures]
    folds: np.ndarray
    sims: dict[int, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class Trial:
    """One evaluated parameter set."""

    params: dict
    corpus_folds: list[float]
    corpus: dict
    real: dict | None
    objective: float


def sample_trials(n: int, seed: int) -> list[dict]:
    """The seed parameters first, then random points of the search space."""
    rng = np.random.default_rng(seed)
    trials = [dict(SEED_PARAMS)]
    for _ in range(max(n - 1, 0)):
        w = rng.dirichlet([1.0, 1.0, 1.0])
        trials.append({
            "w_similarity": round(float(w[0]), 4), "w_keyword": round(float(w[1]), 4),
            "w_history": round(float(w[2]), 4),
            "max_distance": round(float(rng.uniform(0.2, 0.95)), 3),
            "k": int(rng.choice(K_VALUES)),
            "min_score": round(float(rng.uniform(0.0, 0.85)), 3),
            "root_cause_margin": float(rng.choice([0.0, 0.03, 0.05, 0.1, 0.2])),
        })
    return trials


def real_similarities(real: RealSet, X: np.ndarray, labels: Sequence[str], ks: Sequence[int] = K_VALUES) -> None:
    """Fill ``real.sims``: similarities of the real logs to the corpus examples, once per ``k``."""
    R = stack(real.docs)
    for k in ks:
        real.sims[k] = PatternMatcher(k=k).fit(X, labels).similarities(R)


def real_decisions(params: dict, priors: dict, X: np.ndarray, labels: Sequence[str], real: RealSet) -> list[Decision]:
    """Decisions on the real logs by a matcher fitted on the corpus with ``params``."""
    matcher = PatternMatcher(**params, **priors).fit(X, labels)
    return matcher.decide_with(real.docs, real.sims[params["k"]])


def evaluate(params: dict, docs: Sequence[LogFeatures], labels: Sequence[str], sims: np.ndarray, priors: dict,
             assignment: np.ndarray, real: RealSet | None = None) -> tuple[Trial, list[Decision], list[Decision]]:
    """One trial judged out of fold: its figures, corpus decisions and real-log decisions."""
    decisions = cross_val_decisions(docs, labels, params, priors, assignment, sims)
    predicted = [d.pattern_id for d in decisions]
    folds = []
    for f in range(int(assignment.max()) + 1):
        idx = np.flatnonzero(assignment == f)
        folds.append(objective(metrics([predicted[i] for i in idx], [labels[i] for i in idx])))
    score = float(np.mean(folds))
    real_scores, on_real = None, []
    if real is not None:
        on_real = real_decisions(params, priors, stack(docs), labels, real)
        real_scores = realworld.real_metrics([d.pattern_id for d in on_real], [d.score for d in on_real],
                                             [d.matched_lines for d in on_real], real.logs)
        score = (score + realworld.objective(real_scores)) / 2
    return Trial(params, folds, metrics(predicted, labels), real_scores, round(score, 6)), decisions, on_real


def one_standard_error(trials: Sequence[Trial]) -> int:
    """Among trials within one standard error (over corpus folds) of the best objective, the loosest threshold."""
    best = int(np.argmax([t.objective for t in trials]))
    folds = trials[best].corpus_folds
    se = float(np.std(folds, ddof=1) / np.sqrt(len(folds))) if len(folds) > 1 else 0.0
    close = [i for i, t in enumerate(trials) if t.objective >= trials[best].objective - se]
    return max(close, key=lambda i: (trials[i].params["max_distance"], trials[i].objective, -i))


def calibrate(decisions: Sequence[Decision], docs: Sequence[LogFeatures], labels: Sequence[str],
              real: RealSet | None = None, on_real: Sequence[Decision] = ()) -> ConfidenceCalibrator:
    """The calibration of the chosen trial, on its out-of-fold decisions over the corpus and the real logs."""
    all_decisions, all_docs = list(decisions), list(docs)
    correct = [is_correct(d.pattern_id, y) for d, y in zip(decisions, labels)]
    if real is not None:
        all_decisions += list(on_real)
        all_docs += list(real.docs)
        correct += [log.accepts(d.pattern_id) for d, log in zip(on_real, real.logs)]
    return fit_calibration(all_decisions, all_docs, correct=correct)


def real_report(decisions: Sequence[Decision], docs: Sequence[LogFeatures], labels: Sequence[str],
                real: RealSet, on_real: Sequence[Decision]) -> dict:
    """Real-log figures with cross-fitted confidence: each repository fold calibrated without its own answers."""
    confidence = np.zeros(len(on_real))
    for fold in range(int(real.folds.max()) + 1):
        test = np.flatnonzero(real.folds == fold)
        train = np.flatnonzero(real.folds != fold)
        subset = RealSet([real.logs[i] for i in train], [real.docs[i] for i in train], real.folds[train])
        calibrator = calibrate(decisions, docs, labels, subset, [on_real[i] for i in train])
        confidence[test] = calibrated(calibrator, [on_real[i] for i in test], [real.docs[i] for i in test])
    return realworld.real_metrics([d.pattern_id for d in on_real], confidence.tolist(),
                                  [d.matched_lines for d in on_real], real.logs)
