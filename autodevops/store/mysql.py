"""The MySQL-protocol store: TiDB with native vector search, or plain MySQL / MariaDB with client-side exact search.

>>> store = MySQLStore.from_url("mysql://root@127.0.0.1:3306/autodevops?tls=false")  # doctest: +SKIP
>>> store.stats()["store"]  # doctest: +SKIP
'mysql'
"""
from __future__ import annotations

import json
import logging
import os
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

import numpy as np
import pymysql
from pymysql.cursors import Cursor

from autodevops.store import redact_url
from autodevops.store.base import (
    ExampleMatrix, ExampleRow, Neighbour, PatternRow, PatternStore, UpsertCounts, dumps, next_success_rate,
    vector_text,
)

log = logging.getLogger("autodevops.store")

DIM = 384
BATCH_ROWS = 200          # ~0.8 MB of vector text per TiDB transaction: far below its 100 MB / 6 MiB-row limits
MAX_LIFETIME_S = 240.0    # well below TiDB Cloud's ~30 min idle cut-off
RETRIES = 5
BACKOFF_S = 0.2
DEFAULT_PORTS = {"tidb": 4000, "mysql": 3306, "mariadb": 3306}
SYSTEM_CA_FALLBACK = "/etc/ssl/certs/ca-certificates.crt"

# Errors after which the same statement may succeed on a fresh attempt: the connection is gone
# (2003 can't connect, 2006 server gone, 2013 / 2055 lost connection, 4031 idle disconnect) or the
# server rolled the transaction back (1205 lock wait timeout, 1213 deadlock, TiDB 8022 / 8028 / 9007).
CONNECTION_LOST_CODES = frozenset({2003, 2006, 2013, 2055, 4031})
ROLLED_BACK_CODES = frozenset({1205, 1213, 8022, 8028, 9007})

# Local exact search wins once one matrix transfer costs less than one SQL round trip per query.
# From benchmarks/store_search.py: a TiDB row is ~4.4 KB of vector text that parses in ~35-45 us and
# crosses a ~100 MB/s link in ~45 us, so ~80 us/row; a TiDB Cloud vector query is ~20 ms (round trip
# plus search). Crossover: queries > rows / 250 (8 queries at 2k rows, 200 at 50k).
LOAD_S_PER_ROW = 80e-6
QUERY_S = 0.02

TABLE_OPTIONS = "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

TIDB_TIFLASH_SQL = "ALTER TABLE pattern_examples SET TIFLASH REPLICA 1"
TIDB_TIFLASH_REPLICAS_SQL = (
    "SELECT REPLICA_COUNT FROM information_schema.tiflash_replica"
    " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'pattern_examples'")
TIDB_VECTOR_INDEX_SQL = (
    "CREATE VECTOR INDEX IF NOT EXISTS idx_examples_embedding"
    " ON pattern_examples ((VEC_COSINE_DISTANCE(embedding))) USING HNSW")
TIDB_COMPACT_SQL = "ALTER TABLE pattern_examples COMPACT"
# Exactly the shape TiDB's optimizer turns into an HNSW index scan: no WHERE, ascending ORDER BY the
# indexed distance function, LIMIT k, and the vector column itself not selected.
TIDB_SEARCH_SQL = (
    "SELECT id, pattern_id, VEC_COSINE_DISTANCE(embedding, %s) AS distance"
    " FROM pattern_examples ORDER BY VEC_COSINE_DISTANCE(embedding, %s) LIMIT %s")

PATTERN_UPSERT_SQL = (
    "INSERT INTO deployment_patterns (id, content_hash, category, title, error_patterns, solutions, embedding,"
    " success_rate, usage_count) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
    # A changed definition keeps what feedback taught (success_rate, usage_count), as the embedded store does.
    " ON DUPLICATE KEY UPDATE content_hash = VALUES(content_hash), category = VALUES(category),"
    " title = VALUES(title), error_patterns = VALUES(error_patterns), solutions = VALUES(solutions),"
    " embedding = VALUES(embedding), updated_at = CURRENT_TIMESTAMP(6)")
EXAMPLE_UPSERT_SQL = (
    "INSERT INTO pattern_examples (id, content_hash, pattern_id, category, source_id, text, encoder, embedding)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    " ON DUPLICATE KEY UPDATE content_hash = VALUES(content_hash), pattern_id = VALUES(pattern_id),"
    " category = VALUES(category), source_id = VALUES(source_id), text = VALUES(text),"
    " encoder = VALUES(encoder), embedding = VALUES(embedding)")

T = TypeVar("T")


