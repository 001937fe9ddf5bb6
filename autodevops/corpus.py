"""The shipped data: taxonomy, pattern catalog and labelled corpora, read and validated."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator

import yaml

from autodevops.features.environment import CONTEXTS
from autodevops.records import UNKNOWN, Command, LabelledLog, Pattern, Solution, Step, SubCause


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


_SUB_CAUSE_ID = re.compile(r"[a-z][a-z0-9_]*")


def _contexts(item: dict, where: str) -> dict[str, tuple[str, ...]]:
    out = {}
    for key in ("when", "unless"):
        names = item.get(key) or ()
        names = (names,) if isinstance(names, str) else tuple(names)
        unknown = [n for n in names if n not in CONTEXTS]
        if unknown:
            raise ValueError(f"{where}: unknown context(s) {unknown} in {key!r} (known: {', '.join(CONTEXTS)})")
        out[key] = names
    return out


def _steps(items: list, where: str) -> tuple[Step, ...]:
    if not items:
        raise ValueError(f"{where}: no steps")
    steps = []
    for item in items:
        if isinstance(item, dict) and "text" not in item:
            # YAML reads an unquoted "key: value" inside a step's prose as a mapping.
            raise ValueError(f"{where}: a step became a mapping {item!r}: quote the step text")
        steps.append(Step(str(item["text"]), **_contexts(item, where)) if isinstance(item, dict) else Step(str(item)))
    return tuple(steps)


def _commands(items: list, where: str) -> tuple[Command, ...]:
    return tuple(Command(run=str(c)) if not isinstance(c, dict)
                 else Command(run=str(c["run"]), warning=c.get("warning") or None, **_contexts(c, where))
                 for c in items or ())


def _verify(block: dict, where: str) -> str:
    verify = block.get("verify")
    if not isinstance(verify, str) or not verify.strip():
        raise ValueError(f"{where}: missing verify (a command whose output shows the fix worked)")
    return verify.strip()


def _sub_cause(item: dict, seen: set[str]) -> SubCause:
    sub_id = str(item.get("id") or "")
    where = f"sub-cause {sub_id!r}"
    if not _SUB_CAUSE_ID.fullmatch(sub_id) or sub_id == "fallback":
        raise ValueError(f"{where}: id must be snake_case and not 'fallback'")
    if sub_id in seen:
        raise ValueError(f"{where}: duplicate sub-cause id")
    seen.add(sub_id)
    evidence = item.get("evidence") or ()
    evidence = (evidence,) if isinstance(evidence, str) else tuple(str(e) for e in evidence)
    if not evidence:
        raise ValueError(f"{where}: no evidence")
    for regex in evidence:
        try:
            re.compile(regex, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"{where}: bad evidence regex {regex!r}: {exc}") from None
    steps = _steps(item.get("steps"), where)
    decisive = int(item.get("decisive") or 1)
    if not 1 <= decisive <= len(steps):
        raise ValueError(f"{where}: decisive step {decisive} is not one of its {len(steps)} steps")
    minutes = item.get("estimated_minutes")
    return SubCause(id=sub_id, title=str(item["title"]), evidence=evidence, steps=steps,
                    commands=_commands(item.get("commands"), where), verify=_verify(item, where), decisive=decisive,
                    estimated_minutes=int(minutes) if minutes is not None else None,
                    sources=tuple(str(s) for s in item.get("sources") or ()))


def _pattern(entry: dict) -> Pattern:
    sol = entry["solution"]
    seen: set[str] = set()
    sub_causes = tuple(_sub_cause(item, seen) for item in entry.get("sub_causes") or ())
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
            steps=_steps(sol["steps"], "solution"),
            commands=_commands(sol["commands"], "solution"),
            estimated_minutes=int(sol["estimated_minutes"]),
            success_rate=float(sol["success_rate"]),
            references=tuple(sol.get("references") or ()),
            verify=_verify(sol, "solution"),
            diagnostic=str(sol["diagnostic"]).strip() if sol.get("diagnostic") else None,
            sub_causes=sub_causes,
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
        name = f"{path.parent.name}/{path.name}"  # connection_refused.yaml exists in two categories
        try:
            pattern = _pattern(yaml.safe_load(path.read_text()))
        except (KeyError, TypeError, ValueError, AttributeError, yaml.YAMLError) as exc:
            problems.append(f"{name}: {exc!r}")
            continue
        if pattern.id not in taxonomy.patterns:
            problems.append(f"{name}: id {pattern.id!r} is not in the taxonomy")
        elif pattern.category != taxonomy.category_of(pattern.id):
            problems.append(f"{name}: category {pattern.category!r} does not match {pattern.id}")
        elif pattern.id in catalog:
            problems.append(f"{name}: duplicate entry for {pattern.id}")
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


@dataclass(frozen=True)
class SubCauseCase:
    """A real-shaped log that must select ``sub_cause`` (``None``: the fallback) of ``pattern``, whose
    ``decisive`` step (a substring) must be among the first two steps."""

    pattern: str
    sub_cause: str | None
    decisive: str
    log: str
    source: str = ""


def subcause_cases_dir() -> Path:
    """Where a checkout keeps the sub-cause cases (``tests/datasets/subcauses``); absent from an installed wheel."""
    return datasets_dir().parent / "tests" / "datasets" / "subcauses"


def load_subcause_cases(root: Path | None = None) -> list[SubCauseCase]:
    """Every case of ``<root>/<category>.yaml`` (a list of {pattern, sub_cause, decisive, log}), in file order."""
    root = root or subcause_cases_dir()
    cases, problems = [], []
    for path in sorted(root.glob("*.yaml")) if root.exists() else ():
        for number, item in enumerate(yaml.safe_load(path.read_text()) or [], 1):
            try:
                cases.append(SubCauseCase(pattern=str(item["pattern"]), sub_cause=item.get("sub_cause") or None,
                                          decisive=str(item["decisive"]), log=str(item["log"]),
                                          source=f"{path.name}#{number}"))
            except (KeyError, TypeError) as exc:
                problems.append(f"{path.name}#{number}: {exc!r}")
    if problems:
        raise CorpusError(problems)
    return cases


def read_real_logs(path: Path) -> list["RealLog"]:
    """Real CI logs with hand-marked failure reasons (JSON Lines, optionally gzipped: id, repo, log, chunk, label)."""
    import gzip

    from autodevops.models.realworld import RealLog

    opener = gzip.open if str(path).endswith(".gz") else open
    logs, problems = [], []
    with opener(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                logs.append(RealLog(id=str(row["id"]), repo=str(row.get("repo") or row["id"].split("/")[0]),
                                    log=str(row["log"]), chunk=str(row.get("chunk") or ""), label=str(row["label"]),
                                    also=tuple(row.get("also") or ())))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                problems.append(f"{Path(path).name}:{number}: {exc!r}")
    if problems:
        raise CorpusError(problems)
    return logs
