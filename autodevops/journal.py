"""The analysis journal: one SQLite file recording every analysis made, so a person can teach from it later.

Each row keeps what an answer said (pattern, category, confidence, source, job status, when) and the log's
failure lines, redacted: ``feedback --analysis-id ID`` teaches from them without the log at hand. The full
log is never stored.

>>> import tempfile, pathlib
>>> from autodevops.records import Analysis
>>> with Journal(pathlib.Path(tempfile.mkdtemp()) / "analyses.sqlite") as journal:
...     written = journal.record([Analysis("ci.log", None, None, 0.2, "none", ("EACCES: token=abc",), None,
...                              analysis_id="a1")], ["..."])
...     journal.get("a1")["failure_lines"]
['EACCES: token=[REDACTED]']
"""
from __future__ import annotations

import json
import sqlite3
from collections import deque
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from autodevops.records import Analysis
from autodevops.redaction import redact

TAIL_LINES = 20  # kept when the analysis found no failure line: the end of a log is where failures sit
MAX_LINE = 2000
FLUSH_EVERY = 256  # analyses per transaction: one commit per log would cost more than the analysis

SCHEMA = """
CREATE TABLE IF NOT EXISTS analyses (
    analysis_id TEXT NOT NULL,
    log_id TEXT NOT NULL,
    pattern_id TEXT,
    category TEXT,
    confidence REAL NOT NULL,
    source TEXT NOT NULL,
    job_status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    failure_lines TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_analyses_id ON analyses (analysis_id);
CREATE INDEX IF NOT EXISTS idx_analyses_created ON analyses (created_at);
"""


def failure_lines_of(analysis: Analysis, text: str) -> list[str]:
    """The redacted lines teaching needs: the analysis's failure lines, or the log's last lines when it found none."""
    lines = list(analysis.matched_lines) or [line for line in text[-65_536:].splitlines() if line.strip()][-TAIL_LINES:]
    return [redact(line[:MAX_LINE]) for line in lines]


class Journal:
    """Every analysis made, in ``<AUTODEVOPS_HOME>/analyses.sqlite``; usable as a context manager."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = sqlite3.connect(str(self.path))
        self.con.execute("PRAGMA journal_mode=WAL")  # the server reads while the CLI writes
        self.con.execute("PRAGMA busy_timeout=5000")
        # WAL with synchronous=NORMAL: commits survive a crash of the process, and only a power cut may lose the
        # last ones (never the file); no fsync on every batch's commit.
        self.con.execute("PRAGMA synchronous=NORMAL")
        self.con.executescript(SCHEMA)

    def record(self, analyses: Sequence[Analysis], texts: Sequence[str]) -> int:
        """Record analyses of the given log texts (same order); unreadable logs are skipped. Returns rows written."""
        if len(analyses) != len(texts):
            raise ValueError(f"{len(analyses)} analyses but {len(texts)} texts")
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        rows = [(a.analysis_id, a.id, a.pattern_id, a.category, float(a.confidence), a.source, a.job_status, now,
                 json.dumps(list(a.journal_lines) or failure_lines_of(a, text or ""), ensure_ascii=False))
                for a, text in zip(analyses, texts) if a.analysis_id and not a.error]
        with self.con:
            self.con.executemany("INSERT INTO analyses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return len(rows)

    def recorded(self, items: Iterable[Any], analyze: Callable[[Iterable[Any]], Iterable[Analysis]],
                 every: int = FLUSH_EVERY) -> Iterator[Analysis]:
        """``analyze(items)`` (one analysis per input ``LogInput``, in order), each analysis recorded as it passes.

        Only the texts of logs still in flight are held, so memory does not grow with the input.
        """
        texts: deque[str] = deque()

        def remembered() -> Iterator[Any]:
            for item in items:
                texts.append(item.text or "")
                yield item

        done: list[tuple[Analysis, str]] = []
        try:
            for analysis in analyze(remembered()):
                # Only the tail failure_lines_of may read is held until the flush, not whole logs.
                done.append((analysis, texts.popleft()[-65_536:]))
                if len(done) >= every:
                    self.record(*zip(*done))
                    done.clear()
                yield analysis
        finally:
            if done:
                self.record(*zip(*done))

    def get(self, analysis_id: str) -> dict[str, Any] | None:
        """The latest recorded analysis with this id, or ``None``."""
        row = self.con.execute(
            "SELECT analysis_id, log_id, pattern_id, category, confidence, source, job_status, created_at,"
            " failure_lines FROM analyses WHERE analysis_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (analysis_id,)).fetchone()
        if row is None:
            return None
        keys = ("analysis_id", "log_id", "pattern_id", "category", "confidence", "source", "job_status", "created_at")
        return {**dict(zip(keys, row[:8])), "failure_lines": json.loads(row[8])}

    def daily_counts(self) -> list[dict[str, Any]]:
        """Analyses per UTC day, pattern and category (``None`` pattern: abstained), oldest day first."""
        rows = self.con.execute(
            "SELECT substr(created_at, 1, 10) AS day, pattern_id, category, count(*) FROM analyses"
            " GROUP BY day, pattern_id, category ORDER BY day, pattern_id IS NULL, pattern_id").fetchall()
        return [{"day": d, "pattern_id": p, "category": c, "count": n} for d, p, c, n in rows]

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
