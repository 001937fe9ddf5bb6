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

from pathlib import Path

from autodevops.corpus import (Taxonomy, corpus_hash, load_catalog, load_corpus, load_paths, priors_of,
                               read_real_logs, validate)
from autodevops.features.document import stack
from autodevops.features.extract import FailureExtractor
from autodevops.features.signals import SignalMatcher
from autodevops.model_config import ModelConfig
from autodevops.models import selection
from autodevops.models.calibration import calibrated
from autodevops.models.evaluation import fold_ids, metrics, out_of_fold_similarities
from autodevops.models.line_weights import current_line_scorer
from autodevops.models.matcher import SEED_PARAMS, PatternMatcher
from autodevops.settings import Settings
from autodevops.store import open_store, redact_url
from autodevops.tracking import log_chosen, log_trial
from autodevops.flows.orchestration import flow, publish_markdown, run_logger
from autodevops.flows.tasks import embed_corpus, embed_real, fit_line_scorer

MODEL_NAME = "autodevops-analyzer"


@flow(name="tune")
def tune(store_url: str | None = None, trials: int = 300, folds: int = 5, seed: int = 0,
         train_paths: list[str] | None = None, heldout_paths: list[str] | None = None,
         real_paths: list[str] | None = None, register_model: bool = True) -> dict:
    """Tune on train (and real CI logs) out of fold, evaluate once on held-out, save and register the result."""
    import mlflow

    logger = run_logger()
    settings = Settings.from_env(store_url)
    settings.ensure_home()
    taxonomy = Taxonomy.load()
    catalog = load_catalog(taxonomy=taxonomy)
    train = load_paths([Path(p) for p in train_paths], "train") if train_paths else load_corpus("train")
    heldout = load_paths([Path(p) for p in heldout_paths], "heldout") if heldout_paths else load_corpus("heldout")
    validate(train, taxonomy)
    validate(heldout, taxonomy)
    real_logs = [log for path in real_paths or () for log in read_real_logs(Path(path))]
    priors = priors_of(catalog.values(), {p.id: p.success_rate for p in stored_patterns(settings)} or None)
    signals = SignalMatcher.from_patterns(catalog.values())
    scorer = fit_line_scorer(real_logs, settings) if real_logs else current_line_scorer(settings.line_scorer_path)
    extractor = FailureExtractor(signals, scorer=scorer)
    train_docs, encoder_name = embed_corpus(train, extractor, settings)
    heldout_docs, _ = embed_corpus(heldout, extractor, settings)
    real = embed_real(real_logs, signals, settings) if real_logs else None
    y_train, y_heldout = [r.pattern_id for r in train], [r.pattern_id for r in heldout]
    X = stack(train_docs)

    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    mlflow.set_experiment("autodevops-tune")
    with mlflow.start_run(run_name="tune") as parent:
        mlflow.log_params({"trials": trials, "folds": folds, "seed": seed, "encoder": encoder_name,
                           "store": redact_url(settings.store_url or "embedded"), "n_train": len(train),
                           "n_heldout": len(heldout), "n_real": len(real_logs)})
        mlflow.set_tags({"corpus_hash.train": corpus_hash(train), "corpus_hash.heldout": corpus_hash(heldout)})
        assignment = fold_ids(y_train, folds, seed)
        sims = out_of_fold_similarities(X, y_train, assignment, selection.K_VALUES)
        if real is not None:
            selection.real_similarities(real, X, y_train)
        results = []
        for i, params in enumerate(selection.sample_trials(trials, seed)):
            results.append(selection.evaluate(params, train_docs, y_train, sims[params["k"]], priors, assignment,
                                              real)[0])
            log_trial(i, results[-1])
        best_index = selection.one_standard_error(results)
        best, cv_decisions, on_real = selection.evaluate(results[best_index].params, train_docs, y_train,
                                                         sims[results[best_index].params["k"]], priors, assignment, real)
        logger.info("best trial %d: objective %.4f %s", best_index, best.objective, best.params)
        calibrator = selection.calibrate(cv_decisions, train_docs, y_train, real, on_real)
        decisions = PatternMatcher(**best.params, **priors).fit(X, y_train).decide(heldout_docs)
        predicted = [d.pattern_id for d in decisions]
        confidence = calibrated(calibrator, decisions, heldout_docs)
        seed_heldout = metrics(PatternMatcher(**SEED_PARAMS, **priors).fit(X, y_train).predict(heldout_docs), y_heldout)
        figures = {"objective": best.objective, "cv": best.corpus, "heldout": metrics(predicted, y_heldout, confidence),
                   "seed_heldout": seed_heldout}
        if real is not None:
            figures["real"] = selection.real_report(cv_decisions, train_docs, y_train, real, on_real)
        log_chosen(best.params, best_index, figures, predicted, y_heldout, confidence)
        config = ModelConfig(params=best.params, calibration=calibrator.to_dict(), source="tuned",
                             metrics=figures, corpus_hash=corpus_hash(train))
        config.save(settings.tuned_config_path)
        mlflow.log_artifact(str(settings.tuned_config_path))
        version = _register(settings, config) if register_model else None

    publish_markdown(key="tune-report", markdown=(
        f"# Tune\n\nBest trial {best_index} of {trials}: `{best.params}`\n\nObjective {best.objective:.4f}.\n\n"
        + "".join(f"- {name}: {values}\n" for name, values in figures.items())))
    return {"run_id": parent.info.run_id, "best_params": best.params, **figures, "model_version": version,
            "config": str(settings.tuned_config_path)}


def stored_patterns(settings: Settings) -> list:
    """The store's patterns (for learned success rates), or none before the first ingest."""
    if not settings.store_url and not settings.embedded_store_path.exists():
        return []
    with open_store(settings, read_only=not settings.store_url) as store:
        return store.patterns()


def _register(settings: Settings, config: ModelConfig) -> str:
    """Log the analyzer as a pyfunc model and register it; ``champion`` moves only if it wins on held-out."""
    import mlflow

    from autodevops.registry import register

    with open_store(settings, read_only=True) as store:
        registration = register(settings, config, store, MODEL_NAME, mlflow.active_run().info.run_id)
    run_logger().info("model version %s: %s", registration.version, registration.reason)
    return registration.version
