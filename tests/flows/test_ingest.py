"""The ingest flow and `autodevops stats` against a real DuckDB file."""
import json
import shutil
from collections import Counter

import pytest

from autodevops.cli import main
from autodevops.corpus import CorpusError, Taxonomy, load_corpus
from autodevops.flows.ingest import ingest


def stats_json(capsys) -> dict:
    assert main(["stats", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def copied_home(ingested_home, home):
    """A private copy of the session's ingested home (store, cache, configuration)."""
    for name in ("patterns.duckdb", "embeddings.sqlite", "tuned.json"):
        shutil.copy(ingested_home / name, home / name)
    return home


def test_second_ingest_adds_nothing(copied_home, capsys):
    before = stats_json(capsys)
    summary = ingest()
    assert summary["patterns"]["new"] == 0 and summary["patterns"]["updated"] == 0
    assert summary["examples"]["new"] == 0 and summary["examples"]["updated"] == 0
    assert stats_json(capsys) == before


def test_store_holds_the_shipped_corpus_per_category(copied_home, capsys):
    train = load_corpus("train")
    stats = stats_json(capsys)
    assert stats["examples"] == len(train)
    assert stats["patterns"] == len(Taxonomy.load().patterns) == 55
    expected = Counter(r.category or "unknown" for r in train)
    assert {c: v["examples"] for c, v in stats["per_category"].items()} == dict(expected)


def test_seed_calibration_is_written_at_ingest(home, tmp_path):
    corpus = tmp_path / "small.jsonl"
    corpus.write_text("".join(
        json.dumps({"id": r.id, "log": r.log, "pattern_id": r.pattern_id}) + "\n"
        for r in load_corpus("train") if r.pattern_id in ("docker.port_already_allocated", "unknown")))
    ingest(corpora=[str(corpus)])
    config = json.loads((home / "tuned.json").read_text())
    assert config["source"] == "seed"
    assert config["params"]["w_similarity"] == 0.4 and config["params"]["max_distance"] == 0.3
    assert config["calibration"]["answered"]["x"]


def test_a_bad_corpus_is_refused_and_nothing_is_written(home, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "log": "x", "pattern_id": "docker.port_already_allocated"}\n'
                   '{"id": "2", "log": "y", "pattern_id": "docker.no_such_thing"}\n'
                   '{"id": "3", "pattern_id": "unknown"}\n')
    with pytest.raises(CorpusError) as err:
        ingest(corpora=[str(bad)])
    assert err.value.problems == ["bad.jsonl:3: KeyError('log')"]
    bad.write_text('{"id": "1", "log": "x", "pattern_id": "docker.port_already_allocated"}\n'
                   '{"id": "2", "log": "y", "pattern_id": "docker.no_such_thing"}\n')
    with pytest.raises(CorpusError) as err:
        ingest(corpora=[str(bad)])
    assert err.value.problems == ["2: pattern_id 'docker.no_such_thing' is not in the taxonomy"]
    assert not (home / "patterns.duckdb").exists()


def test_stats_without_a_store_fails_with_one_line(home, capsys):
    assert main(["stats"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "run `autodevops ingest` first" in err[0]
