"""One analyzer, three doors: the CLI, the ``analyze`` flow and the served pyfunc give identical records."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from autodevops.cli import main
from autodevops.corpus import datasets_dir, load_corpus
from autodevops.settings import Settings

SAMPLES = sorted((datasets_dir() / "samples" / "logs").glob("*.log"))[:6]


def served(tmp_path: Path) -> list[dict]:
    """Log the pyfunc as tune does, load it back through MLflow and predict the samples."""
    import mlflow

    from autodevops.serving import log_analyzer
    from autodevops.store import open_store

    settings = Settings.from_env()  # its tracking DB lives in the test's home
    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    mlflow.set_experiment("serving")  # the active experiment is process-global: an earlier test's id is not in this DB
    with mlflow.start_run(), open_store(settings, read_only=True) as store:
        info = log_analyzer(store, settings, None, tmp_path)
    model = mlflow.pyfunc.load_model(info.model_uri)
    return model.predict(pd.DataFrame({"id": [str(p) for p in SAMPLES],
                                       "log": [p.read_bytes().decode("utf-8") for p in SAMPLES]}))  # as read: \r\n kept


def test_cli_flow_and_pyfunc_give_identical_records(home, tmp_path, capsys, prefect_api):
    from autodevops.flows.analyze import analyze
    from autodevops.flows.ingest import ingest

    corpus = tmp_path / "train.jsonl"  # a slice of the shipped corpus: enough for answers, quick to embed
    corpus.write_text("".join(json.dumps({"id": r.id, "log": r.log, "pattern_id": r.pattern_id}) + "\n"
                              for r in load_corpus("train")[::6]))
    ingest(corpora=[str(corpus)])
    assert main(["analyze", *map(str, SAMPLES), "--engine", "local"]) == 0
    cli = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    analyze(paths=[str(p) for p in SAMPLES], output=str(tmp_path / "flow.jsonl"))
    flow = [json.loads(line) for line in (tmp_path / "flow.jsonl").read_text().splitlines()]
    pyfunc = served(tmp_path / "model")
    assert [r["id"] for r in cli] == [str(p) for p in SAMPLES]
    assert any(r["pattern_id"] for r in cli)  # the comparison is not between empty answers
    assert cli == flow == pyfunc
