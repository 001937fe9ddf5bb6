"""`tune --real` and `benchmark --real`: real CI logs join the objective, the calibration and the report."""
import gzip
import json

import pytest

PATTERNS = ["build.module_not_found", "build.compilation_failed", "network.dns_resolution_failed",
            "database.auth_failed", "unknown"]

TRAVIS = ("travis_fold:start:install\r\n$ {install}\r\n{install_out}\r\ntravis_fold:end:install\r\n"
          "travis_time:start:0c1\r\n$ {command}\r\n{noise}\r\n{body}\r\ntravis_time:end:0c1\r\n\r\n"
          'The command "{command}" exited with 1.\r\n\r\nDone. Your build exited with 1.\r\n')
NOISE = "\r\n".join(f"\x1b[32m✓\x1b[0m case {i} passed ({i % 7} ms)" for i in range(40))


def job(repo: str, i: int, label: str, command: str, body: str, install_out: str = "added 120 packages in 4s") -> dict:
    reason = body.splitlines()[0]
    return {"id": f"{repo}/failed/{i}.log", "repo": repo, "label": label, "also": [], "chunk": reason,
            "log": TRAVIS.format(install="npm ci", install_out=install_out, command=command, noise=NOISE, body=body)}


REAL = [
    job("acme@web", 1, "build.module_not_found", "npm test",
        "Error: Cannot find module 'left-pad'\nRequire stack:\n- /home/travis/build/acme/web/src/index.js"),
    job("acme@web", 2, "unknown", "npm test", "  1) Cart applies a discount:\n     AssertionError: expected 90 to equal 100"),
    job("acme@api", 3, "build.module_not_found", "python -m pytest",
        "E   ModuleNotFoundError: No module named 'requests'\nERROR collecting tests/test_api.py"),
    job("acme@api", 4, "unknown", "python -m pytest", "FAILED tests/test_api.py::test_total - assert 3 == 4",
        install_out="WARNING: Retrying (Retry(total=4)) after connection broken\nSuccessfully installed requests-2.31"),
    job("acme@lib", 5, "unknown", "make lint", "src/a.py:3:1: E302 expected 2 blank lines, found 1"),
    job("acme@lib", 6, "build.module_not_found", "make test", "ImportError: No module named yaml"),
]


@pytest.fixture(scope="module")
def tuned_on_real(tiny_home):
    from autodevops.flows.benchmark import benchmark
    from autodevops.flows.ingest import ingest
    from autodevops.flows.tune import tune

    root, home, train, heldout = tiny_home("real", PATTERNS)
    real = root / "real.jsonl.gz"
    with gzip.open(real, "wt") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in REAL)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AUTODEVOPS_HOME", str(home))
        env.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")
        ingest(corpora=[str(train)])
        summary = tune(trials=6, folds=3, train_paths=[str(train)], heldout_paths=[str(heldout)],
                       real_paths=[str(real)], register_model=False)
        report = benchmark(output=str(root / "reports"), train_paths=[str(train)], heldout_paths=[str(heldout)],
                           real_paths=[str(real)])
        yield {"summary": summary, "report": report, "home": home, "root": root}


def test_tune_reports_repository_grouped_real_log_figures(tuned_on_real):
    real = tuned_on_real["summary"]["real"]
    assert real["n"] == 6 and real["n_known"] == 3 and real["n_unknown"] == 3
    assert set(real) >= {"chunk_hit", "precision", "top1_known", "unknown_abstention", "ece", "answers"}
    assert 0.0 <= real["chunk_hit"] <= 1.0 and 0 <= real["answers"] <= 6


def test_tune_refits_the_line_scorer_where_analyze_reads_it(tuned_on_real):
    from autodevops.models.line_weights import LineWeights

    weights = LineWeights.load(tuned_on_real["home"] / "line_scorer.json")
    lines = ["added 120 packages in 4s", "Error: Cannot find module 'left-pad'", "case 3 passed"]
    assert int(weights.score_lines(lines).argmax()) == 1


def test_the_calibration_keeps_a_map_for_whole_ci_jobs_when_they_are_enough(tuned_on_real):
    config = json.loads((tuned_on_real["home"] / "tuned.json").read_text())
    assert set(config["calibration"]) == {"answered", "abstained", "domains"}
    assert "real" in config["metrics"]


def test_benchmark_puts_the_real_log_table_beside_the_held_out_one(tuned_on_real):
    metrics = json.loads((tuned_on_real["root"] / "reports" / "metrics.json").read_text())
    table = metrics["real"]
    assert list(table)[0] == "lines before the CI's wrapper line"
    assert table["lines before the CI's wrapper line"]["chunk_hit"] == 1.0  # every reason sits before the wrapper
    assert table["lines before the CI's wrapper line"]["answers"] == 0
    assert "hybrid, tuned + calibrated" in table and "TF-IDF nearest neighbour" in table
    markdown = (tuned_on_real["root"] / "reports" / "report.md").read_text()
    assert "## Real CI logs (repository-grouped cross-validation)" in markdown
    assert markdown.index("## Held-out metrics") < markdown.index("## Real CI logs")
