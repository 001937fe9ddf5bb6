"""Feedback through the CLI on a real DuckDB store: outcomes counted, corrections taught, taught examples kept by ingest."""
import json
import shutil

import pytest

from autodevops.cli import main
from autodevops.feedback import record_outcome, teach
from autodevops.settings import Settings

# A failure no catalog wording names, and the same failure reworded by a later release of the same tool.
UNSEEN = """\
2026-11-30T09:14:02Z ledgerd[311]: starting ledgerd 4.2.0 (profile=batch)
2026-11-30T09:14:02Z ledgerd[311]: loading journal segments from /srv/ledger/segments
2026-11-30T09:14:03Z ledgerd[311]: ERROR: sandbox policy 'ledger-writer' refused write access to /srv/ledger/segments/000042.seg
2026-11-30T09:14:03Z ledgerd[311]: FATAL: cannot continue without a writable journal, exiting with status 1
"""
SIBLING = """\
[2026-12-01 17:40:11] ledgerd 4.3.1 boot (profile=stream)
[2026-12-01 17:40:12] ERROR: write access to /var/lib/ledger/segments/000977.seg refused by sandbox policy 'ledger-writer'
[2026-12-01 17:40:12] FATAL: the journal is not writable, ledgerd exits with status 1
"""


@pytest.fixture
def store_home(ingested_home, home):
    """A private copy of the session's ingested home (store, embedding cache, tuned configuration)."""
    for name in ("patterns.duckdb", "embeddings.sqlite", "tuned.json"):
        shutil.copy(ingested_home / name, home / name)
    return home


def analyze(capsys, path) -> dict:
    assert main(["analyze", str(path), "--engine", "local"]) == 0
    [out] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return out


def cli_json(capsys, *args) -> dict:
    assert main(list(args)) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_outcomes_are_counted_and_the_rate_stops_being_a_prior(store_home, capsys):
    first = cli_json(capsys, "feedback", "docker.port_already_allocated", "failure")
    assert first == {"pattern_id": "docker.port_already_allocated", "outcome": 0.0, "success_rate": 0.855,
                     "feedback_count": 1, "success_rate_note": "86 % from 1 outcome"}
    second = record_outcome(Settings.from_env(), "docker.port_already_allocated", 1.0)
    assert (second["feedback_count"], second["success_rate"]) == (2, round(0.855 + 0.05 * (1 - 0.855), 4))


def test_the_analysis_shows_the_outcome_count_and_its_note(store_home, tmp_path, capsys):
    log = tmp_path / "port.log"
    log.write_text("Error response from daemon: driver failed programming external connectivity on endpoint web: "
                   "Bind for 0.0.0.0:8080 failed: port is already allocated\n")
    before = analyze(capsys, log)["solution"]
    assert (before["feedback_count"], before["success_rate_note"]) == (0, "90 % prior, no outcomes yet")
    assert any("grep ':8080->'" in c for c in before["commands"]) and before["filled"]["port"] == "8080"
    cli_json(capsys, "feedback", "docker.port_already_allocated", "success")
    after = analyze(capsys, log)["solution"]
    assert (after["feedback_count"], after["success_rate_note"]) == (1, "90 % from 1 outcome")


def test_bad_feedback_fails_with_one_line(store_home, tmp_path, capsys):
    log = tmp_path / "x.log"
    log.write_text("FATAL: boom\n")
    for args in (["feedback", "docker.port_already_allocated", "maybe"],
                 ["feedback", "no.such_pattern", "success"],
                 ["feedback", "--log", str(log)],
                 ["feedback", "--log", str(log), "--pattern", "no.such_pattern"],
                 ["feedback", "--analysis-id", "0123456789abcdef", "--pattern", "unknown"],
                 ["feedback", "docker.port_already_allocated"]):
        assert main(args) == 1, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("autodevops: error: "), args


def test_a_log_without_any_failure_line_teaches_nothing(store_home):
    with pytest.raises(ValueError, match="no failure line"):
        teach(Settings.from_env(), "runtime.permission_denied", log_text="all good\n")


def test_teach_then_recognise_a_reworded_sibling(store_home, tmp_path, capsys):
    unseen, sibling = tmp_path / "unseen.log", tmp_path / "sibling.log"
    unseen.write_text(UNSEEN)
    sibling.write_text(SIBLING)
    first = analyze(capsys, unseen)
    assert first["pattern_id"] is None and first["source"] == "none"
    assert analyze(capsys, sibling)["pattern_id"] is None

    taught = cli_json(capsys, "feedback", "--analysis-id", first["analysis_id"], "--pattern",
                      "runtime.permission_denied")
    assert taught["taught"] is True and taught["new"] is True and taught["taught_examples"] == 1
    assert any("refused write access" in line for line in taught["templates"])

    recognised = analyze(capsys, sibling)
    assert recognised["pattern_id"] == "runtime.permission_denied", recognised
    assert recognised["solution"]["sub_cause"]["id"]


def test_taught_examples_are_listed_kept_through_a_reingest_and_relabelled_by_teaching_again(
        store_home, tmp_path, capsys, prefect_server):
    from autodevops.flows.ingest import ingest
    from autodevops.store import open_store
    from autodevops.store.base import TAUGHT

    unseen = tmp_path / "unseen.log"
    unseen.write_text(UNSEEN)
    taught = cli_json(capsys, "feedback", "--log", str(unseen), "--pattern", "runtime.permission_denied")
    stats = cli_json(capsys, "stats", "--json")
    assert stats["taught"] == {"runtime.permission_denied": 1}
    assert main(["stats"]) == 0
    assert "1 taught examples" in capsys.readouterr().out

    ingest()  # the shipped corpus again: the taught example is neither overwritten nor removed
    assert cli_json(capsys, "stats", "--json")["taught"] == stats["taught"]
    with open_store(Settings.from_env(), read_only=True) as store:
        matrix = store.examples()
    assert [(i, p) for i, p, o in zip(matrix.ids, matrix.pattern_ids, matrix.origins) if o == TAUGHT] == [
        (taught["example_id"], "runtime.permission_denied")]

    # Teaching the same log again relabels its one example (here: as an abstention).
    again = cli_json(capsys, "feedback", "--log", str(unseen), "--pattern", "unknown")
    assert again["new"] is False and again["example_id"] == taught["example_id"]
    assert cli_json(capsys, "stats", "--json")["taught"] == {"unknown": 1}
