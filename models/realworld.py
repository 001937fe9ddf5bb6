"""Real CI logs as training and evaluation data: repository-grouped cross-validation and its figures.

A real-log set holds complete CI job logs with the failure-reason chunk a person cut out by hand and a
taxonomy label (``unknown`` when no pattern fits), in the shape of ``shared/realworld/logchunks-dev``.
Logs of one repository resemble each other, so every figure here comes from folds grouped by repository
(scikit-learn's ``GroupKFold``): a log is judged by a line scorer and a calibration that never saw its
repository.

Figures (the same definitions as the reference scorer shipped with the data):
- ``chunk_hit``: at least one evidence line lies inside the hand-marked chunk (over all logs);
- ``precision``: right answers over all answers, answers on ``unknown`` logs included;
- ``top1_known``: right answers over in-taxonomy logs; ``unknown_abstention``: abstentions over ``unknown`` logs;
- ``ece``: expected calibration error of the answers' confidence.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from autodevops.features.document import LogFeatures, featurize
from autodevops.features.encoder import Encoder
from autodevops.features.extract import MAX_LINES, FailureExtractor, failed_region
from autodevops.features.signals import SignalMatcher
from autodevops.models.calibration import expected_calibration_error
from autodevops.models.line_scorer import LineScorer, chunk_labels, flatten
from autodevops.records import UNKNOWN


@dataclass(frozen=True)
class RealLog:
    """One real CI job log with its hand-marked failure reason and taxonomy label."""

    id: str
    repo: str
    log: str
    chunk: str
    label: str
    also: tuple[str, ...] = ()

    def accepts(self, pattern_id: str | None) -> bool:
        """Whether an answer (``None``: abstention) is right for this log."""
        allowed = {self.label, *self.also}
        return pattern_id in allowed if pattern_id is not None else UNKNOWN in allowed


def folds_by_repository(logs: Sequence[RealLog], n_folds: int = 7) -> np.ndarray:
    """Fold index of each log; all logs of a repository share a fold."""
    from sklearn.model_selection import GroupKFold

    n_folds = min(n_folds, len({log.repo for log in logs}))
    out = np.zeros(len(logs), dtype=int)
    for fold, (_, test) in enumerate(GroupKFold(n_splits=n_folds).split(logs, groups=[l.repo for l in logs])):
        out[test] = fold
    return out


def training_regions(logs: Sequence[RealLog]) -> tuple[list[list[str]], list[list[bool]]]:
    """The failed-step lines of each log and, per line, whether it lies in the hand-marked chunk."""
    regions, labels = [], []
    for log in logs:
        region = failed_region(log.log)[3]
        regions.append(region)
        labels.append(chunk_labels(region, log.chunk))
    return regions, labels


def fit_line_scorer(logs: Sequence[RealLog], C: float = 0.3) -> LineScorer:
    """A line scorer fitted on every given log's hand-marked chunk."""
    regions, labels = training_regions(logs)
    return LineScorer(C=C).fit(regions, labels)


def out_of_fold_features(logs: Sequence[RealLog], signals: SignalMatcher, encoder: Encoder,
                         assignment: np.ndarray) -> list[LogFeatures]:
    """Features of every log, each extracted by a line scorer fitted on the other folds only."""
    regions, labels = training_regions(logs)
    out: list[LogFeatures | None] = [None] * len(logs)
    for fold in range(int(assignment.max()) + 1):
        train = np.flatnonzero(assignment != fold)
        test = np.flatnonzero(assignment == fold)
        scorer = LineScorer().fit([regions[i] for i in train], [labels[i] for i in train])
        docs = featurize([logs[i].log for i in test], FailureExtractor(signals, scorer=scorer), encoder)
        for i, doc in zip(test, docs):
            out[i] = doc
    return out  # type: ignore[return-value]


def chunk_hit(lines: Sequence[str], log: RealLog) -> bool:
    """At least one line (of 8+ characters) lies inside the log's hand-marked chunk."""
    chunk = flatten(log.chunk)
    return any(len(flat) >= 8 and (flat in chunk or (len(chunk) >= 8 and chunk in flat)) for flat in map(flatten, lines))


def real_metrics(predicted: Sequence[str | None], confidence: Sequence[float],
                 evidence: Sequence[Sequence[str]], logs: Sequence[RealLog]) -> dict:
    """Chunk hit, precision when answering, top-1 on in-taxonomy logs, abstention on ``unknown``, ECE."""
    known = [i for i, log in enumerate(logs) if log.label != UNKNOWN]
    unknown = [i for i, log in enumerate(logs) if log.label == UNKNOWN]
    answered = [i for i, p in enumerate(predicted) if p is not None]
    right = [logs[i].accepts(predicted[i]) for i in answered]
    out = {
        "n": len(logs), "n_known": len(known), "n_unknown": len(unknown), "answers": len(answered),
        "chunk_hit": _mean(chunk_hit(evidence[i], logs[i]) for i in range(len(logs))),
        "precision": _mean(right),
        "top1_known": _mean(logs[i].accepts(predicted[i]) and predicted[i] is not None for i in known),
        "unknown_abstention": _mean(predicted[i] is None for i in unknown),
        "ece": expected_calibration_error([confidence[i] for i in answered], right) if answered else 0.0,
    }
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}


def objective(scores: dict) -> float:
    """What tuning maximises on real logs: naming in-taxonomy failures and staying quiet on the rest, equally."""
    return round((scores["top1_known"] + scores["unknown_abstention"]) / 2, 6)


def wrapper_baseline(logs: Sequence[RealLog], lines: int = 8) -> list[list[str]]:
    """Evidence of the simplest reader: the ``lines`` non-blank lines before the CI's wrapper line."""
    out = []
    for log in logs:
        region = failed_region(log.log)[3]
        out.append([line for line in region if line.strip()][-lines:][:MAX_LINES])
    return out


def _mean(values) -> float:
    values = list(values)
    return float(np.mean(values)) if values else 0.0
