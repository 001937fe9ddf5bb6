"""The ``tune`` flow: search weights, distance threshold and neighbours by cross-validation, in MLflow.

1. Embed the train and held-out corpora (cached).
2. Out-of-fold similarities on train for each ``k`` (the held-out split stays untouched).
3. Random search over the weight simplex, ``max_distance``, ``k``, ``min_score`` and ``root_cause_margin``;
   each trial is a nested MLflow run, scored by the out-of-fold ``objective`` (top-1 and abstention on unknowns).
   The winner follows the one-standard-error rule: among trials within one standard error (over folds) of the
   best, the largest ``max_distance``. Each fold is judged by matchers fitted on the other folds only.
4. Calibrate the best trial's confidence on its out-of-fold decisions (isotonic).
5. Final evaluation on held-out; log metrics, figures and tables; save the tuned configuration where
   ``analyze`` reads it; register the analyzer as a pyfunc model with the alias ``champion``.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from autodevops.corpus import Taxonomy, corpus_hash, load_catalog, load_corpus, load_paths, priors_of, validate
from autodevops.features.document import LogFeatures, stack
from autodevops.features.extract import FailureExtractor
from autodevops.features.signals import SignalMatcher
from autodevops.model_config import ModelConfig
from autodevops.models.calibration import ConfidenceCalibrator
from autodevops.models.evaluation import (cross_val_decisions, fold_ids, is_correct, metrics, objective,
                                          out_of_fold_similarities, per_category)
from autodevops.models.matcher import SEED_PARAMS, Decision, PatternMatcher
from autodevops.plots import confusion_figure, correctness, coverage_curve, reliability_figure
from autodevops.settings import Settings
from autodevops.store import open_store, redact_url
from autodevops.flows.tasks import embed_corpus

MODEL_NAME = "autodevops-analyzer"
K_VALUES = (1, 2, 3, 5)


def sample_trials(n: int, seed: int) -> list[dict]:
    """The seed parameters first, then random points of the search space."""
    rng = np.random.default_rng(seed)
    trials = [dict(SEED_PARAMS)]
    for _ in range(max(n - 1, 0)):
        w = rng.dirichlet([1.0, 1.0, 1.0])
        trials.append({
            "w_similarity": round(float(w[0]), 4), "w_keyword": round(float(w[1]), 4),
            "w_history": round(float(w[2]), 4),
            "max_distance": round(float(rng.uniform(0.2, 0.9)), 3),
            "k": int(rng.choice(K_VALUES)),
            "min_score": round(float(rng.uniform(0.0, 0.8)), 3),
            "root_cause_margin": float(rng.choice([0.0, 0.03, 0.05, 0.1])),
        })
    return trials


def evaluate(params: dict, docs: list[LogFeatures], labels: list[str], sims: np.ndarray,
             priors: dict, assignment: np.ndarray) -> tuple[dict, list[float], list[Decision]]:
    """Out-of-fold metrics of one trial, its objective per fold, and its decisions."""
    decisions = cross_val_decisions(docs, labels, params, priors, assignment, sims)
    predicted = [d.pattern_id for d in decisions]
    per_fold = []
    for f in range(int(assignment.max()) + 1):
        idx = np.flatnonzero(assignment == f)
        per_fold.append(objective(metrics([predicted[i] for i in idx], [labels[i] for i in idx])))
    return metrics(predicted, labels), per_fold, decisions


def one_standard_error(results: list[tuple[dict, list[float]]]) -> int:
    """The one-standard-error rule: among trials within one standard error (over folds) of the best mean
    objective, the one with the loosest distance threshold (the least reliance on resembling train)."""
    means = [float(np.mean(f)) for _, f in results]
    best = int(np.argmax(means))
    folds = results[best][1]
    se = float(np.std(folds, ddof=1) / np.sqrt(len(folds))) if len(folds) > 1 else 0.0
    close = [i for i, m in enumerate(means) if m >= means[best] - se]
    return max(close, key=lambda i: (results[i][0]["max_distance"], means[i], -i))


@flow(name="tune")
def tune(store_url: str | None = None, trials: int = 300, folds: int = 5, seed: int = 0,
         train_paths: list[str] | None = None, heldout_paths: list[str] | None = None,
         register: bool = True) -> dict:
    """Tune on train by cross-validation, evaluate once on held-out, save and register the result."""
    import mlflow

    logger = get_run_logger()
    settings = Settings.from_env(store_url)
    settings.ensure_home()
    taxonomy = Taxonomy.load()
    catalog = load_catalog(taxonomy=taxonomy)
    train = load_paths([Path(p) for p in train_paths], "train") if train_paths else load_corpus("train")
    heldout = load_paths([Path(p) for p in heldout_paths], "heldout") if heldout_paths else load_corpus("heldout")
    validate(train, taxonomy)
    validate(heldout, taxonomy)
    stored = stored_patterns(settings)
    priors = priors_of(catalog.values(), {p.id: p.success_rate for p in stored} or None)
    variant = settings.encoder_variant
    extractor = FailureExtractor(SignalMatcher.from_patterns(catalog.values()))
    train_docs, encoder_name = embed_corpus(train, extractor, settings, variant)
    heldout_docs, _ = embed_corpus(heldout, extractor, settings, variant)
    y_train = [r.pattern_id for r in train]
    y_heldout = [r.pattern_id for r in heldout]
    X = stack(train_docs)

    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    mlflow.set_experiment("autodevops-tune")
    with mlflow.start_run(run_name="tune") as parent:
        mlflow.log_params({"trials": trials, "folds": folds, "seed": seed, "encoder": encoder_name,
                           "store": redact_url(settings.store_url or "embedded"),
                           "n_train": len(train), "n_heldout": len(heldout)})
        mlflow.set_tags({"corpus_hash.train": corpus_hash(train), "corpus_hash.heldout": corpus_hash(heldout)})
        assignment = fold_ids(y_train, folds, seed)
        sims = out_of_fold_similarities(X, y_train, assignment, K_VALUES)
        candidates = sample_trials(trials, seed)
        results = []
        for i, params in enumerate(candidates):
            scores, per_fold, _ = evaluate(params, train_docs, y_train, sims[params["k"]], priors, assignment)
            results.append((params, per_fold))
            with mlflow.start_run(run_name=f"trial-{i:03d}", nested=True):
                mlflow.log_params(params)
                mlflow.log_metrics({f"cv_{k}": v for k, v in scores.items() if isinstance(v, float)}
                                   | {"cv_objective": float(np.mean(per_fold))})
        best_index = one_standard_error(results)
        best_params = candidates[best_index]
        _, per_fold, cv_decisions = evaluate(best_params, train_docs, y_train, sims[best_params["k"]], priors,
                                             assignment)
        cv_objective = round(float(np.mean(per_fold)), 6)
        logger.info("best trial %d: cv objective %.4f %s", best_index, cv_objective, best_params)

        calibrator = ConfidenceCalibrator().fit(
            [d.score for d in cv_decisions], [not d.abstained for d in cv_decisions],
            [is_correct(d.pattern_id, y) for d, y in zip(cv_decisions, y_train)])
        matcher = PatternMatcher(**best_params, **priors).fit(X, y_train)
        decisions = matcher.decide(heldout_docs)
        predicted = [d.pattern_id for d in decisions]
        confidence = calibrator.predict_proba([d.score for d in decisions], [not d.abstained for d in decisions])
        seed_heldout = metrics(PatternMatcher(**SEED_PARAMS, **priors).fit(X, y_train).predict(heldout_docs),
                               y_heldout)
        heldout_metrics = metrics(predicted, y_heldout, confidence)

        mlflow.log_params({f"best_{k}": v for k, v in best_params.items()} | {"best_trial": best_index})
        mlflow.log_metrics({"cv_objective": cv_objective}
                           | {f"heldout_{k}": v for k, v in heldout_metrics.items() if isinstance(v, float)}
                           | {f"seed_heldout_{k}": v for k, v in seed_heldout.items() if isinstance(v, float)})
        mlflow.log_figure(confusion_figure(predicted, y_heldout, "Held-out category confusion (tuned)"),
                          "confusion_matrix.png")
        mlflow.log_figure(reliability_figure(confidence, correctness(predicted, y_heldout),
                                             title="Held-out reliability (tuned, calibrated)"), "reliability.png")
        mlflow.log_table({k: [row[k] for row in per_category(predicted, y_heldout)]
                          for k in ("category", "support", "top1", "category_accuracy")}, "per_category.json")
        curve = coverage_curve(predicted, y_heldout, confidence)
        mlflow.log_table({k: [row[k] for row in curve] for k in curve[0]}, "coverage_precision.json")

        config = ModelConfig(params=best_params, calibration=calibrator.to_dict(), source="tuned",
                             metrics={"cv_objective": cv_objective, "heldout": heldout_metrics},
                             corpus_hash=corpus_hash(train))
        config.save(settings.tuned_config_path)
        mlflow.log_artifact(str(settings.tuned_config_path))
        version = _register(settings, config) if register else None

    create_markdown_artifact(key="tune-report", markdown=(
        f"# Tune\n\nBest trial {best_index} of {trials}: `{best_params}`\n\n"
        f"CV objective {cv_objective:.4f}. Held-out: {heldout_metrics}\n\nSeed weights on held-out: {seed_heldout}\n"))
    return {"run_id": parent.info.run_id, "best_params": best_params, "cv_objective": cv_objective,
            "heldout": heldout_metrics, "seed_heldout": seed_heldout, "model_version": version,
            "config": str(settings.tuned_config_path)}


def stored_patterns(settings: Settings) -> list:
    """The store's patterns (for learned success rates), or none before the first ingest."""
    if not settings.store_url and not settings.embedded_store_path.exists():
        return []
    with open_store(settings, read_only=not settings.store_url) as store:
        return store.patterns()


def _register(settings: Settings, config: ModelConfig) -> str:
    """Log the analyzer as a pyfunc model, register it and point the ``champion`` alias at it."""
    import mlflow
    from mlflow import MlflowClient

    from autodevops.serving import AnalyzerModel, write_snapshot

    with tempfile.TemporaryDirectory() as tmp, open_store(settings, read_only=not settings.store_url) as store:
        artifacts = write_snapshot(store, Path(tmp))
        artifacts["config"] = str(settings.tuned_config_path)
        info = mlflow.pyfunc.log_model(name="analyzer", python_model=AnalyzerModel(), artifacts=artifacts,
                                       registered_model_name=MODEL_NAME,
                                       input_example=None, pip_requirements=["autodevops"])
    version = str(info.registered_model_version)
    MlflowClient().set_registered_model_alias(MODEL_NAME, "champion", version)
    return version
