"""Every notebook runs top to bottom, offline, against the session's ingested and tuned home."""
import tarfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autodevops.corpus import datasets_dir

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def sample_logs() -> int:
    with tarfile.open(datasets_dir() / "samples" / "deploy-logs.tar.gz") as tar:
        return sum(m.isfile() for m in tar.getmembers())


def printed(name: str, ingested_home: Path, monkeypatch) -> str:
    """Run the notebook and return what its cells printed; fail on any error output."""
    monkeypatch.setenv("AUTODEVOPS_HOME", str(ingested_home))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{ingested_home.parent / 'mlflow.db'}")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    errors = [f"{o.ename}: {o.evalue}" for o in outputs if o.output_type == "error"]
    assert errors == []
    return "".join(o.get("text", "") for o in outputs if o.output_type == "stream")


def test_every_notebook_is_tested():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == ["archive.ipynb", "explore.ipynb", "tuning.ipynb"]


def test_explore_notebook_runs(ingested_home, monkeypatch):
    assert "tuned" in printed("explore.ipynb", ingested_home, monkeypatch)


def test_tuning_notebook_reads_every_trial_of_the_latest_tune_run(ingested_home, monkeypatch):
    text = printed("tuning.ipynb", ingested_home, monkeypatch)
    assert ": 60 trials, encoder all-MiniLM-L6-v2/" in text  # the session's tune ran 60 trials
    assert "chosen: {'w_similarity': " in text


def test_archive_notebook_scores_every_sample_log(ingested_home, monkeypatch):
    text = printed("archive.ipynb", ingested_home, monkeypatch)
    assert text.startswith(f"{sample_logs()} logs, ")
    assert " right over " in text


@pytest.mark.parametrize("name", ["archive.ipynb", "tuning.ipynb"])
def test_notebooks_define_nothing_reusable(name):
    source = "\n".join(c.source for c in nbformat.read(NOTEBOOKS / name, as_version=4).cells if c.cell_type == "code")
    assert "def " not in source and "class " not in source
