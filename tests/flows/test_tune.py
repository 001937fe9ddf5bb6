"""`tune` and `benchmark` on a tiny corpus against a temporary MLflow tracking database."""
import json
from collections import defaultdict

import pandas as pd
import pytest

from autodevops.analyzer import Analyzer
from autodevops.corpus import load_corpus
from autodevops.settings import Settings

PATTERNS = ["docker.port_already_allocated", "database.auth_failed", "kubernetes.oom_killed",
            "network.dns_resolution_failed", "build.module_not_found", "unknown"]
TRIALS = 8


def subset(split: str, per_label: int) -> list[dict]:
    taken = defaultdict(int)
    rows = []
    for r in load_corpus(split):
        if r.pattern_id in PATTERNS and taken[r.pattern_id] < per_label:
            taken[r.pattern_id] += 1
            rows.append({"id": r.id, "log": r.log, "pattern_id": r.pattern_id})
    return rows


@pytest.fixture(scope="module")
def tuned(tmp_path_factory, encoder_dir, prefect_server):
    """Ingest a tiny corpus, then tune and benchmark it, in a private home and tracking DB."""
    import os

    from autodevops.flows.benchmark import benchmark
    from autodevops.flows.ingest import ingest
    from autodevops.flows.tune import tune

    root = tmp_path_factory.mktemp("tune")
    home = root / "home"
    home.mkdir()
    (home / "encoder").symlink_to(encoder_dir, target_is_directory=True)
    train, heldout = root / "train.jsonl", root / "heldout.jsonl"
    train.write_text("".join(json.dumps(r) + "\n" for r in subset("train", 12)))
    heldout.write_text("".join(json.dumps(r) + "\n" for r in subset("heldout", 5)))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AUTODEVOPS_HOME", str(home))
        env.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")
        ingest(corpora=[str(train)])
        before = Analyzer.load(Settings.from_env())
        summary = tune(trials=TRIALS, folds=3, train_paths=[str(train)], heldout_paths=[str(heldout)])
        after = Analyzer.load(Settings.from_env())
        report = benchmark(output=str(root / "reports"), train_paths=[str(train)], heldout_paths=[str(heldout)])
        yield {"summary": summary, "before": before, "after": after, "report": report, "root": root,
               "uri": os.environ["MLFLOW_TRACKING_URI"], "home": home}


def test_parent_run_logs_parameters_metrics_and_artifacts(tuned):
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tuned["uri"])
    run = client.get_run(tuned["summary"]["run_id"])
    best = tuned["summary"]["best_params"]
    assert {f"best_{k}": str(v) for k, v in best.items()}.items() <= run.data.params.items()
    assert run.data.params["trials"] == str(TRIALS) and run.data.params["folds"] == "3"
    for metric in ("cv_objective", "heldout_top1", "heldout_category_accuracy", "heldout_unknown_abstention",
                   "heldout_false_abstention", "heldout_coverage", "heldout_precision", "heldout_ece"):
        assert 0.0 <= run.data.metrics[metric] <= 1.0, metric
    assert len(run.data.tags["corpus_hash.train"]) == 64
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"confusion_matrix.png", "reliability.png", "per_category.json", "coverage_precision.json",
            "tuned.json"} <= artifacts
    children = client.search_runs([run.info.experiment_id], f"tags.mlflow.parentRunId = '{run.info.run_id}'")
    assert len(children) == TRIALS
    assert all({"w_similarity", "w_keyword", "w_history", "max_distance", "k"} <= set(c.data.params) for c in children)


def test_weights_lie_on_the_simplex(tuned):
    best = tuned["summary"]["best_params"]
    assert best["w_similarity"] + best["w_keyword"] + best["w_history"] == pytest.approx(1.0, abs=1e-3)


def test_analyze_switches_to_the_tuned_values(tuned):
    best = tuned["summary"]["best_params"]
    assert tuned["before"].config.source == "seed" and tuned["before"].matcher.max_distance == 0.3
    assert tuned["after"].config.source == "tuned"
    assert {k: getattr(tuned["after"].matcher, k) for k in best} == best
    saved = json.loads((tuned["home"] / "tuned.json").read_text())
    assert saved["params"] == best and saved["source"] == "tuned"


def test_champion_pyfunc_answers_an_analyze_request(tuned):
    import mlflow

    mlflow.set_tracking_uri(tuned["uri"])
    model = mlflow.pyfunc.load_model("models:/autodevops-analyzer@champion")
    out = model.predict(pd.DataFrame({"id": ["x"], "log": [
        "Error response from daemon: driver failed programming external connectivity on endpoint web: "
        "Bind for 0.0.0.0:8080 failed: port is already allocated"]}))
    assert out[0]["id"] == "x" and out[0]["pattern_id"] == "docker.port_already_allocated"
    assert out[0]["solution"]["commands"]


def test_benchmark_report_has_five_rows_and_plots(tuned):
    reports = tuned["root"] / "reports"
    html = (reports / "report.html").read_text()
    md = (reports / "report.md").read_text()
    for name in ("seed keyword rules", "TF-IDF nearest neighbour", "embedding nearest neighbour",
                 "hybrid, seed weights", "hybrid, tuned + calibrated"):
        assert html.count(f"<td>{name}</td>") == 1 and f"| {name} |" in md
    assert html.count("data:image/png;base64,") == 3
    assert all((reports / f).stat().st_size > 1000 for f in ("confusion.png", "reliability.png", "coverage.png"))
    assert "fewer than 5 held-out logs" not in md  # every pattern here has 5
    metrics = json.loads((reports / "metrics.json").read_text())
    assert set(metrics["approaches"]) == {"seed keyword rules", "TF-IDF nearest neighbour", "embedding nearest neighbour",
                                          "hybrid, seed weights", "hybrid, tuned + calibrated"}


def test_one_standard_error_rule_takes_the_loosest_close_threshold():
    from autodevops.flows.tune import one_standard_error

    results = [({"max_distance": 0.3}, [0.90, 0.92, 0.94]), ({"max_distance": 0.5}, [0.91, 0.91, 0.91]),
               ({"max_distance": 0.8}, [0.70, 0.72, 0.74])]
    assert one_standard_error(results) == 1
