"""The pattern store interface: every backend (embedded DuckDB, TiDB / MySQL) implements these methods."""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

FEEDBACK_RATE = 0.05
CORPUS = "corpus"  # origin of an example loaded by ``ingest``
TAUGHT = "taught"  # origin of an example a person taught with ``feedback --log``: ingest never touches it


@dataclass(frozen=True)
class PatternRow:
    """One row of ``deployment_patterns``: a catalog entry with its solution and learned success rate."""

    id: str
    content_hash: str
    category: str
    title: str
    error_patterns: dict[str, Any]
    solution: dict[str, Any]
    embedding: np.ndarray
    success_rate: float
    usage_count: int = 0
    feedback_count: int = 0  # outcomes recorded: 0 means ``success_rate`` is still the catalog's prior


@dataclass(frozen=True)
class ExampleRow:
    """One labelled example: the failure template of a corpus log and its embedding."""

    id: str
    content_hash: str
    pattern_id: str
    category: str | None
    source_id: str
    text: str
    encoder: str
    embedding: np.ndarray
    origin: str = CORPUS


@dataclass(frozen=True)
class ExampleMatrix:
    """All example embeddings at once, for local exact search (one row per example)."""

    ids: list[str]
    pattern_ids: list[str]
    vectors: np.ndarray
    encoders: list[str] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)  # CORPUS or TAUGHT, per row


@dataclass
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: "UpsertCounts") -> "UpsertCounts":
        return UpsertCounts(self.new + other.new, self.updated + other.updated, self.unchanged + other.unchanged)


def next_success_rate(old: float, feedback: float, rate: float = FEEDBACK_RATE) -> float:
    """The learning rule for solutions: ``new = old + 0.05 * (feedback - old)``.

    >>> round(next_success_rate(0.8, 1.0), 4)
    0.81
    """
    return old + rate * (feedback - old)


def vector_text(vector: np.ndarray) -> str:
    """A vector as TiDB's literal ``'[0.1,0.2,...]'`` (9 significant digits: float32 round-trips exactly)."""
    values = np.asarray(vector, dtype=np.float32)
    if values.shape != (384,) or not np.isfinite(values).all():
        raise ValueError("embedding must be 384 finite floats")
    return "[" + ",".join(f"{v:.9g}" for v in values.tolist()) + "]"


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


Progress = Callable[[int, int], None]  # (rows committed so far, rows to write), called after each commit


class ReadOnlyStoreError(RuntimeError):
    """A write was asked of a store opened read-only."""


class PatternStore(ABC):
    """Where patterns, their solutions and the labelled examples live; a ``read_only`` open runs no DDL."""

    url: str
    read_only: bool = False
    progress: Progress | None = None  # told after each committed write: DuckDB commits once, MySQL per batch

    def _writable(self) -> None:
        if self.read_only:
            raise ReadOnlyStoreError(f"store {self.url} was opened read-only")

    @abstractmethod
    def upsert_patterns(self, rows: Sequence[PatternRow]) -> UpsertCounts:
        """Insert new patterns and update changed ones, keeping learned success rates and usage counts."""

    @abstractmethod
    def upsert_examples(self, rows: Sequence[ExampleRow]) -> UpsertCounts:
        """Insert new examples and update changed ones; identical rows are left alone.

        A corpus row never replaces a taught one (``ingest`` keeps what people taught).
        """

    @abstractmethod
    def patterns(self) -> list[PatternRow]:
        """Every stored pattern."""

    @abstractmethod
    def examples(self) -> ExampleMatrix:
        """Every stored example embedding: the analyzer loads the matrix once and runs its own exact kNN."""

    @abstractmethod
    def record_feedback(self, pattern_id: str, outcome: float) -> float:
        """Move the pattern's success rate toward ``outcome`` (0..1), count the outcome, return the new rate."""

    @abstractmethod
    def stats(self) -> dict[str, Any]:
        """Counts of patterns and examples, in total and per category; ``taught``: taught examples per pattern."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def __enter__(self) -> "PatternStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
