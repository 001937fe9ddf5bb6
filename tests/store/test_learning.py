"""What the stores learn from people, on every backend: outcome counts, taught examples kept from ingest, migrations."""
from __future__ import annotations

import duckdb
import numpy as np
import pymysql
import pytest

from autodevops.store.base import CORPUS, TAUGHT, ExampleRow, PatternRow, UpsertCounts
from autodevops.store.embedded import EmbeddedStore
from autodevops.store.connection import ConnectionSettings
from autodevops.store.mysql import MySQLStore


def axis(i: int) -> np.ndarray:
    v = np.zeros(384, dtype=np.float32)
    v[i] = 1.0
    return v


def pattern(pid: str, digest: str = "h1", success_rate: float = 0.8) -> PatternRow:
    return PatternRow(pid, digest, "docker", "Port in use", {"strong": []}, {"title": "t", "steps": [], "commands": []},
                      axis(0), success_rate)


def example(eid: str, pid: str, digest: str, origin: str = CORPUS, i: int = 1) -> ExampleRow:
    return ExampleRow(eid, digest, pid, "docker", f"src/{eid}", f"text of {eid}", "minilm", axis(i), origin)


def test_feedback_count_starts_at_zero_counts_each_outcome_and_survives_an_update(store_opener):
    store = store_opener()
    store.upsert_patterns([pattern("a"), pattern("b")])
    assert [p.feedback_count for p in store.patterns()] == [0, 0]
    store.record_feedback("a", 1.0)
    store.record_feedback("a", 0.0)
    store.upsert_patterns([pattern("a", digest="h2")])  # a changed catalog entry keeps what feedback taught
    store.close()
    store = store_opener()
    assert {p.id: (p.feedback_count, round(p.success_rate, 6)) for p in store.patterns()} == {
        "a": (2, round(0.81 + 0.05 * (0.0 - 0.81), 6)), "b": (0, 0.8)}


def test_a_corpus_row_never_replaces_a_taught_example(store_opener):
    store = store_opener()
    assert store.upsert_examples([example("t1", "runtime.permission_denied", "taught-hash", TAUGHT)]) == UpsertCounts(new=1)
    store.upsert_examples([example("c1", "docker.x", "c-hash")])
    # An ingest that (against the odds) carries the same id must leave the taught row alone.
    counts = store.upsert_examples([example("t1", "docker.x", "other-hash", i=2), example("c1", "docker.x", "c-hash")])
    assert counts == UpsertCounts(unchanged=2)
    matrix = store.examples()
    assert dict(zip(matrix.ids, matrix.pattern_ids)) == {"c1": "docker.x", "t1": "runtime.permission_denied"}
    assert matrix.origins == [CORPUS, TAUGHT]
    assert store.stats()["taught"] == {"runtime.permission_denied": 1}
    # Teaching the same log again relabels it (a correction of a correction).
    store.upsert_examples([example("t1", "unknown", "taught-hash-2", TAUGHT)])
    assert store.stats()["taught"] == {"unknown": 1}


OLD_EMBEDDED_SCHEMA = """
CREATE TABLE deployment_patterns (id VARCHAR PRIMARY KEY, content_hash VARCHAR NOT NULL, category VARCHAR NOT NULL,
    title VARCHAR NOT NULL, error_patterns JSON NOT NULL, solutions JSON NOT NULL, embedding FLOAT[384] NOT NULL,
    success_rate DOUBLE NOT NULL, usage_count BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp, updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp);
CREATE TABLE pattern_examples (id VARCHAR PRIMARY KEY, content_hash VARCHAR NOT NULL, pattern_id VARCHAR NOT NULL,
    category VARCHAR, source_id VARCHAR NOT NULL, text VARCHAR NOT NULL, encoder VARCHAR NOT NULL,
    embedding FLOAT[384] NOT NULL, created_at TIMESTAMP NOT NULL DEFAULT current_timestamp);
CREATE TABLE feedback (pattern_id VARCHAR NOT NULL, outcome DOUBLE NOT NULL, success_rate_before DOUBLE NOT NULL,
    success_rate_after DOUBLE NOT NULL, created_at TIMESTAMP NOT NULL DEFAULT current_timestamp)
"""


