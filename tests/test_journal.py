"""The analysis journal: a real SQLite file, redacted failure lines, daily counts, streaming record of analyses."""
import sqlite3
from datetime import datetime, timezone

import pytest

from autodevops.journal import Journal
from autodevops.records import Analysis


def answer(log_id: str, analysis_id: str | None, pattern_id: str | None = "docker.port_already_allocated",
           lines: tuple[str, ...] = ("Bind for 0.0.0.0:80 failed: port is already allocated",),
           error: str | None = None) -> Analysis:
    category = pattern_id.split(".")[0] if pattern_id else None
    return Analysis(log_id, pattern_id, category, 0.91, "pattern" if pattern_id else "none", lines, None,
                    error=error, analysis_id=analysis_id, job_status="failed")


class Item:
    def __init__(self, text):
        self.text = text


def test_record_and_get_round_trip_with_secrets_redacted(tmp_path):
    with Journal(tmp_path / "analyses.sqlite") as journal:
        written = journal.record([answer("a.log", "id-a", lines=("connect postgres://app:hunter2@db:5432 failed",))],
                                 ["full log text"])
        entry = journal.get("id-a")
    assert written == 1
    today = datetime.now(timezone.utc).date().isoformat()
    assert entry["created_at"].startswith(today)
    assert {k: v for k, v in entry.items() if k != "created_at"} == {
        "analysis_id": "id-a", "log_id": "a.log", "pattern_id": "docker.port_already_allocated", "category": "docker",
        "confidence": 0.91, "source": "pattern", "job_status": "failed",
        "failure_lines": ["connect postgres://app:[REDACTED]@db:5432 failed"]}


def test_without_failure_lines_the_end_of_the_log_is_kept_redacted(tmp_path):
    text = "\n".join(f"line {i}" for i in range(100)) + "\nexport API_KEY=sk-abcdefghijklmnopqrstuvwxyz\n"
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.record([answer("x", "id-x", pattern_id=None, lines=())], [text])
        lines = journal.get("id-x")["failure_lines"]
    assert len(lines) == 20 and lines[0] == "line 81" and lines[-1] == "export API_KEY=[REDACTED]"


def test_unreadable_logs_are_not_recorded_and_unknown_ids_give_none(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        assert journal.record([answer("bad", None, None, (), error="cannot read")], [""]) == 0
        assert journal.get("nope") is None
        with pytest.raises(ValueError):
            journal.record([answer("a", "1")], [])


def test_daily_counts_group_by_day_pattern_and_category(tmp_path):
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        journal.record([answer("a", "1"), answer("b", "2"), answer("c", "3", pattern_id=None, lines=("x",)),
                        answer("d", "4", pattern_id="database.auth_failed")], ["", "", "", ""])
    con = sqlite3.connect(path)  # one analysis from an earlier day
    con.execute("UPDATE analyses SET created_at = '2026-01-02T03:04:05+00:00' WHERE analysis_id = '4'")
    con.commit()
    con.close()
    today = datetime.now(timezone.utc).date().isoformat()
    with Journal(path) as journal:
        assert journal.daily_counts() == [
            {"day": "2026-01-02", "pattern_id": "database.auth_failed", "category": "database", "count": 1},
            {"day": today, "pattern_id": "docker.port_already_allocated", "category": "docker", "count": 2},
            {"day": today, "pattern_id": None, "category": None, "count": 1}]


def test_get_returns_the_latest_analysis_of_a_log_analyzed_twice(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.record([answer("first-name", "same")], [""])
        journal.record([answer("second-name", "same")], [""])
        assert journal.get("same")["log_id"] == "second-name"


def test_recorded_pairs_each_analysis_with_its_text_in_chunks_and_flushes_the_rest(tmp_path):
    texts = [f"log {i}\nERROR boom {i}" for i in range(7)]

    def analyze(items):
        for i, item in enumerate(items):
            yield answer(f"log-{i}", f"id-{i}", pattern_id=None, lines=())

    with Journal(tmp_path / "j.sqlite") as journal:
        out = list(journal.recorded([Item(t) for t in texts], analyze, every=3))
        assert [a.id for a in out] == [f"log-{i}" for i in range(7)]
        assert [journal.get(f"id-{i}")["failure_lines"] for i in (0, 6)] == [["log 0", "ERROR boom 0"],
                                                                          ["log 6", "ERROR boom 6"]]
