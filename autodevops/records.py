"""Typed records that flow through autodevops: logs, catalog patterns, solutions and analyses."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

UNKNOWN = "unknown"


@dataclass(frozen=True)
class LogInput:
    """One log to analyze; ``error`` is set when it could not be read."""

    id: str
    text: str | None
    error: str | None = None
    truncated: bool = False  # only the tail of a log larger than the budget was read


@dataclass(frozen=True)
class Step:
    """One step of a fix; ``when`` / ``unless`` name the environment contexts it applies to (catalog README)."""

    text: str
    when: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "when": list(self.when), "unless": list(self.unless)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Step":
        return cls(str(data["text"]), tuple(data.get("when") or ()), tuple(data.get("unless") or ()))


@dataclass(frozen=True)
class Command:
    """A ready-to-run command; ``warning`` is set when the command destroys something."""

    run: str
    warning: str | None = None
    when: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()

    def render(self) -> str:
        return f"{self.run}  # WARNING: {self.warning}" if self.warning else self.run

    def to_dict(self) -> dict[str, Any]:
        return {"run": self.run, "warning": self.warning, "when": list(self.when), "unless": list(self.unless)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Command":
        return cls(str(data["run"]), data.get("warning") or None, tuple(data.get("when") or ()),
                   tuple(data.get("unless") or ()))


@dataclass(frozen=True)
class SubCause:
    """One common cause inside a pattern: the evidence that identifies it and its own fix, decisive step first."""

    id: str
    title: str
    evidence: tuple[str, ...]  # regexes, matched case-insensitively against each failure line
    steps: tuple[Step, ...]
    commands: tuple[Command, ...]
    verify: str
    decisive: int = 1  # 1-based index of the step that fixes it
    estimated_minutes: int | None = None  # None: the pattern's estimate
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "evidence": list(self.evidence),
                "steps": [s.to_dict() for s in self.steps], "commands": [c.to_dict() for c in self.commands],
                "verify": self.verify, "decisive": self.decisive, "estimated_minutes": self.estimated_minutes,
                "sources": list(self.sources)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SubCause":
        return cls(id=data["id"], title=data["title"], evidence=tuple(data["evidence"]),
                   steps=tuple(Step.from_dict(s) for s in data["steps"]),
                   commands=tuple(Command.from_dict(c) for c in data["commands"]), verify=data["verify"],
                   decisive=int(data.get("decisive") or 1), estimated_minutes=data.get("estimated_minutes"),
                   sources=tuple(data.get("sources") or ()))


@dataclass(frozen=True)
class Solution:
    """How to fix a pattern: the general fallback plus the sub-causes, each with its own fix."""

    title: str
    steps: tuple[Step, ...]
    commands: tuple[Command, ...]
    estimated_minutes: int
    success_rate: float  # the catalog's prior, until feedback measures it
    references: tuple[str, ...] = ()
    verify: str = ""
    diagnostic: str | None = None  # the one command that tells the sub-causes apart
    sub_causes: tuple[SubCause, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Everything the analysis needs, as the JSON the pattern store keeps (``from_dict`` reads it back)."""
        return {"title": self.title, "steps": [s.to_dict() for s in self.steps],
                "commands": [c.to_dict() for c in self.commands], "estimated_minutes": self.estimated_minutes,
                "success_rate": self.success_rate, "references": list(self.references), "verify": self.verify,
                "diagnostic": self.diagnostic, "sub_causes": [c.to_dict() for c in self.sub_causes]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Solution":
        """Read back ``to_dict``; also the flat form of stores written before sub-causes (plain strings)."""
        steps = tuple(Step(s) if isinstance(s, str) else Step.from_dict(s) for s in data["steps"])
        commands = tuple(Command(c) if isinstance(c, str) else Command.from_dict(c) for c in data["commands"])
        return cls(title=data["title"], steps=steps, commands=commands,
                   estimated_minutes=int(data["estimated_minutes"]), success_rate=float(data["success_rate"]),
                   references=tuple(data.get("references") or ()), verify=data.get("verify") or "",
                   diagnostic=data.get("diagnostic") or None,
                   sub_causes=tuple(SubCause.from_dict(c) for c in data.get("sub_causes") or ()))


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
    # What the analysis journal keeps of the log (redacted failure lines), made where the log was analysed: on
    # a Dask worker, not in the client that writes the journal. Not part of the output.
    journal_lines: tuple[str, ...] = field(default=(), compare=False, repr=False)

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
