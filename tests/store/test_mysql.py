"""What only the MySQL-protocol store does: float32 columns, read-only opens, connection recycling and retries (on MariaDB)."""
from __future__ import annotations

import logging
import threading
from typing import Callable

import numpy as np
import pymysql
import pytest

from autodevops.store.base import ExampleRow, PatternRow, UpsertCounts, next_success_rate
from autodevops.store.connection import is_transient
from autodevops.store.dialect import vector_bytes
from autodevops.store.embedded import EmbeddedStore
from autodevops.store.mysql import MySQLStore


def rows(n: int, seed: int = 0) -> list[ExampleRow]:
    vectors = np.random.default_rng(seed).standard_normal((n, 384)).astype(np.float32)
    return [ExampleRow(f"e{i:04d}", f"h{i}", f"p{i % 5}", "docker", "s", "t", "enc", v) for i, v in enumerate(vectors)]


@pytest.fixture
def connections_opened(query, mariadb_url) -> Callable[[], int]:
    """How many connections the server has accepted so far (asking opens one more)."""
    return lambda: int(query(mariadb_url, "SHOW GLOBAL STATUS LIKE 'Connections'")[0][1])


# -- pure ----------------------------------------------------------------------------------------------------------

def test_vector_bytes_are_little_endian_float32_and_reject_bad_vectors():
    v = np.arange(384, dtype=np.float32)
    assert vector_bytes(v) == v.astype("<f4").tobytes() and len(vector_bytes(v)) == 1536
    for bad in (np.zeros(383), np.full(384, np.nan), np.full(384, np.inf)):
        with pytest.raises(ValueError, match="384 finite floats"):
            vector_bytes(bad)


def test_transient_errors_are_lost_connections_and_rolled_back_transactions_only():
    assert is_transient(pymysql.OperationalError(2013, "Lost connection to server during query"))
    assert is_transient(pymysql.OperationalError(2003, "Can't connect"))
    assert is_transient(pymysql.OperationalError(1213, "Deadlock found"))
    assert is_transient(pymysql.InterfaceError(0, ""))
    assert not is_transient(pymysql.OperationalError(1045, "Access denied"))
    assert not is_transient(pymysql.ProgrammingError(1146, "Table doesn't exist"))
    assert not is_transient(ValueError("x"))


# -- live MariaDB --------------------------------------------------------------------------------------------------

@pytest.mark.mariadb
def test_the_example_matrix_matches_duckdb_bit_for_bit_on_the_same_data(mariadb_url, tmp_path):
    data = rows(400, seed=1)
    with MySQLStore.from_url(mariadb_url, batch_rows=64) as store, EmbeddedStore(tmp_path / "p.duckdb") as reference:
        assert store.upsert_examples(data) == reference.upsert_examples(data) == UpsertCounts(new=400)
        got, expected = store.examples(), reference.examples()
        assert (got.ids, got.pattern_ids, got.origins) == (expected.ids, expected.pattern_ids, expected.origins)
        assert np.array_equal(got.vectors, expected.vectors)


