"""The ``benchmark`` flow: five approaches on the same held-out logs, written up as HTML + Markdown.

1. Embed train, held-out and any extra evaluation sets (``datasets/external``), through the cache.
2. Run the seed keyword rules, TF-IDF nearest neighbour, embedding nearest neighbour, the seed-weight
   hybrid and the tuned, calibrated hybrid (tuning first if nothing is tuned yet).
3. Metrics, plots, per-category / per-pattern tables and the worst confusions with their lines.
4. Write ``report.html`` (self-contained) and ``report.md`` under the output folder; log them to MLflow;
   publish the Markdown as a Prefect artifact.
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from autodevops.corpus import (Taxonomy, corpus_hash, datasets_dir, load_catalog, load_corpus, load_paths, priors_of,
                               validate)
from autodevops.features.document import LogFeatures, stack
from autodevops.features.extract import FailureExtractor
from autodevops.features.signals import SignalMatcher
from autodevops.model_config import ModelConfig
from autodevops.models.baselines import EmbeddingNearestNeighbour, KeywordRules, TfidfNearestNeighbour
from autodevops.models.evaluation import confusions, is_correct, metrics, per_category
from autodevops.models.matcher import SEED_PARAMS, PatternMatcher
from autodevops.plots import confusion_figure, correctness, coverage_curve, coverage_figure, reliability_figure
from autodevops.report import html_page, markdown
from autodevops.settings import Settings
from autodevops.store import redact_url
from autodevops.flows.tasks import embed_corpus
from autodevops.flows.tune import stored_patterns

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
    calibrator = config.calibrator()
    confidence = (calibrator.predict_proba([d.score for d in tuned], [not d.abstained for d in tuned])
                  if calibrator else np.clip([d.score for d in tuned], 0, 1))
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


@flow(name="benchmark")
def benchmark(output: str = "reports", store_url: str | None = None, train_paths: list[str] | None = None,
              heldout_paths: list[str] | None = None, min_support: int = 5, tune_trials: int = 300) -> dict:
    """Run the five approaches on held-out data and write the benchmarking report to ``output``."""
    import mlflow

    logger = get_run_logger()
    settings = Settings.from_env(store_url)
    settings.ensure_home()
    out = Path(output).resolve()
    out.mkdir(parents=True, exist_ok=True)
    config = ModelConfig.load(settings.tuned_config_path)
    if config.source != "tuned":
        from autodevops.flows.tune import tune

        logger.info("no tuned configuration yet: tuning first")
        tune(store_url=store_url, trials=tune_trials, train_paths=train_paths, heldout_paths=heldout_paths)
        config = ModelConfig.load(settings.tuned_config_path)

    taxonomy = Taxonomy.load()
    catalog = load_catalog(taxonomy=taxonomy)
    train = load_paths([Path(p) for p in train_paths], "train") if train_paths else load_corpus("train")
    heldout = load_paths([Path(p) for p in heldout_paths], "heldout") if heldout_paths else load_corpus("heldout")
    external_dir = datasets_dir() / "external"
    extra = {"external probes": load_paths([external_dir], "external")} if not heldout_paths and external_dir.exists() else {}
    for records in (train, heldout, *extra.values()):
        validate(records, taxonomy)
    stored = stored_patterns(settings)
    priors = priors_of(catalog.values(), {p.id: p.success_rate for p in stored} or None)
    extractor = FailureExtractor(SignalMatcher.from_patterns(catalog.values()))
    train_docs, encoder_name = embed_corpus(train, extractor, settings)
    heldout_docs, _ = embed_corpus(heldout, extractor, settings)
    labels = [r.pattern_id for r in heldout]

    scores, tuned = run_approaches(catalog, priors, config, train, train_docs, [r.log for r in heldout], heldout_docs, labels)
    extra_scores = {}
    for name, records in extra.items():
        docs, _ = embed_corpus(records, extractor, settings)
        extra_scores[name], _ = run_approaches(catalog, priors, config, train, train_docs, [r.log for r in records],
                                               docs, [r.pattern_id for r in records])

    predicted = tuned["predictions"][TUNED]
    images = {
        "Category confusion (tuned hybrid)": out / "confusion.png",
        "Reliability (tuned hybrid)": out / "reliability.png",
        "Coverage vs precision": out / "coverage.png",
    }
    confusion_figure(predicted, labels, "Held-out category confusion (tuned hybrid)").savefig(images["Category confusion (tuned hybrid)"], dpi=110)
    reliability_figure(tuned["confidence"], correctness(predicted, labels),
                       title="Held-out reliability (tuned hybrid)").savefig(images["Reliability (tuned hybrid)"], dpi=110)
    curves = {TUNED: coverage_curve(predicted, labels, tuned["confidence"]),
              SEED_HYBRID: coverage_curve(tuned["predictions"][SEED_HYBRID], labels, tuned["seed_confidence"])}
    coverage_figure(curves).savefig(images["Coverage vs precision"], dpi=110)

    by_label: dict[tuple[str, str], list[str]] = {}
    for d, p, y in zip(tuned["decisions"], predicted, labels):
        if not is_correct(p, y):
            by_label.setdefault((y, p or "(abstain)"), list(d.matched_lines[:3]))
    pattern_rows = per_pattern(predicted, labels, min_support)
    few = [r["pattern_id"] for r in pattern_rows if r["warning"]]
    result = {
        "generated": f"Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC} by `autodevops benchmark`.",
        "summary": (f"Train: {len(train)} labelled logs ({sum(r.pattern_id != 'unknown' for r in train)} known, "
                    f"{sum(r.pattern_id == 'unknown' for r in train)} unknown); held-out: {len(heldout)} logs "
                    f"({sum(y != 'unknown' for y in labels)} known, {sum(y == 'unknown' for y in labels)} unknown) "
                    f"over {len(set(labels) - {'unknown'})} patterns. All approaches see the same held-out logs."),
        "warnings": ([f"{len(few)} pattern(s) have fewer than {min_support} held-out logs; their per-pattern numbers "
                      f"are not trustworthy: {', '.join(few)}"] if few else [])
                    + ["Held-out logs were written for this project; real-world accuracy can be lower "
                       "(see the external probes, if present)."],
        "approaches": scores,
        "extra_splits": extra_scores,
        "per_category": per_category(predicted, labels),
        "per_pattern": pattern_rows,
        "confusions": [{"label": y, "predicted": p, "count": n, "lines": by_label.get((y, p), [])}
                       for y, p, n in confusions(predicted, labels, top=12)],
        "parameters": {"tuned_params": config.params, "config_source": config.source, "encoder": encoder_name,
                       "store": redact_url(settings.store_url or "embedded"), "train_hash": corpus_hash(train),
                       "heldout_hash": corpus_hash(heldout), "min_support": min_support},
    }
    (out / "report.md").write_text(markdown(result, {k: v.name for k, v in images.items()}))
    (out / "report.html").write_text(html_page(result, images))
    (out / "metrics.json").write_text(json.dumps(result, indent=2, default=str))

    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    mlflow.set_experiment("autodevops-benchmark")
    with mlflow.start_run(run_name="benchmark") as run:
        mlflow.log_params({"n_train": len(train), "n_heldout": len(heldout), "encoder": encoder_name,
                           **{f"tuned_{k}": v for k, v in config.params.items()}})
        for name, m in scores.items():
            key = name.replace(",", "").replace("+", "and").replace(" ", "_")
            mlflow.log_metrics({f"{key}.{k}": v for k, v in m.items() if isinstance(v, float)})
        mlflow.log_artifacts(str(out), artifact_path="report")
    create_markdown_artifact(key="benchmark-report", markdown=(out / "report.md").read_text())
    logger.info("report written to %s", out / "report.html")
    return {"report": str(out / "report.html"), "markdown": str(out / "report.md"), "mlflow_run_id": run.info.run_id,
            "top1": {name: m["top1"] for name, m in scores.items()}}
