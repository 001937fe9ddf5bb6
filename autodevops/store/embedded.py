"""The embedded default store: one DuckDB database file in ``$AUTODEVOPS_HOME``, no server needed."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import duckdb
import numpy as np

from autodevops.store.base import (
    CORPUS, TAUGHT, ExampleMatrix, ExampleRow, PatternRow, PatternStore, Progress, UpsertCounts, dumps,
    next_success_rate,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS deployment_patterns (
    id VARCHAR PRIMARY KEY,
    content_hash VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    error_patterns JSON NOT NULL,
    solutions JSON NOT NULL,
    embedding FLOAT[384] NOT NULL,
    success_rate DOUBLE NOT NULL,
    usage_count BIGINT NOT NULL DEFAULT 0,
    feedback_count BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS pattern_examples (
    id VARCHAR PRIMARY KEY,
    content_hash VARCHAR NOT NULL,
    pattern_id VARCHAR NOT NULL,
    category VARCHAR,
    source_id VARCHAR NOT NULL,
    text VARCHAR NOT NULL,
    encoder VARCHAR NOT NULL,
    embedding FLOAT[384] NOT NULL,
    origin VARCHAR NOT NULL DEFAULT 'corpus',
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS feedback (
    pattern_id VARCHAR NOT NULL,
    outcome DOUBLE NOT NULL,
    success_rate_before DOUBLE NOT NULL,
    success_rate_after DOUBLE NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
"""
# Columns added after the first release: (table, column, definition, back-fill for rows that predate it).
MIGRATIONS = (
    ("deployment_patterns", "feedback_count", "BIGINT NOT NULL DEFAULT 0",
     "UPDATE deployment_patterns SET feedback_count = (SELECT count(*) FROM feedback f"
     " WHERE f.pattern_id = deployment_patterns.id)"),
    ("pattern_examples", "origin", "VARCHAR NOT NULL DEFAULT 'corpus'", None),
)


