"""The shipped data: taxonomy, pattern catalog and labelled corpora, read and validated."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator

import yaml

from autodevops.records import UNKNOWN, Command, LabelledLog, Pattern, Solution


class CorpusError(ValueError):
    """A corpus or catalog that must be refused; ``problems`` lists every bad row."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "; ".join(problems[:5]) + (f"; ... {len(problems) - 5} more" if len(problems) > 5 else "")
        super().__init__(f"{len(problems)} invalid record(s): {shown}")


def datasets_dir() -> Path:
    """The folder holding the shipped taxonomy, catalog, corpus and samples."""
    return Path(str(resources.files("autodevops.datasets")))


@dataclass(frozen=True)
class Taxonomy:
    """Pattern ids and their categories (the project's copy of shared/taxonomy.yaml)."""

    categories: dict[str, str]
    patterns: dict[str, str]

    @classmethod
    def load(cls, path: Path | None = None) -> "Taxonomy":
        data = yaml.safe_load((path or datasets_dir() / "taxonomy.yaml").read_text())
        return cls(categories=dict(data["categories"]), patterns=dict(data["patterns"]))

    def category_of(self, pattern_id: str) -> str | None:
        return None if pattern_id == UNKNOWN else pattern_id.split(".", 1)[0]


def _pattern(entry: dict) -> Pattern:
    sol = entry["solution"]
    commands = tuple(
        Command(run=c["run"], warning=c["warning"]) if isinstance(c, dict) else Command(run=str(c))
        for c in sol["commands"]
    )
    signals = entry.get("signals") or {}
    return Pattern(
        id=entry["id"],
        category=entry["category"],
        title=entry["title"],
        description=" ".join(str(entry["description"]).split()),
        keywords=tuple(k.lower() for k in entry.get("keywords") or ()),
        strong=tuple(signals.get("strong") or ()),
        weak=tuple(signals.get("weak") or ()),
        solution=Solution(
            title=sol["title"],
            steps=tuple(sol["steps"]),
            commands=commands,
            estimated_minutes=int(sol["estimated_minutes"]),
            success_rate=float(sol["success_rate"]),
            references=tuple(sol.get("references") or ()),
        ),
        symptom=entry.get("role") == "symptom",
    )


def load_catalog(root: Path | None = None, taxonomy: Taxonomy | None = None) -> dict[str, Pattern]:
    """Every catalog entry (``datasets/catalog/<category>/<name>.yaml``), validated against the taxonomy."""
    taxonomy = taxonomy or Taxonomy.load()
    root = root or datasets_dir() / "catalog"
    catalog: dict[str, Pattern] = {}
    problems = []
    for path in sorted(root.glob("*/*.yaml")):
        entry = yaml.safe_load(path.read_text())
        try:
            pattern = _pattern(entry)
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{path.name}: {exc!r}")
            continue
        if pattern.id not in taxonomy.patterns:
            problems.append(f"{path.name}: id {pattern.id!r} is not in the taxonomy")
        elif pattern.category != taxonomy.category_of(pattern.id):
            problems.append(f"{path.name}: category {pattern.category!r} does not match {pattern.id}")
        elif pattern.id in catalog:
            problems.append(f"{path.name}: duplicate entry for {pattern.id}")
        catalog[pattern.id] = pattern
    if problems:
        raise CorpusError(problems)
    return catalog


def priors_of(patterns: Iterable[Pattern], history: dict[str, float] | None = None) -> dict:
    """The matcher's non-tuned arguments from the catalog: success rates (or learned ones) and symptoms."""
    patterns = list(patterns)
    return {"history": history or {p.id: p.solution.success_rate for p in patterns},
            "symptoms": frozenset(p.id for p in patterns if p.symptom)}


def read_jsonl(path: Path, split: str) -> Iterator[LabelledLog]:
    """Labelled logs of one JSON Lines file; a malformed row raises ``CorpusError`` naming it."""
    problems = []
    records = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                records.append(
                    LabelledLog(id=str(row["id"]), log=str(row["log"]), pattern_id=str(row["pattern_id"]),
                                tool=str(row.get("tool", "")), split=split)
                )
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                problems.append(f"{path.name}:{number}: {exc!r}")
    if problems:
        raise CorpusError(problems)
    yield from records


def load_corpus(split: str, root: Path | None = None) -> list[LabelledLog]:
    """All labelled logs of ``split`` (``train`` or ``heldout``) shipped in ``datasets/corpus``."""
    root = root or datasets_dir() / "corpus"
    return [r for path in sorted((root / split).glob("*.jsonl")) for r in read_jsonl(path, split)]


def load_paths(paths: Iterable[Path], split: str = "train") -> list[LabelledLog]:
    """Labelled logs from JSON Lines files or folders of them."""
    out: list[LabelledLog] = []
    for path in paths:
        files = sorted(path.rglob("*.jsonl")) if path.is_dir() else [path]
        for f in files:
            out.extend(read_jsonl(f, split))
    return out


def validate(records: Iterable[LabelledLog], taxonomy: Taxonomy) -> None:
    """Refuse the whole corpus, listing every bad row, if any label is outside the taxonomy or ids repeat."""
    problems = []
    seen: set[str] = set()
    for r in records:
        if r.pattern_id != UNKNOWN and r.pattern_id not in taxonomy.patterns:
            problems.append(f"{r.id}: pattern_id {r.pattern_id!r} is not in the taxonomy")
        if not r.log.strip():
            problems.append(f"{r.id}: empty log")
        if r.id in seen:
            problems.append(f"{r.id}: duplicate id")
        seen.add(r.id)
    if problems:
        raise CorpusError(problems)


def content_hash(*parts: object) -> str:
    """A stable content key (sha256 of canonical JSON); never Python's per-process ``hash()``."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def corpus_hash(records: Iterable[LabelledLog]) -> str:
    """One hash for a whole corpus, independent of file order."""
    return content_hash(sorted((r.id, r.pattern_id, hashlib.sha256(r.log.encode()).hexdigest()) for r in records))