def schema_ddl(vector_type: str) -> list[str]:
    """The CREATE TABLE statements, mirroring the embedded schema, with the given embedding column type."""
    # The vector column is never a key: TiDB refuses vector primary, unique and partition keys.
    return [
        "CREATE TABLE IF NOT EXISTS deployment_patterns ("
        " id VARCHAR(191) NOT NULL PRIMARY KEY,"
        " content_hash CHAR(64) NOT NULL,"
        " category VARCHAR(191) NOT NULL,"
        " title TEXT NOT NULL,"
        " error_patterns JSON NOT NULL,"
        " solutions JSON NOT NULL,"
        f" embedding {vector_type} NOT NULL,"
        " success_rate DOUBLE NOT NULL,"
        " usage_count BIGINT NOT NULL DEFAULT 0,"
        " created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
        " updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
        f") {TABLE_OPTIONS}",
        "CREATE TABLE IF NOT EXISTS pattern_examples ("
        " id VARCHAR(191) NOT NULL PRIMARY KEY,"
        " content_hash CHAR(64) NOT NULL,"
        " pattern_id VARCHAR(191) NOT NULL,"
        " category VARCHAR(191) NULL,"
        " source_id TEXT NOT NULL,"
        " text MEDIUMTEXT NOT NULL,"
        " encoder VARCHAR(191) NOT NULL,"
        f" embedding {vector_type} NOT NULL,"
        " created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
        " KEY idx_examples_pattern (pattern_id)"
        f") {TABLE_OPTIONS}",
        "CREATE TABLE IF NOT EXISTS feedback ("
        " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
        " pattern_id VARCHAR(191) NOT NULL,"
        " outcome DOUBLE NOT NULL,"
        " success_rate_before DOUBLE NOT NULL,"
        " success_rate_after DOUBLE NOT NULL,"
        " created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
        f") {TABLE_OPTIONS}",
    ]


def tidb_ddl() -> list[str]:
    """The TiDB schema: ``VECTOR(384)`` embeddings (the HNSW index is added separately, when TiFlash exists)."""
    return schema_ddl(f"VECTOR({DIM})")


def mysql_ddl() -> list[str]:
    """The MySQL / MariaDB schema: embeddings as 1536 bytes of little-endian float32."""
    return schema_ddl(f"VARBINARY({DIM * 4})")


def vector_bytes(vector: np.ndarray) -> bytes:
    """A vector as 1536 bytes of little-endian float32 (same checks as ``vector_text``)."""
    values = np.asarray(vector, dtype="<f4")
    if values.shape != (DIM,) or not np.isfinite(values).all():
        raise ValueError("embedding must be 384 finite floats")
    return values.tobytes()


def _vectors_from_bytes(blobs: Sequence[bytes]) -> np.ndarray:
    return np.frombuffer(b"".join(blobs), dtype="<f4").astype(np.float32).reshape(len(blobs), DIM)


def _vectors_from_text(texts: Sequence[str | bytes]) -> np.ndarray:
    if not texts:
        return np.empty((0, DIM), dtype=np.float32)
    import io

    import pandas as pd  # its C CSV parser reads float text ~2.5x faster than numpy or json (benchmarks/store_search.py)

    lines = "\n".join((t.decode() if isinstance(t, bytes) else t).strip()[1:-1] for t in texts)
    frame = pd.read_csv(io.StringIO(lines), header=None, dtype=np.float32, engine="c", skipinitialspace=True)
    return frame.to_numpy(dtype=np.float32).reshape(len(texts), DIM)


@dataclass(frozen=True)
class Dialect:
    """What differs between TiDB and MySQL / MariaDB: the vector column type, its encoding and the search path."""

    name: str
    ddl: tuple[str, ...]
    encode: Callable[[np.ndarray], str | bytes]
    select_vector: str
    decode: Callable[[Sequence[Any]], np.ndarray]
    server_search: bool


TIDB = Dialect("tidb", tuple(tidb_ddl()), vector_text, "VEC_AS_TEXT(embedding)", _vectors_from_text, True)
MYSQL = Dialect("mysql", tuple(mysql_ddl()), vector_bytes, "embedding", _vectors_from_bytes, False)


def dialect_of(version: str) -> Dialect:
    """TiDB reports itself in ``VERSION()`` (``8.0.11-TiDB-v8.5.1``); anything else is plain MySQL / MariaDB."""
    return TIDB if "tidb" in version.lower() else MYSQL


