"""Approaches side by side on the same logs: the product's tuned hybrid against simpler baselines.

Held-out and probe sets are judged per log; real CI logs are judged out of fold by repository, with the
evidence lines each approach shows (chunk hit) and confidence calibrated without the log's repository.
"""
from __future__ import annotations

from collections import Counter
from typing import Sequence

import numpy as np

from autodevops.features.document import LogFeatures, stack
from autodevops.model_config import ModelConfig
from autodevops.models import realworld
from autodevops.models.baselines import EmbeddingNearestNeighbour, KeywordRules, TfidfNearestNeighbour
from autodevops.models.calibration import calibrated
from autodevops.models.evaluation import cross_val_decisions, fold_ids, is_correct, metrics
from autodevops.models.matcher import SEED_PARAMS, PatternMatcher
from autodevops.models.selection import RealSet, real_decisions, real_report, real_similarities

WRAPPER = "lines before the CI's wrapper line"

SEED_RULES = "seed keyword rules"
TFIDF = "TF-IDF nearest neighbour"
EMBEDDING = "embedding nearest neighbour"
SEED_HYBRID = "hybrid, seed weights"
TUNED = "hybrid, tuned + calibrated"


def run_approaches(catalog: dict, priors: dict, config: ModelConfig, train, train_docs: list[LogFeatures],
                   logs: list[str], docs: list[LogFeatures], labels: list[str]) -> tuple[dict, dict]:
    """Predictions of every approach on one evaluation set, and the tuned hybrid's decisions/confidence."""
    y_train = [r.pattern_id for r in train]
    X = stack(train_docs)
    predictions = {
        SEED_RULES: KeywordRules([(p.id, p.keywords) for p in catalog.values()]).fit().predict(logs),
        TFIDF: TfidfNearestNeighbour().fit([d.text for d in train_docs], y_train).predict([d.text for d in docs]),
        EMBEDDING: EmbeddingNearestNeighbour().fit(train_docs, y_train).predict(docs),
    }
    seed = PatternMatcher(**SEED_PARAMS, **priors).fit(X, y_train).decide(docs)
    predictions[SEED_HYBRID] = [d.pattern_id for d in seed]
    tuned = PatternMatcher(**config.params, **priors).fit(X, y_train).decide(docs)
    predictions[TUNED] = [d.pattern_id for d in tuned]
    confidence = calibrated(config.calibrator(), tuned, docs)
    seed_confidence = np.clip([d.score for d in seed], 0, 1)
    scores = {name: metrics(p, labels) for name, p in predictions.items()}
    scores[SEED_HYBRID] = metrics(predictions[SEED_HYBRID], labels, seed_confidence)
    scores[TUNED] = metrics(predictions[TUNED], labels, confidence)
    return scores, {"decisions": tuned, "confidence": confidence, "predictions": predictions,
                    "seed_confidence": seed_confidence}


def per_pattern(predicted: list, labels: list[str], min_support: int) -> list[dict]:
    rows = []
    for pid, n in sorted(Counter(labels).items()):
        right = sum(is_correct(p, y) for p, y in zip(predicted, labels) if y == pid)
        rows.append({"pattern_id": pid, "support": n, "right": right, "top1": round(right / n, 4),
                     "warning": f"only {n} held-out logs: number not trustworthy" if n < min_support else ""})
    return rows




def real_approaches(catalog: dict, priors: dict, config: ModelConfig, train, train_docs: list[LogFeatures],
                    real: RealSet, folds: int = 5) -> dict:
    """Real-log figures of every approach; the hybrids judged out of fold with cross-fitted confidence."""
    y_train = [r.pattern_id for r in train]
    X = stack(train_docs)
    real_similarities(real, X, y_train, sorted({SEED_PARAMS["k"], config.params["k"]}))
    logs = real.logs
    evidence = [[line.text for line in d.extraction.lines] for d in real.docs]
    texts = [log.log for log in logs]

    def figures(predicted: Sequence[str | None], confidence: Sequence[float], shown=evidence) -> dict:
        return realworld.real_metrics(list(predicted), list(confidence), shown, logs)

    out = {WRAPPER: figures([None] * len(logs), [0.0] * len(logs), realworld.wrapper_baseline(logs))}
    keyword = KeywordRules([(p.id, p.keywords) for p in catalog.values()]).fit().predict(texts)
    out["seed keyword rules (whole log)"] = figures(keyword, [1.0] * len(logs))
    tfidf = TfidfNearestNeighbour().fit([d.text for d in train_docs], y_train).predict([d.text for d in real.docs])
    out["TF-IDF nearest neighbour"] = figures(tfidf, [1.0] * len(logs))
    seed = real_decisions(dict(SEED_PARAMS), priors, X, y_train, real)
    out["hybrid, seed weights"] = figures([d.pattern_id for d in seed], np.clip([d.score for d in seed], 0, 1))
    assignment = fold_ids(y_train, folds)
    corpus_decisions = cross_val_decisions(train_docs, y_train, config.params, priors, assignment)
    tuned = real_decisions(config.params, priors, X, y_train, real)
    out["hybrid, tuned + calibrated"] = real_report(corpus_decisions, train_docs, y_train, real, tuned)
    return out
