"""A bulk load survives the server being SIGKILLed: committed batches stay, a rerun completes with no duplicates."""
from __future__ import annotations

import threading
from typing import Callable

import numpy as np
import pymysql
import pytest

from autodevops.store.base import ExampleRow, UpsertCounts
from autodevops.store.mysql import MySQLStore

pytestmark = pytest.mark.mariadb

ROWS = 3000
BATCH = 200
KILL_AFTER = 1000  # rows committed when the server dies: five whole batches


def corpus(n: int = ROWS) -> list[ExampleRow]:
    vectors = np.random.default_rng(7).standard_normal((n, 384)).astype(np.float32)
    return [ExampleRow(f"ex-{i:05d}", f"hash-{i:05d}", f"p.{i % 17}", "docker", f"src-{i}", f"line {i}", "enc",
                       vectors[i]) for i in range(n)]


@pytest.fixture
def stored_hashes(query, mariadb_url) -> Callable[[], list[tuple[str, str]]]:
    """What the server holds, read over a connection of its own (not through the store under test)."""
    return lambda: query(mariadb_url, "SELECT id, content_hash FROM pattern_examples ORDER BY id")


def load_in_background(store: MySQLStore, rows: list[ExampleRow]) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["counts"] = store.upsert_examples(rows)
        except Exception as exc:  # the test inspects what the load died of
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def pause_at(rows_done: int) -> tuple[threading.Event, threading.Event, callable]:
    """A progress callback that stops the loader between batches until the test has done its damage."""
    reached, resume = threading.Event(), threading.Event()

    def progress(done: int, total: int) -> None:
        if done == rows_done:
            reached.set()
            assert resume.wait(60)

    return reached, resume, progress


def kill_mid_load(mariadb, url: str, rows: list[ExampleRow], *, retries: int,
                  backoff: float) -> tuple[threading.Thread, dict]:
    """Load ``rows`` into ``url`` in the background and SIGKILL the server once ``KILL_AFTER`` of them are committed;
    the loader then goes on (retrying as told) while the test decides whether and when the server comes back."""
    reached, resume, progress = pause_at(KILL_AFTER)
    store = MySQLStore.from_url(url, batch_rows=BATCH, retries=retries, backoff=backoff, progress=progress)
    thread, outcome = load_in_background(store, rows)
    assert reached.wait(60)
    mariadb.kill()
    resume.set()
    return thread, outcome


def test_load_killed_midway_then_rerun_has_every_row_once(mariadb, mariadb_url, stored_hashes):
    rows = corpus()
    thread, outcome = kill_mid_load(mariadb, mariadb_url, rows, retries=2, backoff=0.05)
    thread.join(60)
    assert isinstance(outcome.get("error"), pymysql.OperationalError)  # the server stayed down: the load gave up
    mariadb.start()
    # Every batch acknowledged before the crash is durable, nothing after it is half-written.
    assert len(stored_hashes()) == KILL_AFTER
    rerun = MySQLStore.from_url(mariadb_url, batch_rows=BATCH)
    assert rerun.upsert_examples(rows) == UpsertCounts(new=ROWS - KILL_AFTER, unchanged=KILL_AFTER)
    rerun.close()
    assert stored_hashes() == [(r.id, r.content_hash) for r in rows]


def test_load_rides_out_a_server_restart_by_retrying_the_batch(mariadb, mariadb_url, stored_hashes):
    rows = corpus()
    # Backoff 0.2 s doubling over 6 tries waits up to 6.2 s: longer than a crash-recovery restart.
    thread, outcome = kill_mid_load(mariadb, mariadb_url, rows, retries=6, backoff=0.2)
    mariadb.start()
    thread.join(60)
    assert outcome.get("error") is None
    assert outcome["counts"] == UpsertCounts(new=ROWS)
    assert stored_hashes() == [(r.id, r.content_hash) for r in rows]


def test_load_killed_at_an_arbitrary_moment_then_rerun_has_every_row_once(mariadb, mariadb_url, stored_hashes):
    rows = corpus()
    started = threading.Event()
    store = MySQLStore.from_url(mariadb_url, batch_rows=BATCH, retries=1,
                                progress=lambda done, total: started.set())
    thread, outcome = load_in_background(store, rows)
    assert started.wait(60)
    mariadb.kill()  # most likely in the middle of a batch's INSERT or COMMIT
    thread.join(60)
    mariadb.start()
    committed = len(stored_hashes())
    assert committed % BATCH == 0  # a batch is all or nothing
    rerun = MySQLStore.from_url(mariadb_url, batch_rows=BATCH)
    assert rerun.upsert_examples(rows) == UpsertCounts(new=ROWS - committed, unchanged=committed)
    rerun.close()
    assert stored_hashes() == [(r.id, r.content_hash) for r in rows]