@pytest.mark.mariadb
def test_a_read_only_open_creates_nothing(mariadb_url, query):
    with MySQLStore.from_url(mariadb_url, read_only=True) as store:
        with pytest.raises(pymysql.ProgrammingError) as info:
            store.examples()
        assert info.value.args[0] == 1146  # no such table: the open ran no CREATE TABLE
    assert query(mariadb_url, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()") \
        == [(0,)]


@pytest.mark.mariadb
def test_a_bad_vector_fails_the_load_before_anything_is_written(mariadb_url):
    data = rows(5)
    broken = ExampleRow("zz", "h", "p", None, "s", "t", "enc", np.full(384, np.nan, dtype=np.float32))
    with MySQLStore.from_url(mariadb_url) as store:
        with pytest.raises(ValueError, match="'zz'"):
            store.upsert_examples(data + [broken])
        assert store.stats()["examples"] == 0


@pytest.mark.mariadb
def test_progress_is_reported_per_committed_batch(mariadb_url):
    calls: list[tuple[int, int]] = []
    with MySQLStore.from_url(mariadb_url, batch_rows=2, progress=lambda done, total: calls.append((done, total))) as s:
        assert s.upsert_examples(rows(5)) == UpsertCounts(new=5)
        assert calls == [(2, 5), (4, 5), (5, 5)]
        assert s.upsert_examples(rows(5)) == UpsertCounts(unchanged=5)
        assert calls == [(2, 5), (4, 5), (5, 5)]  # nothing to write, nothing reported


def test_the_embedded_store_reports_progress_once_per_commit(tmp_path):
    calls: list[tuple[int, int]] = []
    with EmbeddedStore(tmp_path / "p.duckdb", progress=lambda done, total: calls.append((done, total))) as s:
        assert s.upsert_examples(rows(5)) == UpsertCounts(new=5)
        assert s.upsert_examples(rows(5)) == UpsertCounts(unchanged=5)
        s.upsert_patterns([PatternRow("a", "h", "docker", "t", {}, {}, np.ones(384, dtype=np.float32), 0.5)])
    assert calls == [(5, 5), (1, 1)]


@pytest.mark.mariadb
def test_connection_is_reused_within_its_lifetime_and_recycled_after(mariadb_url, connections_opened):
    with MySQLStore.from_url(mariadb_url) as store:
        store.stats()
        before = connections_opened()
        store.stats()
        store.stats()
        assert connections_opened() == before + 1  # only the probe's own connection
    with MySQLStore.from_url(mariadb_url, max_lifetime=0.0) as store:
        before = connections_opened()
        store.examples()
        store.examples()  # each query on a fresh connection because the lifetime is zero
        assert connections_opened() == before + 2 + 1


@pytest.mark.mariadb
def test_a_connection_killed_by_the_server_is_reopened_and_the_call_retried(mariadb_url, query, caplog):
    database = mariadb_url.split("/")[-1].split("?")[0]
    with MySQLStore.from_url(mariadb_url) as store:
        store.upsert_examples(rows(3))
        for (thread_id,) in query(mariadb_url, f"SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '{database}'"
                                               " AND ID <> CONNECTION_ID()"):
            query(mariadb_url, f"KILL {thread_id}")
        with caplog.at_level(logging.WARNING, logger="autodevops.store"):
            assert store.stats()["examples"] == 3
        assert any("retry 1 of 4" in r.getMessage() for r in caplog.records)


@pytest.mark.mariadb
def test_a_wrong_password_fails_at_once_without_retries_or_leaking_it(mariadb, mariadb_url, query, caplog):
    query(mariadb_url, "CREATE USER IF NOT EXISTS 'pwcheck'@'127.0.0.1' IDENTIFIED BY 'Right-pw-1'")
    query(mariadb_url, "GRANT ALL ON *.* TO 'pwcheck'@'127.0.0.1'")
    base = f"mysql://pwcheck:{{}}@127.0.0.1:{mariadb.port}/{mariadb_url.split('/')[-1]}"
    with MySQLStore.from_url(base.format("Right-pw-1")) as store:
        assert "Right-pw-1" not in store.url and "Right-pw-1" not in repr(store)
        assert store.url.startswith("mysql://pwcheck:***@127.0.0.1:")
    with caplog.at_level(logging.DEBUG, logger="autodevops.store"), pytest.raises(pymysql.OperationalError) as info:
        MySQLStore.from_url(base.format("Wrong-pw-2"))
    assert info.value.args[0] == 1045
    assert not [r for r in caplog.records if "retry" in r.getMessage()]
    assert all("Wrong-pw-2" not in r.getMessage() for r in caplog.records) and "Wrong-pw-2" not in str(info.value)


@pytest.mark.mariadb
def test_concurrent_feedback_is_serialised_by_the_row_lock(mariadb_url, query):
    vector = np.ones(384, dtype=np.float32)
    with MySQLStore.from_url(mariadb_url) as setup:
        setup.upsert_patterns([PatternRow("a", "h", "docker", "t", {}, {}, vector, 0.5)])
    errors: list[BaseException] = []

    def hammer() -> None:
        try:
            with MySQLStore.from_url(mariadb_url) as store:
                for _ in range(15):
                    store.record_feedback("a", 1.0)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    expected = 0.5
    for _ in range(45):
        expected = next_success_rate(expected, 1.0)
    with MySQLStore.from_url(mariadb_url) as store:
        [p] = store.patterns()
        assert p.usage_count == 45
        assert p.success_rate == pytest.approx(expected, abs=1e-12)
        assert query(mariadb_url, "SELECT COUNT(*), MIN(success_rate_before) FROM feedback")[0] == (45, 0.5)
