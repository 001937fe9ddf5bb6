"""The analyzer and the journal a server answers with, all used from one thread.

The embedding cache and the journal hold SQLite handles, which belong to the thread that opened them,
and the embedded DuckDB store refuses a read-only and a writable connection in one process at once.
So everything that touches them runs on one worker thread, in order: analyses, feedback and the
reload that lets the next analysis see what feedback taught. Batches submit small chunks, so a pasted
log waits for one chunk at most.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence, TypeVar

from autodevops.analyzer import Analyzer, LogInput
from autodevops.feedback import record_outcome, teach
from autodevops.journal import Journal
from autodevops.records import Analysis
from autodevops.settings import Settings
from autodevops.store.base import PatternRow

T = TypeVar("T")


class AnalysisService:
    """The server's analyzer (built once at start-up, rebuilt after feedback) and its analysis journal."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autodevops-analysis")
        self._analyzer: Analyzer | None = None
        self._journal: Journal | None = None
        try:
            self._call(self._open)
        except BaseException:
            self._thread.shutdown(wait=False)
            raise

    def _call(self, fn: Callable[..., T], *args: Any) -> T:
        return self._thread.submit(fn, *args).result()

    def _open(self) -> None:
        self._analyzer = Analyzer.load(self.settings)
        self._journal = Journal(self.settings.journal_path)

    @property
    def patterns(self) -> list[PatternRow]:
        """The patterns the current analyzer answers with (learned success rates included)."""
        assert self._analyzer is not None
        return sorted(self._analyzer.patterns.values(), key=lambda p: p.id)

    def analyze(self, items: Sequence[LogInput]) -> list[Analysis]:
        """Analyze ``items`` in input order and record the answers in the journal."""
        return self._call(self._analyze, list(items))

    def _analyze(self, items: list[LogInput]) -> list[Analysis]:
        results = self._analyzer.analyze_batch(items)
        self._journal.record(results, [item.text or "" for item in items])  # unreadable logs are skipped
        return results

    def daily_counts(self) -> list[dict]:
        """Recorded analyses per day, pattern and category (see ``Journal.daily_counts``)."""
        return self._call(lambda: self._journal.daily_counts())

    def record_outcome(self, pattern_id: str, outcome: float) -> dict:
        """Record whether a solution worked, then reload so the new success rate shows."""
        return self._call(self._then_reload, lambda: record_outcome(self.settings, pattern_id, outcome))

    def teach(self, pattern_id: str, log_text: str | None = None, analysis_id: str | None = None) -> dict:
        """Teach a correction, then reload so the next analysis uses the new example."""
        return self._call(self._then_reload,
                          lambda: teach(self.settings, pattern_id, log_text=log_text, analysis_id=analysis_id))

    def _then_reload(self, change: Callable[[], dict]) -> dict:
        # The journal stays open: feedback reads taught texts from it through its own connection.
        answer = change()
        fresh = Analyzer.load(self.settings)
        old, self._analyzer = self._analyzer, fresh
        old.encoder.close()
        return answer

    def close(self) -> None:
        """Close the encoder cache and the journal; the service is unusable afterwards."""
        def release() -> None:
            if self._analyzer is not None:
                self._analyzer.encoder.close()
            if self._journal is not None:
                self._journal.close()

        self._call(release)
        self._thread.shutdown()