def system_ca_bundle() -> str:
    """The operating system's CA bundle, used to verify TiDB Cloud's certificate."""
    for candidate in (ssl.get_default_verify_paths().cafile, SYSTEM_CA_FALLBACK):
        if candidate and os.path.exists(candidate):
            return candidate
    raise ValueError("no system CA bundle found: pass ?ssl_ca=/path/to/ca.pem in the store URL")


def _flag(name: str, value: str, shown_url: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"store URL option {name}={value!r} is not a boolean in {shown_url!r}")


@dataclass(frozen=True)
class ConnectionSettings:
    """Where and how to connect, parsed from a store URL; the password never appears in repr."""

    url: str
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    database: str
    tls: bool
    ssl_ca: str | None = None
    connect_timeout: int = 10
    read_timeout: int = 300

    @classmethod
    def from_url(cls, url: str) -> "ConnectionSettings":
        """Parse ``tidb://`` (TLS verified by default), ``mysql://`` / ``mariadb://`` (no TLS unless ``?tls=true``)."""
        shown = redact_url(url)
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS:
            raise ValueError(f"unsupported store URL scheme in {shown!r}")
        database = unquote(parts.path.lstrip("/"))
        if not parts.hostname or not database or "/" in database:
            raise ValueError(f"store URL {shown!r} needs a host and a database: scheme://user:password@host:port/db")
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise ValueError(f"store URL {shown!r} has an invalid port") from None
        options = dict(parse_qsl(parts.query, keep_blank_values=True))
        unknown = set(options) - {"tls", "ssl_ca", "connect_timeout", "read_timeout"}
        if unknown:
            raise ValueError(f"unknown store URL option(s) {sorted(unknown)} in {shown!r}")
        ssl_ca = options.get("ssl_ca") or None
        tls = _flag("tls", options["tls"], shown) if "tls" in options else (parts.scheme == "tidb" or ssl_ca is not None)
        return cls(url=shown, host=parts.hostname, port=port, user=unquote(parts.username or "root"),
                   password=unquote(parts.password or ""), database=database, tls=tls, ssl_ca=ssl_ca,
                   connect_timeout=int(options.get("connect_timeout", 10)),
                   read_timeout=int(options.get("read_timeout", 300)))

    def pymysql_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``pymysql.connect``; TLS always verifies the certificate and the host name."""
        kwargs: dict[str, Any] = dict(
            host=self.host, port=self.port, user=self.user, password=self.password, database=self.database,
            charset="utf8mb4", autocommit=True, connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout, write_timeout=self.read_timeout)
        if self.tls:
            kwargs.update(ssl_ca=self.ssl_ca or system_ca_bundle(), ssl_verify_cert=True, ssl_verify_identity=True)
        return kwargs


def _error_code(exc: BaseException) -> int | None:
    code = exc.args[0] if exc.args else None
    return code if isinstance(code, int) else None


def connection_lost(exc: BaseException) -> bool:
    """True when the connection is unusable and must be re-opened."""
    return isinstance(exc, pymysql.InterfaceError) or (
        isinstance(exc, pymysql.OperationalError) and _error_code(exc) in CONNECTION_LOST_CODES)


def is_transient(exc: BaseException) -> bool:
    """True for errors worth retrying: a lost connection, a deadlock, a lock wait timeout, a TiDB retryable error."""
    return connection_lost(exc) or (isinstance(exc, pymysql.MySQLError) and _error_code(exc) in ROLLED_BACK_CODES)


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def prefers_local(queries: int, rows: int, query_s: float = QUERY_S, load_s_per_row: float = LOAD_S_PER_ROW) -> bool:
    """True when loading the matrix once beats one SQL round trip per query.

    >>> prefers_local(1, 10_000), prefers_local(1_000, 10_000)
    (False, True)
    """
    return queries * query_s > rows * load_s_per_row


def nearest(matrix: ExampleMatrix, queries: np.ndarray, k: int) -> list[list[Neighbour]]:
    """Exact cosine kNN on the client: distance = 1 - cosine, nearest first, ties by example id (as DuckDB)."""
    if k < 0:
        raise ValueError("k must be >= 0")
    q = _unit_rows(np.asarray(queries, dtype=np.float32).reshape(-1, DIM))
    n = len(matrix.ids)
    if k == 0 or n == 0:
        return [[] for _ in range(len(q))]
    distances = 1.0 - q @ _unit_rows(matrix.vectors).T
    k = min(k, n)
    out = []
    for row in distances:
        # Take every row tied with the k-th distance so that ties resolve by id, not by partition order.
        kth = np.partition(row, k - 1)[k - 1]
        candidates = np.flatnonzero(row <= kth).tolist()
        chosen = sorted(candidates, key=lambda i: (row[i], matrix.ids[i]))[:k]
        out.append([Neighbour(matrix.ids[i], matrix.pattern_ids[i], float(row[i])) for i in chosen])
    return out


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def _check_vectors(rows: Sequence[PatternRow | ExampleRow]) -> None:
    # Fail before the first batch is written, not half-way through a load.
    for r in rows:
        values = np.asarray(r.embedding, dtype=np.float32)
        if values.shape != (DIM,) or not np.isfinite(values).all():
            raise ValueError(f"embedding of {r.id!r} must be 384 finite floats")


class MySQLStore(PatternStore):
    """TiDB (``VECTOR(384)``, ``VEC_COSINE_DISTANCE``, HNSW when TiFlash exists) or MySQL / MariaDB (exact, client-side)."""

    def __init__(self, settings: ConnectionSettings, *, batch_rows: int = BATCH_ROWS,
                 max_lifetime: float = MAX_LIFETIME_S, retries: int = RETRIES, backoff: float = BACKOFF_S,
                 progress: Callable[[int, int], None] | None = None):
        self.url = settings.url
        self.settings = settings
        self.batch_rows = batch_rows
        self.max_lifetime = max_lifetime
        self.retries = retries
        self.backoff = backoff
        self.progress = progress
        self._conn: pymysql.connections.Connection | None = None
        self._opened_at = 0.0
        self._lock = threading.RLock()
        self.dialect = dialect_of(self._call(lambda cur: _scalar(cur, "SELECT VERSION()")))
        self._create_schema()

    @classmethod
    def from_url(cls, url: str, **options: Any) -> "MySQLStore":
        """Connect to the server named by a ``tidb://``, ``mysql://`` or ``mariadb://`` URL and create the schema."""
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

    def _create_schema(self) -> None:
        def work(cur: Cursor) -> None:
            for statement in self.dialect.ddl:
                cur.execute(statement)

        self._call(work)
        if self.dialect is TIDB:
            self._ensure_vector_index()

    def _ensure_vector_index(self) -> None:
        def work(cur: Cursor) -> None:
            cur.execute(TIDB_TIFLASH_REPLICAS_SQL)
            replicas = cur.fetchone()
            if not replicas or not replicas[0]:
                cur.execute(TIDB_TIFLASH_SQL)
            cur.execute(TIDB_VECTOR_INDEX_SQL)

        try:
            self._call(work)
        except pymysql.MySQLError as exc:
            # The index needs TiFlash; without it the same ORDER BY ... LIMIT query scans exactly.
            log.warning("TiDB at %s has no usable TiFlash (%s): no HNSW index, vector search is exact", self.url,
                        exc.args[-1] if exc.args else exc)

    def _compact(self) -> None:
        try:
            self._call(lambda cur: cur.execute(TIDB_COMPACT_SQL))
        except pymysql.MySQLError as exc:
            log.debug("ALTER TABLE pattern_examples COMPACT not supported here: %s", exc)

    # -- writes ------------------------------------------------------------------------------------

    def _hashes(self, table: str) -> dict[str, str]:
        return dict(self._query(f"SELECT id, content_hash FROM {table}"))

    def _write(self, sql: str, rows: Sequence[T], params: Callable[[T], tuple], what: str,
               progress: Callable[[int, int], None] | None) -> None:
        """Multi-row upserts, one committed transaction per batch, each batch retried on transient errors."""
        progress = progress or self.progress
        done, total = 0, len(rows)
        for batch in batches(rows, self.batch_rows):
            values = [params(r) for r in batch]
            # executemany rewrites INSERT ... VALUES (...) ON DUPLICATE KEY UPDATE into one multi-row statement.
            self._call(lambda cur: cur.executemany(sql, values), transaction=True)
            done += len(batch)
            log.debug("%s: %d of %d %s written", self.url, done, total, what)
            if progress is not None:
                progress(done, total)
        if total:
            log.info("%s: wrote %d %s", self.url, total, what)

    def upsert_patterns(self, rows: Sequence[PatternRow],
                        progress: Callable[[int, int], None] | None = None) -> UpsertCounts:
        """Insert new patterns and update changed ones, keeping learned success rates and usage counts."""
        existing = self._hashes("deployment_patterns")
        fresh = [r for r in rows if existing.get(r.id) != r.content_hash]
        _check_vectors(fresh)
        encode = self.dialect.encode
        self._write(PATTERN_UPSERT_SQL, fresh, lambda r: (
            r.id, r.content_hash, r.category, r.title, dumps(r.error_patterns), dumps(r.solution),
            encode(r.embedding), float(r.success_rate), int(r.usage_count)), "patterns", progress)
        return _counts(rows, fresh, existing)

    def upsert_examples(self, rows: Sequence[ExampleRow],
                        progress: Callable[[int, int], None] | None = None) -> UpsertCounts:
        """Insert new examples and update changed ones in batches; identical rows are left alone."""
        existing = self._hashes("pattern_examples")
        fresh = [r for r in rows if existing.get(r.id) != r.content_hash]
        _check_vectors(fresh)
        encode = self.dialect.encode
        self._write(EXAMPLE_UPSERT_SQL, fresh, lambda r: (
            r.id, r.content_hash, r.pattern_id, r.category, r.source_id, r.text, r.encoder,
            encode(r.embedding)), "examples", progress)
        if fresh and self.dialect is TIDB:
            self._compact()
        return _counts(rows, fresh, existing)

    def record_feedback(self, pattern_id: str, outcome: float) -> float:
        """Move the pattern's success rate toward ``outcome`` (0..1) under a row lock and log the feedback."""
        if not 0.0 <= outcome <= 1.0:
            raise ValueError("feedback outcome must be between 0 and 1")

        def work(cur: Cursor) -> float:
            cur.execute("SELECT success_rate FROM deployment_patterns WHERE id = %s FOR UPDATE", (pattern_id,))
            row = cur.fetchone()
            if row is None:
                raise KeyError(f"no pattern {pattern_id!r} in the store")
            old = float(row[0])
            new = next_success_rate(old, outcome)
            cur.execute("UPDATE deployment_patterns SET success_rate = %s, usage_count = usage_count + 1"
                        " WHERE id = %s", (new, pattern_id))
            cur.execute("INSERT INTO feedback (pattern_id, outcome, success_rate_before, success_rate_after)"
                        " VALUES (%s, %s, %s, %s)", (pattern_id, float(outcome), old, new))
            return new

        return self._call(work, transaction=True, idempotent=False)

    # -- reads -------------------------------------------------------------------------------------

    def patterns(self) -> list[PatternRow]:
        """Every stored pattern, ordered by id."""
        rows = self._query(
            "SELECT id, content_hash, category, title, error_patterns, solutions, success_rate, usage_count,"
            f" {self.dialect.select_vector} FROM deployment_patterns ORDER BY id")
        vectors = self.dialect.decode([r[8] for r in rows])
        return [PatternRow(r[0], r[1], r[2], r[3], json.loads(r[4]), json.loads(r[5]), vectors[i], float(r[6]),
                           int(r[7])) for i, r in enumerate(rows)]

    def examples(self) -> ExampleMatrix:
        """Every stored example embedding, ordered by id, for local exact search."""
        rows = self._query(
            f"SELECT id, pattern_id, encoder, {self.dialect.select_vector} FROM pattern_examples ORDER BY id")
        vectors = self.dialect.decode([r[3] for r in rows])
        return ExampleMatrix([r[0] for r in rows], [r[1] for r in rows], vectors, [r[2] for r in rows])

    def search(self, vectors: np.ndarray, k: int) -> list[list[Neighbour]]:
        """The ``k`` nearest examples per query: one SQL query each on TiDB, exact on the client on MySQL."""
        if not self.dialect.server_search:
            return self.search_local(vectors, k)
        return [self._search_one(v, k) for v in np.asarray(vectors, dtype=np.float32).reshape(-1, DIM)]

    def _search_one(self, vector: np.ndarray, k: int) -> list[Neighbour]:
        if k < 0:
            raise ValueError("k must be >= 0")
        text = vector_text(vector)
        rows = self._query(TIDB_SEARCH_SQL, (text, text, k))
        return [Neighbour(r[0], r[1], float(r[2])) for r in rows]

    def search_local(self, vectors: np.ndarray, k: int) -> list[list[Neighbour]]:
        """Load the example matrix once and search it exactly with numpy."""
        return nearest(self.examples(), vectors, k)

    def search_batch(self, vectors: np.ndarray, k: int) -> list[list[Neighbour]]:
        """``search`` or ``search_local``, whichever is cheaper for this many queries over this many rows."""
        queries = np.asarray(vectors, dtype=np.float32).reshape(-1, DIM)
        if not self.dialect.server_search:
            return self.search_local(queries, k)
        rows = self._call(lambda cur: _scalar(cur, "SELECT COUNT(*) FROM pattern_examples"))
        return self.search_local(queries, k) if prefers_local(len(queries), int(rows)) else self.search(queries, k)

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
        return {"store": self.dialect.name, "patterns": int(patterns), "examples": int(examples),
                "per_category": per_category}

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
