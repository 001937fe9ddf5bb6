"""`tune` and `benchmark` on a tiny corpus against a temporary MLflow tracking database."""
import json

import pandas as pd
import pytest

from autodevops.analyzer import Analyzer
from autodevops.settings import Settings

PATTERNS = ["docker.port_already_allocated", "database.auth_failed", "kubernetes.oom_killed",
            "network.dns_resolution_failed", "build.module_not_found", "unknown"]
TRIALS = 8


@pytest.fixture(scope="module")
def tuned(tiny_home):
    """Ingest a tiny corpus, then tune and benchmark it, in a private home and tracking DB."""
    import os

    from autodevops.flows.benchmark import benchmark
    from autodevops.flows.ingest import ingest
    from autodevops.flows.tune import tune

    root, home, train, heldout = tiny_home("tune", PATTERNS)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AUTODEVOPS_HOME", str(home))
        env.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")
        ingest(corpora=[str(train)])
        before = Analyzer.load(Settings.from_env())
        summary = tune(trials=TRIALS, folds=3, train_paths=[str(train)], heldout_paths=[str(heldout)])
        after = Analyzer.load(Settings.from_env())
        report = benchmark(output=str(root / "reports"), train_paths=[str(train)], heldout_paths=[str(heldout)])
        champion_config = (home / "tuned.json").read_text()
        # Every label moved to the next pattern: the same held-out set, a certainly worse model.
        mislabelled = root / "mislabelled.jsonl"
        mislabelled.write_text("".join(json.dumps({**r, "pattern_id": PATTERNS[(PATTERNS.index(r["pattern_id"]) + 1)
                                                                                 % len(PATTERNS)]}) + "\n"
                                       for r in map(json.loads, train.read_text().splitlines())))
        worse = tune(trials=2, folds=3, train_paths=[str(mislabelled)], heldout_paths=[str(heldout)])
        yield {"summary": summary, "before": before, "after": after, "report": report, "root": root,
               "uri": os.environ["MLFLOW_TRACKING_URI"], "home": home, "worse": worse,
               "champion_config": champion_config}


def test_parent_run_logs_parameters_metrics_and_artifacts(tuned):
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tuned["uri"])
    run = client.get_run(tuned["summary"]["run_id"])
    best = tuned["summary"]["best_params"]
    assert {f"best_{k}": str(v) for k, v in best.items()}.items() <= run.data.params.items()
    assert run.data.params["trials"] == str(TRIALS) and run.data.params["folds"] == "3"
    for metric in ("objective", "cv_top1", "heldout_top1", "heldout_category_accuracy", "heldout_unknown_abstention",
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


def test_a_worse_tune_is_registered_but_leaves_the_champion_and_tuned_json_alone(tuned):
    from mlflow import MlflowClient

    from autodevops.models.evaluation import objective

    client = MlflowClient(tracking_uri=tuned["uri"])
    first, worse = tuned["summary"], tuned["worse"]
    assert objective(worse["heldout"]) < objective(first["heldout"])  # the premise: it really is worse
    assert (first["model_version"], worse["model_version"]) == ("1", "2")
    assert str(client.get_model_version_by_alias("autodevops-analyzer", "champion").version) == "1"
    second = client.get_model_version("autodevops-analyzer", "2")
    assert second.aliases == [] and float(second.tags["heldout_objective"]) == objective(worse["heldout"])
    assert client.get_run(worse["run_id"]).data.tags["champion"] == "kept version 1"
    assert (tuned["home"] / "tuned.json").read_text() == tuned["champion_config"]  # the CLI reads the champion's


def test_the_registered_model_has_a_signature_an_input_example_and_real_requirements(tuned):
    import mlflow

    mlflow.set_tracking_uri(tuned["uri"])
    info = mlflow.models.get_model_info("models:/autodevops-analyzer@champion")
    assert [c.name for c in info.signature.inputs.inputs] == ["id", "log"]
    assert info.saved_input_example_info is not None
    local = mlflow.artifacts.download_artifacts("models:/autodevops-analyzer@champion")
    requirements = open(f"{local}/requirements.txt").read().split()
    assert "autodevops" not in requirements and any(r.startswith("mlflow") for r in requirements)
    import os
    assert os.path.isfile(f"{local}/code/autodevops/models/matcher.py")  # the project's code travels with it


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
    from autodevops.models.selection import Trial, one_standard_error

    results = [Trial({"max_distance": d}, folds, {}, None, sum(folds) / 3) for d, folds in
               [(0.3, [0.90, 0.92, 0.94]), (0.5, [0.91, 0.91, 0.91]), (0.8, [0.70, 0.72, 0.74])]]
    assert one_standard_error(results) == 1
