"""What differs between TiDB and MySQL / MariaDB, and the SQL text both run (pure: no connection here)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from autodevops.store.base import vector_text

DIM = 384
TABLE_OPTIONS = "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

PATTERN_UPSERT_SQL = (
    "INSERT INTO deployment_patterns (id, content_hash, category, title, error_patterns, solutions, embedding,"
    " success_rate, usage_count, feedback_count) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    # A changed definition keeps what feedback taught (success_rate, usage_count), as the embedded store does.
    " ON DUPLICATE KEY UPDATE content_hash = VALUES(content_hash), category = VALUES(category),"
    " title = VALUES(title), error_patterns = VALUES(error_patterns), solutions = VALUES(solutions),"
    " embedding = VALUES(embedding), updated_at = CURRENT_TIMESTAMP(6)")
EXAMPLE_UPSERT_SQL = (
    "INSERT INTO pattern_examples (id, content_hash, pattern_id, category, source_id, text, encoder, origin,"
    " embedding) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON DUPLICATE KEY UPDATE content_hash = VALUES(content_hash), pattern_id = VALUES(pattern_id),"
    " category = VALUES(category), source_id = VALUES(source_id), text = VALUES(text),"
    " encoder = VALUES(encoder), origin = VALUES(origin), embedding = VALUES(embedding)")
COLUMN_EXISTS_SQL = ("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
                     " AND TABLE_NAME = %s AND COLUMN_NAME = %s")
# Columns added after the first release: (table, column, definition, back-fill for rows that predate it,
# the value a read-only open reads in its place when the column is missing).
MIGRATIONS = (
    ("deployment_patterns", "feedback_count", "BIGINT NOT NULL DEFAULT 0",
     "UPDATE deployment_patterns p SET feedback_count = (SELECT COUNT(*) FROM feedback f WHERE f.pattern_id = p.id)",
     "0"),
    ("pattern_examples", "origin", "VARCHAR(16) NOT NULL DEFAULT 'corpus'", None, "'corpus'"),
)


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
        " feedback_count BIGINT NOT NULL DEFAULT 0,"
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
        " origin VARCHAR(16) NOT NULL DEFAULT 'corpus',"
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
    """The TiDB schema: ``VECTOR(384)`` embeddings."""
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


def vectors_from_bytes(blobs: Sequence[bytes]) -> np.ndarray:
    """Rows of ``VARBINARY(1536)`` back to an (n, 384) float32 matrix."""
    return np.frombuffer(b"".join(blobs), dtype="<f4").astype(np.float32).reshape(len(blobs), DIM)


def vectors_from_text(texts: Sequence[str | bytes]) -> np.ndarray:
    """TiDB's ``VEC_AS_TEXT`` literals back to an (n, 384) float32 matrix."""
    if not texts:
        return np.empty((0, DIM), dtype=np.float32)
    import pandas as pd  # its C CSV parser reads float text ~2.5x faster than numpy or json (benchmarks/store_search.py)

    lines = "\n".join((t.decode() if isinstance(t, bytes) else t).strip()[1:-1] for t in texts)
    frame = pd.read_csv(io.StringIO(lines), header=None, dtype=np.float32, engine="c", skipinitialspace=True)
    return frame.to_numpy(dtype=np.float32).reshape(len(texts), DIM)


@dataclass(frozen=True)
class Dialect:
    """What differs between TiDB and MySQL / MariaDB: the vector column type and its encoding."""

    name: str
    ddl: tuple[str, ...]
    encode: Callable[[np.ndarray], str | bytes]
    select_vector: str
    decode: Callable[[Sequence[Any]], np.ndarray]


TIDB = Dialect("tidb", tuple(tidb_ddl()), vector_text, "VEC_AS_TEXT(embedding)", vectors_from_text)
MYSQL = Dialect("mysql", tuple(mysql_ddl()), vector_bytes, "embedding", vectors_from_bytes)


def dialect_of(version: str) -> Dialect:
    """TiDB reports itself in ``VERSION()`` (``8.0.11-TiDB-v8.5.1``); anything else is plain MySQL / MariaDB."""
    return TIDB if "tidb" in version.lower() else MYSQL
