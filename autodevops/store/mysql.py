"""The MySQL-protocol store: TiDB (``VECTOR(384)`` columns) or plain MySQL / MariaDB (float32 bytes).

Both serve ``examples()`` whole: the analyzer loads the matrix once and runs its own exact kNN.

>>> store = MySQLStore.from_url("mysql://root@127.0.0.1:3306/autodevops?tls=false")  # doctest: +SKIP
>>> store.stats()["store"]  # doctest: +SKIP
'mysql'
"""
from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Callable, Sequence, TypeVar

import numpy as np
import pymysql
from pymysql.cursors import Cursor

from autodevops.store.base import (
    TAUGHT, ExampleMatrix, ExampleRow, PatternRow, PatternStore, Progress, UpsertCounts, dumps, next_success_rate,
)
from autodevops.store.connection import ConnectionSettings, connection_lost, is_transient
from autodevops.store.dialect import (
    COLUMN_EXISTS_SQL, DIM, EXAMPLE_UPSERT_SQL, MIGRATIONS, PATTERN_UPSERT_SQL, Dialect, dialect_of,
)

log = logging.getLogger("autodevops.store")

BATCH_ROWS = 200          # ~0.8 MB of vector text per TiDB transaction: far below its 100 MB / 6 MiB-row limits
MAX_LIFETIME_S = 240.0    # well below TiDB Cloud's ~30 min idle cut-off
RETRIES = 5
BACKOFF_S = 0.2

T = TypeVar("T")


def _check_vectors(rows: Sequence[PatternRow | ExampleRow]) -> None:
    # Fail before the first batch is written, not half-way through a load.
    for r in rows:
        values = np.asarray(r.embedding, dtype=np.float32)
        if values.shape != (DIM,) or not np.isfinite(values).all():
            raise ValueError(f"embedding of {r.id!r} must be 384 finite floats")


