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
from datetime import datetime, timezone
from pathlib import Path

from autodevops.corpus import (Taxonomy, corpus_hash, datasets_dir, load_catalog, load_corpus, load_paths,
                               load_subcause_cases, priors_of, read_real_logs, validate)
from autodevops.features.extract import FailureExtractor
from autodevops.features.signals import SignalMatcher
from autodevops.model_config import ModelConfig
from autodevops.models.comparison import SEED_HYBRID, TUNED, per_pattern, real_approaches, run_approaches
from autodevops.models.evaluation import confusions, is_correct, per_category
from autodevops.models.line_weights import current_line_scorer
from autodevops.models.remedy_evaluation import evaluate_cases
from autodevops.report import html_page, markdown, write_figures
from autodevops.settings import Settings
from autodevops.store import redact_url
from autodevops.flows.orchestration import flow, publish_markdown, run_logger
from autodevops.flows.tasks import embed_corpus, embed_real
from autodevops.flows.tune import stored_patterns


def subcause_figure(settings: Settings) -> dict | None:
    """Right sub-cause, decisive step in the first two: the sub-cause cases run through the full analyzer."""
    from autodevops.analyzer import Analyzer, LogInput

    cases = load_subcause_cases()
    if not cases or not stored_patterns(settings):
        return None
    analyzer = Analyzer.load(settings)
    return evaluate_cases(cases, lambda pairs: analyzer.analyze_batch([LogInput(i, log) for i, log in pairs]))


@flow(name="benchmark")
def benchmark(output: str = "reports", store_url: str | None = None, train_paths: list[str] | None = None,
              heldout_paths: list[str] | None = None, real_paths: list[str] | None = None, min_support: int = 5,
              tune_trials: int = 300) -> dict:
    """Run the five approaches on held-out data and write the benchmarking report to ``output``."""
    import mlflow

    logger = run_logger()
    settings = Settings.from_env(store_url)
    settings.ensure_home()
    out = Path(output).resolve()
    out.mkdir(parents=True, exist_ok=True)
    config = ModelConfig.load(settings.tuned_config_path)
    if config.source != "tuned":
        from autodevops.flows.tune import tune

        logger.info("no tuned configuration yet: tuning first")
        tune(store_url=store_url, trials=tune_trials, train_paths=train_paths, heldout_paths=heldout_paths,
             real_paths=real_paths)
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
    signals = SignalMatcher.from_patterns(catalog.values())
    extractor = FailureExtractor(signals, scorer=current_line_scorer(settings.line_scorer_path))
    train_docs, encoder_name = embed_corpus(train, extractor, settings)
    heldout_docs, _ = embed_corpus(heldout, extractor, settings)
    labels = [r.pattern_id for r in heldout]

    scores, tuned = run_approaches(catalog, priors, config, train, train_docs, [r.log for r in heldout], heldout_docs, labels)
    extra_scores = {}
    for name, records in extra.items():
        docs, _ = embed_corpus(records, extractor, settings)
        extra_scores[name], _ = run_approaches(catalog, priors, config, train, train_docs, [r.log for r in records],
                                               docs, [r.pattern_id for r in records])

    real_logs = [log for path in real_paths or () for log in read_real_logs(Path(path))]
    real_scores = (real_approaches(catalog, priors, config, train, train_docs, embed_real(real_logs, signals, settings))
                   if real_logs else {})
    predicted = tuned["predictions"][TUNED]
    images = write_figures(out, predicted, labels, tuned["confidence"], tuned["predictions"][SEED_HYBRID],
                           tuned["seed_confidence"], (TUNED, SEED_HYBRID))
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
        "real": real_scores,
        "per_category": per_category(predicted, labels),
        "per_pattern": pattern_rows,
        "confusions": [{"label": y, "predicted": p, "count": n, "lines": by_label.get((y, p), [])}
                       for y, p, n in confusions(predicted, labels, top=12)],
        "parameters": {"tuned_params": config.params, "config_source": config.source, "encoder": encoder_name,
                       "store": redact_url(settings.store_url or "embedded"), "train_hash": corpus_hash(train),
                       "heldout_hash": corpus_hash(heldout), "min_support": min_support},
        "subcauses": subcause_figure(settings),
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
        if result["subcauses"]:
            mlflow.log_metrics({f"subcauses.{k}": v for k, v in result["subcauses"].items() if isinstance(v, float)})
        mlflow.log_artifacts(str(out), artifact_path="report")
    publish_markdown(key="benchmark-report", markdown=(out / "report.md").read_text())
    logger.info("report written to %s", out / "report.html")
    return {"report": str(out / "report.html"), "markdown": str(out / "report.md"), "mlflow_run_id": run.info.run_id,
            "top1": {name: m["top1"] for name, m in scores.items()},
            "real": real_scores.get(TUNED),
            "decisive_in_first_two": (result["subcauses"] or {}).get("decisive_in_first_two")}
