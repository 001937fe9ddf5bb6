"""Accuracy metrics and cross-validated decisions, shared by tune, benchmark and the tests."""
from __future__ import annotations

from collections import Counter
from typing import Sequence

import numpy as np

from autodevops.features.document import LogFeatures, stack
from autodevops.models.calibration import expected_calibration_error
from autodevops.models.matcher import Decision, PatternMatcher
from autodevops.records import UNKNOWN


def category(pattern_id: str | None) -> str | None:
    return None if pattern_id in (None, UNKNOWN) else pattern_id.split(".", 1)[0]


def is_correct(predicted: str | None, label: str) -> bool:
    """An answer is right when it names the label; an abstention is right only on an ``unknown`` log."""
    return predicted == label if label != UNKNOWN else predicted is None


def metrics(predicted: Sequence[str | None], labels: Sequence[str], confidence: Sequence[float] | None = None) -> dict:
    """Top-1, category accuracy, abstention on unknowns, false abstention, coverage/precision and ECE."""
    known = [i for i, y in enumerate(labels) if y != UNKNOWN]
    unknown = [i for i, y in enumerate(labels) if y == UNKNOWN]
    answered = [i for i, p in enumerate(predicted) if p is not None]
    out = {
        "n": len(labels),
        "n_known": len(known),
        "n_unknown": len(unknown),
        "top1": _mean(predicted[i] == labels[i] for i in known),
        "category_accuracy": _mean(category(predicted[i]) == category(labels[i]) for i in known),
        "unknown_abstention": _mean(predicted[i] is None for i in unknown),
        "false_abstention": _mean(predicted[i] is None for i in known),
        "coverage": len(answered) / len(labels) if labels else 0.0,
        "precision": _mean(predicted[i] == labels[i] for i in answered),
        "accuracy": _mean(is_correct(p, y) for p, y in zip(predicted, labels)),
    }
    if confidence is not None:
        out["ece"] = expected_calibration_error(confidence, [is_correct(p, y) for p, y in zip(predicted, labels)])
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}


def objective(scores: dict) -> float:
    """What tuning maximises: top-1 on known patterns, weighted 2:1 against abstaining on unknown logs.

    Plain accuracy would let the few unknown logs of a corpus count for little; a wrong answer on a log
    outside the taxonomy costs a person as much time as a wrong pattern.
    """
    return round((2 * scores["top1"] + scores["unknown_abstention"]) / 3, 6)


def per_category(predicted: Sequence[str | None], labels: Sequence[str]) -> list[dict]:
    """One row per category (and ``unknown``): support, top-1 and category accuracy."""
    rows = []
    groups: dict[str, list[int]] = {}
    for i, y in enumerate(labels):
        groups.setdefault(category(y) or UNKNOWN, []).append(i)
    for name in sorted(groups):
        idx = groups[name]
        rows.append({
            "category": name,
            "support": len(idx),
            "top1": round(_mean(is_correct(predicted[i], labels[i]) for i in idx), 4),
            "category_accuracy": round(_mean((category(predicted[i]) or UNKNOWN) == name for i in idx), 4),
        })
    return rows


def confusions(predicted: Sequence[str | None], labels: Sequence[str], top: int = 10) -> list[tuple[str, str, int]]:
    """The most frequent (label, prediction) mistakes."""
    counts = Counter((y, p or "(abstain)") for p, y in zip(predicted, labels) if not is_correct(p, y))
    return [(y, p, n) for (y, p), n in counts.most_common(top)]


def fold_ids(groups: Sequence[str], folds: int, seed: int = 0) -> np.ndarray:
    """Stratified fold assignment by label, deterministic."""
    rng = np.random.default_rng(seed)
    out = np.empty(len(groups), dtype=int)
    by_label: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        by_label.setdefault(g, []).append(i)
    for label in sorted(by_label):
        idx = np.array(by_label[label])
        rng.shuffle(idx)
        out[idx] = np.arange(len(idx)) % folds
    return out


def out_of_fold_similarities(X: np.ndarray, labels: Sequence[str], assignment: np.ndarray,
                             ks: Sequence[int]) -> dict[int, np.ndarray]:
    """For each k: (n, n_classes) similarities of every log to the other folds' examples.

    Computed once per ``k`` so that tuning can try many weights without recomputing them.
    """
    y = np.asarray(labels)
    classes = np.unique(y)
    out = {k: np.zeros((len(y), len(classes)), dtype=np.float32) for k in ks}
    for f in range(int(assignment.max()) + 1):
        test, train = assignment == f, assignment != f
        if not np.array_equal(np.unique(y[train]), classes):
            raise ValueError("every label needs examples outside each fold: add examples or use fewer folds")
        for k in ks:
            out[k][test] = PatternMatcher(k=k).fit(X[train], y[train]).similarities(X[test])
    return out


def cross_val_decisions(docs: Sequence[LogFeatures], labels: Sequence[str], params: dict, priors: dict,
                        assignment: np.ndarray, sims: np.ndarray | None = None) -> list[Decision]:
    """Out-of-fold decisions: each log is judged by a matcher fitted on the other folds only.

    ``priors`` are the matcher's non-tuned arguments (``history``, ``symptoms``); ``sims`` may carry the
    precomputed ``out_of_fold_similarities`` for ``params["k"]``.
    """
    X = stack(docs)
    y = np.asarray(labels)
    if sims is None:
        sims = out_of_fold_similarities(X, labels, assignment, (params["k"],))[params["k"]]
    out: list[Decision | None] = [None] * len(docs)
    for f in range(int(assignment.max()) + 1):
        test = np.flatnonzero(assignment == f)
        train = np.flatnonzero(assignment != f)
        # Fold-local fit: evidence similarity must not see the log's own example.
        matcher = PatternMatcher(**params, **priors).fit(X[train], y[train])
        for i, d in zip(test, matcher.decide_with([docs[i] for i in test], sims[test])):
            out[i] = d
    return out  # type: ignore[return-value]


def _mean(values) -> float:
    values = list(values)
    return float(np.mean(values)) if values else 0.0