class MySQLStore(PatternStore):
    """TiDB or MySQL / MariaDB behind the pattern-store interface; ``read_only`` opens never run DDL."""

    def __init__(self, settings: ConnectionSettings, *, read_only: bool = False, batch_rows: int = BATCH_ROWS,
                 max_lifetime: float = MAX_LIFETIME_S, retries: int = RETRIES, backoff: float = BACKOFF_S,
                 progress: Progress | None = None):
        self.url = settings.url
        self.settings = settings
        self.read_only = read_only
        self.batch_rows = batch_rows
        self.max_lifetime = max_lifetime
        self.retries = retries
        self.backoff = backoff
        self.progress = progress
        self._conn: pymysql.connections.Connection | None = None
        self._opened_at = 0.0
        self._lock = threading.RLock()
        self.dialect: Dialect = dialect_of(self._call(lambda cur: _scalar(cur, "SELECT VERSION()")))
        if not read_only:
            self._create_schema()
        # A read-only open of a database written before a migration reads the missing columns as their defaults.
        self._columns = {column: column if not read_only or self._has(table, column) else default
                         for table, column, _, _, default in MIGRATIONS}

    @classmethod
    def from_url(cls, url: str, **options: Any) -> "MySQLStore":
        """Connect to the server named by a ``tidb://``, ``mysql://`` or ``mariadb://`` URL (and create the schema)."""
        return cls(ConnectionSettings.from_url(url), **options)

    def __repr__(self) -> str:
        return f"MySQLStore({self.url!r}, dialect={getattr(self, 'dialect', None) and self.dialect.name!r})"

    # -- connections -------------------------------------------------------------------------------

    def _connection(self) -> pymysql.connections.Connection:
        if self._conn is not None and time.monotonic() - self._opened_at > self.max_lifetime:
            self._drop()
        if self._conn is None:
            try:
                self._conn = pymysql.connect(**self.settings.pymysql_kwargs())
            except pymysql.MySQLError as exc:
                log.debug("cannot connect to %s: %s", self.url, exc)
                raise
            self._opened_at = time.monotonic()
        return self._conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # already broken: closing is best effort
                pass

    def _recover(self, exc: BaseException) -> None:
        if connection_lost(exc) or self._conn is None:
            self._drop()
            return
        try:
            self._conn.rollback()
        except pymysql.MySQLError:
            self._drop()

    def _call(self, work: Callable[[Cursor], T], *, transaction: bool = False, idempotent: bool = True) -> T:
        """Run ``work`` (in a transaction when asked), re-opening the connection and retrying transient errors."""
        with self._lock:
            for attempt in range(1, self.retries + 1):
                committing = False
                try:
                    conn = self._connection()
                    with conn.cursor() as cur:
                        if transaction:
                            conn.begin()
                        result = work(cur)
                        if transaction:
                            committing = True
                            conn.commit()
                    return result
                except Exception as exc:
                    self._recover(exc)
                    # A connection lost during COMMIT leaves the outcome unknown: only idempotent work may rerun.
                    if not is_transient(exc) or attempt == self.retries or (committing and not idempotent):
                        raise
                    delay = self.backoff * 2 ** (attempt - 1)
                    log.warning("store %s: %s; retry %d of %d in %.1f s", self.url, exc, attempt, self.retries - 1,
                                delay)
                    time.sleep(delay)
        raise AssertionError("unreachable")

    def _query(self, sql: str, args: Sequence[Any] | None = None) -> list[tuple]:
        def work(cur: Cursor) -> list[tuple]:
            cur.execute(sql, args)
            return list(cur.fetchall())

        return self._call(work)

    # -- schema ------------------------------------------------------------------------------------

    def _has(self, table: str, column: str) -> bool:
        return bool(self._query(COLUMN_EXISTS_SQL, (table, column))[0][0])

    def _create_schema(self) -> None:
        def work(cur: Cursor) -> None:
            for statement in self.dialect.ddl:
                cur.execute(statement)
            for table, column, definition, backfill, _ in MIGRATIONS:
                cur.execute(COLUMN_EXISTS_SQL, (table, column))
                if not cur.fetchone()[0]:
                    cur.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
                    if backfill:
                        cur.execute(backfill)

        self._call(work)

    # -- writes ------------------------------------------------------------------------------------

    def _hashes(self, table: str) -> dict[str, str]:
        return dict(self._query(f"SELECT id, content_hash FROM {table}"))

    def _write(self, sql: str, rows: Sequence[T], params: Callable[[T], tuple], what: str) -> None:
        """Multi-row upserts, one committed transaction per batch, each batch retried on transient errors."""
        for start in range(0, len(rows), self.batch_rows):
            values = [params(r) for r in rows[start:start + self.batch_rows]]
            # executemany rewrites INSERT ... VALUES (...) ON DUPLICATE KEY UPDATE into one multi-row statement.
            self._call(lambda cur: cur.executemany(sql, values), transaction=True)
            log.debug("%s: %d of %d %s written", self.url, start + len(values), len(rows), what)
            if self.progress is not None:
                self.progress(start + len(values), len(rows))
        if rows:
            log.info("%s: wrote %d %s", self.url, len(rows), what)

    def upsert_patterns(self, rows: Sequence[PatternRow]) -> UpsertCounts:
        """Insert new patterns and update changed ones, keeping learned success rates and usage counts."""
        self._writable()
        existing = self._hashes("deployment_patterns")
        fresh = [r for r in rows if existing.get(r.id) != r.content_hash]
        _check_vectors(fresh)
        encode = self.dialect.encode
        self._write(PATTERN_UPSERT_SQL, fresh, lambda r: (
            r.id, r.content_hash, r.category, r.title, dumps(r.error_patterns), dumps(r.solution),
            encode(r.embedding), float(r.success_rate), int(r.usage_count), int(r.feedback_count)), "patterns")
        return _counts(rows, fresh, existing)

    def upsert_examples(self, rows: Sequence[ExampleRow]) -> UpsertCounts:
        """Insert new examples and update changed ones in batches; identical rows are left alone."""
        self._writable()
        existing = self._hashes("pattern_examples")
        taught = {r[0] for r in self._query("SELECT id FROM pattern_examples WHERE origin = %s", (TAUGHT,))}
        fresh = [r for r in rows if existing.get(r.id) != r.content_hash and not (r.origin != TAUGHT and r.id in taught)]
        _check_vectors(fresh)
        encode = self.dialect.encode
        self._write(EXAMPLE_UPSERT_SQL, fresh, lambda r: (
            r.id, r.content_hash, r.pattern_id, r.category, r.source_id, r.text, r.encoder, r.origin,
            encode(r.embedding)), "examples")
        return _counts(rows, fresh, existing)

    def record_feedback(self, pattern_id: str, outcome: float) -> float:
        """Move the pattern's success rate toward ``outcome`` (0..1) under a row lock and log the feedback."""
        self._writable()
        if not 0.0 <= outcome <= 1.0:
            raise ValueError("feedback outcome must be between 0 and 1")

        def work(cur: Cursor) -> float:
            cur.execute("SELECT success_rate FROM deployment_patterns WHERE id = %s FOR UPDATE", (pattern_id,))
            row = cur.fetchone()
            if row is None:
                raise KeyError(f"no pattern {pattern_id!r} in the store")
            old = float(row[0])
            new = next_success_rate(old, outcome)
            cur.execute("UPDATE deployment_patterns SET success_rate = %s, usage_count = usage_count + 1,"
                        " feedback_count = feedback_count + 1 WHERE id = %s", (new, pattern_id))
            cur.execute("INSERT INTO feedback (pattern_id, outcome, success_rate_before, success_rate_after)"
                        " VALUES (%s, %s, %s, %s)", (pattern_id, float(outcome), old, new))
            return new

        return self._call(work, transaction=True, idempotent=False)

    # -- reads -------------------------------------------------------------------------------------

    def patterns(self) -> list[PatternRow]:
        """Every stored pattern, ordered by id."""
        rows = self._query(
            "SELECT id, content_hash, category, title, error_patterns, solutions, success_rate, usage_count,"
            f" {self._columns['feedback_count']}, {self.dialect.select_vector} FROM deployment_patterns ORDER BY id")
        vectors = self.dialect.decode([r[9] for r in rows])
        return [PatternRow(r[0], r[1], r[2], r[3], json.loads(r[4]), json.loads(r[5]), vectors[i], float(r[6]),
                           int(r[7]), int(r[8])) for i, r in enumerate(rows)]

    def examples(self) -> ExampleMatrix:
        """Every stored example embedding, ordered by id, for local exact search."""
        rows = self._query(f"SELECT id, pattern_id, encoder, {self.dialect.select_vector}, {self._columns['origin']}"
                           " FROM pattern_examples ORDER BY id")
        vectors = self.dialect.decode([r[3] for r in rows])
        return ExampleMatrix([r[0] for r in rows], [r[1] for r in rows], vectors, [r[2] for r in rows],
                             [r[4] for r in rows])

    def stats(self) -> dict[str, Any]:
        """Counts of patterns and examples, in total and per category (``"store"`` is ``tidb`` or ``mysql``)."""
        per_category: dict[str, dict[str, int]] = {}
        for category, n in self._query(
                "SELECT category, COUNT(*) FROM deployment_patterns GROUP BY category ORDER BY category"):
            per_category.setdefault(category, {"patterns": 0, "examples": 0})["patterns"] = int(n)
        for category, n in self._query(
                "SELECT COALESCE(category, 'unknown') AS c, COUNT(*) FROM pattern_examples GROUP BY c ORDER BY c"):
            per_category.setdefault(category, {"patterns": 0, "examples": 0})["examples"] = int(n)
        patterns = self._call(lambda cur: _scalar(cur, "SELECT COUNT(*) FROM deployment_patterns"))
        examples = self._call(lambda cur: _scalar(cur, "SELECT COUNT(*) FROM pattern_examples"))
        taught = {pid: int(n) for pid, n in self._query(
            f"SELECT pattern_id, COUNT(*) FROM pattern_examples WHERE {self._columns['origin']} = %s"
            " GROUP BY pattern_id ORDER BY pattern_id", (TAUGHT,))}
        return {"store": self.dialect.name, "patterns": int(patterns), "examples": int(examples),
                "per_category": per_category, "taught": taught}

    def close(self) -> None:
        """Close the connection (a later call re-opens one)."""
        with self._lock:
            self._drop()


def _scalar(cur: Cursor, sql: str) -> Any:
    cur.execute(sql)
    return cur.fetchone()[0]


def _counts(rows: Sequence[PatternRow | ExampleRow], fresh: Sequence[PatternRow | ExampleRow],
            existing: dict[str, str]) -> UpsertCounts:
    updated = sum(1 for r in fresh if r.id in existing)
    return UpsertCounts(new=len(fresh) - updated, updated=updated, unchanged=len(rows) - len(fresh))