class EmbeddedStore(PatternStore):
    """DuckDB: FLOAT[384] vectors and JSON in one real database file."""

    def __init__(self, path: Path, read_only: bool = False, progress: Progress | None = None):
        self.url = f"duckdb://{path}"
        self.path = path
        self.read_only = read_only
        self.progress = progress
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(path), read_only=read_only)
        if not read_only:
            self.con.execute(SCHEMA)
            self._migrate()
        # A read-only open of a file written before a migration reads the missing columns as their defaults.
        self._feedback_count = "feedback_count" if self._has("deployment_patterns", "feedback_count") else "0"
        self._origin = "origin" if self._has("pattern_examples", "origin") else f"'{CORPUS}'"

    def _has(self, table: str, column: str) -> bool:
        return bool(self.con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = ? AND column_name = ?",
                                     [table, column]).fetchone()[0])

    def _migrate(self) -> None:
        for table, column, definition, backfill in MIGRATIONS:
            if not self._has(table, column):
                self.con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
                if backfill:
                    self.con.execute(backfill)

    def _existing(self, table: str) -> dict[str, str]:
        return dict(self.con.execute(f"SELECT id, content_hash FROM {table}").fetchall())

    def upsert_patterns(self, rows: Sequence[PatternRow]) -> UpsertCounts:
        self._writable()
        existing = self._existing("deployment_patterns")
        counts = UpsertCounts()
        self.con.execute("BEGIN TRANSACTION")
        try:
            for r in rows:
                if existing.get(r.id) == r.content_hash:
                    counts.unchanged += 1
                    continue
                values = [r.content_hash, r.category, r.title, dumps(r.error_patterns), dumps(r.solution),
                          np.asarray(r.embedding, dtype=np.float32).tolist()]
                if r.id in existing:
                    # A changed definition keeps what feedback taught (success_rate, usage_count).
                    self.con.execute(
                        "UPDATE deployment_patterns SET content_hash=?, category=?, title=?, error_patterns=?,"
                        " solutions=?, embedding=?, updated_at=current_timestamp WHERE id=?", values + [r.id])
                    counts.updated += 1
                else:
                    self.con.execute(
                        "INSERT INTO deployment_patterns (id, content_hash, category, title, error_patterns,"
                        " solutions, embedding, success_rate, usage_count, feedback_count)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?)",
                        [r.id] + values + [r.success_rate, r.usage_count, r.feedback_count])
                    counts.new += 1
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise
        written = counts.new + counts.updated
        if written and self.progress is not None:
            self.progress(written, written)
        return counts

    def upsert_examples(self, rows: Sequence[ExampleRow]) -> UpsertCounts:
        self._writable()
        existing = self._existing("pattern_examples")
        taught = {r[0] for r in self.con.execute("SELECT id FROM pattern_examples WHERE origin = ?", [TAUGHT]).fetchall()}
        fresh = [r for r in rows if existing.get(r.id) != r.content_hash and not (r.origin != TAUGHT and r.id in taught)]
        counts = UpsertCounts(unchanged=len(rows) - len(fresh))
        if not fresh:
            return counts
        import pandas as pd

        frame = pd.DataFrame({
            "id": [r.id for r in fresh], "content_hash": [r.content_hash for r in fresh],
            "pattern_id": [r.pattern_id for r in fresh], "category": [r.category for r in fresh],
            "source_id": [r.source_id for r in fresh], "text": [r.text for r in fresh],
            "encoder": [r.encoder for r in fresh], "origin": [r.origin for r in fresh],
            "embedding": [np.asarray(r.embedding, dtype=np.float32).tolist() for r in fresh],
        })
        self.con.register("incoming", frame)
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute("DELETE FROM pattern_examples WHERE id IN (SELECT id FROM incoming)")
            self.con.execute(
                "INSERT INTO pattern_examples (id, content_hash, pattern_id, category, source_id, text, encoder,"
                " origin, embedding) SELECT id, content_hash, pattern_id, category, source_id, text, encoder, origin,"
                " embedding::FLOAT[384] FROM incoming")
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise
        finally:
            self.con.unregister("incoming")
        counts.updated = sum(1 for r in fresh if r.id in existing)
        counts.new = len(fresh) - counts.updated
        if self.progress is not None:
            self.progress(len(fresh), len(fresh))
        return counts

    def patterns(self) -> list[PatternRow]:
        rows = self.con.execute(
            "SELECT id, content_hash, category, title, error_patterns, solutions, embedding, success_rate,"
            f" usage_count, {self._feedback_count} FROM deployment_patterns ORDER BY id").fetchall()
        return [PatternRow(r[0], r[1], r[2], r[3], json.loads(r[4]), json.loads(r[5]),
                           np.asarray(r[6], dtype=np.float32), float(r[7]), int(r[8]), int(r[9])) for r in rows]

    def examples(self) -> ExampleMatrix:
        rows = self.con.execute(f"SELECT id, pattern_id, encoder, embedding, {self._origin} FROM pattern_examples"
                                " ORDER BY id").fetchall()
        vectors = np.asarray([r[3] for r in rows], dtype=np.float32).reshape(len(rows), 384)
        return ExampleMatrix([r[0] for r in rows], [r[1] for r in rows], vectors, [r[2] for r in rows],
                             [r[4] for r in rows])

    def record_feedback(self, pattern_id: str, outcome: float) -> float:
        self._writable()
        if not 0.0 <= outcome <= 1.0:
            raise ValueError("feedback outcome must be between 0 and 1")
        self.con.execute("BEGIN TRANSACTION")
        try:
            row = self.con.execute("SELECT success_rate FROM deployment_patterns WHERE id=?", [pattern_id]).fetchone()
            if row is None:
                raise KeyError(f"no pattern {pattern_id!r} in the store")
            new = next_success_rate(float(row[0]), outcome)
            self.con.execute("UPDATE deployment_patterns SET success_rate=?, usage_count=usage_count+1,"
                             " feedback_count=feedback_count+1 WHERE id=?", [new, pattern_id])
            self.con.execute("INSERT INTO feedback (pattern_id, outcome, success_rate_before, success_rate_after)"
                             " VALUES (?,?,?,?)", [pattern_id, outcome, float(row[0]), new])
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise
        return new

    def stats(self) -> dict[str, Any]:
        per_category: dict[str, dict[str, int]] = {}
        for category, n in self.con.execute(
                "SELECT category, count(*) FROM deployment_patterns GROUP BY category ORDER BY category").fetchall():
            per_category.setdefault(category, {"patterns": 0, "examples": 0})["patterns"] = n
        for category, n in self.con.execute(
                "SELECT coalesce(category, 'unknown'), count(*) FROM pattern_examples GROUP BY 1 ORDER BY 1").fetchall():
            per_category.setdefault(category, {"patterns": 0, "examples": 0})["examples"] = n
        patterns = self.con.execute("SELECT count(*) FROM deployment_patterns").fetchone()[0]
        examples = self.con.execute("SELECT count(*) FROM pattern_examples").fetchone()[0]
        taught = dict(self.con.execute(
            f"SELECT pattern_id, count(*) FROM pattern_examples WHERE {self._origin} = ? GROUP BY 1 ORDER BY 1",
            [TAUGHT]).fetchall())
        return {"store": "embedded", "patterns": patterns, "examples": examples, "per_category": per_category,
                "taught": taught}

    def close(self) -> None:
        self.con.close()
