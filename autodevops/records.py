"""Typed records that flow through autodevops: logs, catalog patterns, solutions and analyses."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

UNKNOWN = "unknown"


@dataclass(frozen=True)
class Command:
    """A ready-to-run command; ``warning`` is set when the command destroys something."""

    run: str
    warning: str | None = None

    def render(self) -> str:
        return f"{self.run}  # WARNING: {self.warning}" if self.warning else self.run


@dataclass(frozen=True)
class Solution:
    """The one fix the catalog holds for a pattern."""

    title: str
    steps: tuple[str, ...]
    commands: tuple[Command, ...]
    estimated_minutes: int
    success_rate: float
    references: tuple[str, ...] = ()

    def to_output(self, success_rate: float | None = None) -> dict[str, Any]:
        """The ``solution`` object of the analyze output (CONTRACT.md)."""
        return {
            "title": self.title,
            "steps": [f"{i}. {step}" for i, step in enumerate(self.steps, 1)],
            "commands": [c.render() for c in self.commands],
            "estimated_minutes": self.estimated_minutes,
            "success_rate": round(self.success_rate if success_rate is None else success_rate, 4),
            "references": list(self.references),
        }


@dataclass(frozen=True)
class Pattern:
    """A catalog entry: what identifies an error pattern and how to fix it."""

    id: str
    category: str
    title: str
    description: str
    keywords: tuple[str, ...]
    strong: tuple[str, ...]
    weak: tuple[str, ...]
    solution: Solution
    symptom: bool = False  # mostly a consequence of another pattern (yields to it as root cause)


@dataclass(frozen=True)
class LabelledLog:
    """One labelled log of the corpus."""

    id: str
    log: str
    pattern_id: str
    tool: str = ""
    split: str = "train"

    @property
    def category(self) -> str | None:
        return None if self.pattern_id == UNKNOWN else self.pattern_id.split(".", 1)[0]


@dataclass(frozen=True)
class Analysis:
    """The answer for one log (one line of ``autodevops analyze`` output, CONTRACT.md)."""

    id: str
    pattern_id: str | None
    category: str | None
    confidence: float
    source: str
    matched_lines: tuple[str, ...]
    solution: dict[str, Any] | None
    error: str | None = None
    raw_score: float = 0.0
    alternatives: tuple[tuple[str, float], ...] = field(default=(), compare=False)
    analysis_id: str | None = None
    failed_step: str | None = None
    job_status: str = "unknown"  # "failed" | "passed" | "unknown"
    truncated: bool = False  # the log was larger than the budget: only its tail was read

    def to_json(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "analysis_id": self.analysis_id,
            "pattern_id": self.pattern_id,
            "category": self.category,
            "confidence": round(self.confidence, 4),
            "source": self.source,
            "matched_lines": list(self.matched_lines),
            "failed_step": self.failed_step,
            "job_status": self.job_status,
            "solution": self.solution,
            "error": self.error,
        }
        if self.truncated:
            out["truncated"] = True
        return out