def _old_embedded_file(path) -> None:
    con = duckdb.connect(str(path))
    con.execute(OLD_EMBEDDED_SCHEMA)
    con.execute("INSERT INTO deployment_patterns (id, content_hash, category, title, error_patterns, solutions,"
                " embedding, success_rate, usage_count) VALUES ('a', 'h', 'docker', 't', '{}', '{}', ?, 0.7, 2)",
                [axis(0).tolist()])
    con.execute("INSERT INTO pattern_examples (id, content_hash, pattern_id, category, source_id, text, encoder,"
                " embedding) VALUES ('e', 'h', 'a', 'docker', 's', 't', 'm', ?)", [axis(1).tolist()])
    con.executemany("INSERT INTO feedback (pattern_id, outcome, success_rate_before, success_rate_after)"
                    " VALUES ('a', ?, 0.7, 0.7)", [[1.0], [0.0]])
    con.close()


def test_an_embedded_file_from_before_reads_defaults_read_only_and_migrates_on_write(tmp_path):
    path = tmp_path / "patterns.duckdb"
    _old_embedded_file(path)
    with EmbeddedStore(path, read_only=True) as store:
        assert [(p.id, p.feedback_count) for p in store.patterns()] == [("a", 0)]
        assert store.stats()["taught"] == {} and store.examples().origins == [CORPUS]
    with EmbeddedStore(path) as store:  # a writable open migrates, counting the outcomes recorded before
        assert [(p.id, p.feedback_count, p.usage_count) for p in store.patterns()] == [("a", 2, 2)]
        store.upsert_examples([example("t", "a", "x", TAUGHT)])
        assert store.stats()["taught"] == {"a": 1}
    with EmbeddedStore(path) as store:  # migrating twice is a no-op
        assert [p.feedback_count for p in store.patterns()] == [2]


@pytest.mark.mariadb
def test_a_mysql_database_from_before_reads_defaults_read_only_and_is_migrated_on_write(mariadb_url):
    conn = pymysql.connect(**ConnectionSettings.from_url(mariadb_url).pymysql_kwargs())
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE deployment_patterns (id VARCHAR(191) PRIMARY KEY, content_hash CHAR(64) NOT NULL,"
                    " category VARCHAR(191) NOT NULL, title TEXT NOT NULL, error_patterns JSON NOT NULL,"
                    " solutions JSON NOT NULL, embedding VARBINARY(1536) NOT NULL, success_rate DOUBLE NOT NULL,"
                    " usage_count BIGINT NOT NULL DEFAULT 0, created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
                    " updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))")
        cur.execute("CREATE TABLE pattern_examples (id VARCHAR(191) PRIMARY KEY, content_hash CHAR(64) NOT NULL,"
                    " pattern_id VARCHAR(191) NOT NULL, category VARCHAR(191) NULL, source_id TEXT NOT NULL,"
                    " text MEDIUMTEXT NOT NULL, encoder VARCHAR(191) NOT NULL, embedding VARBINARY(1536) NOT NULL,"
                    " created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))")
        cur.execute("CREATE TABLE feedback (id BIGINT AUTO_INCREMENT PRIMARY KEY, pattern_id VARCHAR(191) NOT NULL,"
                    " outcome DOUBLE NOT NULL, success_rate_before DOUBLE NOT NULL, success_rate_after DOUBLE NOT NULL,"
                    " created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))")
        cur.execute("INSERT INTO deployment_patterns (id, content_hash, category, title, error_patterns, solutions,"
                    " embedding, success_rate) VALUES ('a', 'h', 'docker', 't', '{}', '{}', %s, 0.7)",
                    (axis(0).astype("<f4").tobytes(),))
        cur.execute("INSERT INTO feedback (pattern_id, outcome, success_rate_before, success_rate_after)"
                    " VALUES ('a', 1, 0.7, 0.715)")
        cur.execute("INSERT INTO pattern_examples (id, content_hash, pattern_id, category, source_id, text, encoder,"
                    " embedding) VALUES ('e', 'h', 'a', 'docker', 's', 't', 'm', %s)", (axis(1).astype("<f4").tobytes(),))
    conn.close()
    with MySQLStore.from_url(mariadb_url, read_only=True) as store:  # reads the defaults, alters nothing
        assert [(p.id, p.feedback_count) for p in store.patterns()] == [("a", 0)]
        assert store.stats()["taught"] == {} and store.examples().origins == [CORPUS]
        assert not store._has("deployment_patterns", "feedback_count") and not store._has("pattern_examples", "origin")
    store = MySQLStore.from_url(mariadb_url)
    try:
        assert [(p.id, p.feedback_count) for p in store.patterns()] == [("a", 1)]
        store.upsert_examples([example("t", "a", "x", TAUGHT)])
        assert store.stats()["taught"] == {"a": 1}
    finally:
        store.close()
    again = MySQLStore.from_url(mariadb_url)  # the schema step is idempotent
    again.close()
