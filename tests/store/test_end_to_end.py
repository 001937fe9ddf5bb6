"""ingest -> analyze through a real MariaDB server gives the same answers as the embedded store."""
import json
import shutil

import pytest

from autodevops.cli import main
from autodevops.corpus import datasets_dir

pytestmark = pytest.mark.mariadb


def analyze_samples(capsys, *store_args) -> list[dict]:
    archive = datasets_dir() / "samples" / "deploy-logs.tar.gz"
    assert main(["analyze", str(archive), "--engine", "local", *store_args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_mariadb_store_gives_the_same_results_as_the_embedded_store(ingested_home, home, mariadb_url, capsys,
                                                                    prefect_server):
    # Same embedding cache and configuration, so only the store differs.
    for name in ("embeddings.sqlite", "tuned.json"):
        shutil.copy(ingested_home / name, home / name)
    shutil.copy(ingested_home / "patterns.duckdb", home / "patterns.duckdb")
    embedded = analyze_samples(capsys)

    assert main(["ingest", "--store", mariadb_url]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["stats"]["store"] == "mysql"
    assert main(["stats", "--json", "--store", mariadb_url]) == 0
    mysql_stats = json.loads(capsys.readouterr().out)
    assert main(["stats", "--json"]) == 0
    embedded_stats = json.loads(capsys.readouterr().out)
    assert {k: mysql_stats[k] for k in ("patterns", "examples", "per_category")} == \
        {k: embedded_stats[k] for k in ("patterns", "examples", "per_category")}

    on_mariadb = analyze_samples(capsys, "--store", mariadb_url)
    assert [r["id"] for r in on_mariadb] == [r["id"] for r in embedded]
    assert [r["pattern_id"] for r in on_mariadb] == [r["pattern_id"] for r in embedded]
    assert [r["confidence"] for r in on_mariadb] == pytest.approx([r["confidence"] for r in embedded], abs=1e-4)
    assert [r["solution"] for r in on_mariadb] == [r["solution"] for r in embedded]
