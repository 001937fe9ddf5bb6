"""Keyword signals: the catalog's strong and weak regexes, matched line by line against a log.

The catalog holds about a thousand regexes, many opening with exclusion look-aheads; run one by one
they cost ~0.6 ms a line. Every regex is therefore guarded by the literal text any match of it must
contain (read off its parse tree): one Aho-Corasick pass over the lower-cased line names the few
regexes worth running. The guard is exact: it never skips a regex that could match.
"""
from __future__ import annotations

import json
import os
import re
import re._constants as sre
import re._parser as sre_parse
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import ahocorasick

from autodevops.records import Pattern

STRONG = 1.0
WEAK = 0.4
MIN_LITERAL = 3
# Bump when ``required_literals`` changes what it returns: guards kept by an older version are then recomputed.
GUARD_VERSION = 1


@dataclass(frozen=True)
class SignalHit:
    """Evidence for one pattern in one log: its strength (0..1) and the lines that carry it."""

    pattern_id: str
    strength: float
    first_line: int
    lines: tuple[int, ...]


def required_literals(regex: str) -> list[str] | None:
    """Lower-case strings one of which every match of ``regex`` contains; ``None`` when there is no such set.

    >>> required_literals(r"^(?!.*docker).*(?:port|socket) is already (?:allocated|in use)")
    [' is already ']
    >>> required_literals(r"(?:ECONNREFUSED|connection refused)")
    ['connection refused', 'econnrefused']
    >>> required_literals(r"\\d+\\s+\\w+") is None
    True
    """
    return _sequence(sre_parse.parse(regex).data)


def _sequence(items) -> list[str] | None:
    candidates: list[list[str]] = []
    run = ""
    for op, av in items:
        if op is sre.LITERAL:
            run += chr(av).lower()
            continue
        if len(run) >= MIN_LITERAL:
            candidates.append([run])
        run = ""
        found = None
        if op is sre.SUBPATTERN:
            found = _sequence(av[-1].data)
        elif op is sre.BRANCH:
            alternatives = [_sequence(branch.data) for branch in av[1]]
            if all(a is not None for a in alternatives):
                found = sorted({s for a in alternatives for s in a})
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
            found = _sequence(av[2].data)
        if found:
            candidates.append(found)
    if len(run) >= MIN_LITERAL:
        candidates.append([run])
    # The most selective requirement: the one whose shortest alternative is longest.
    return max(candidates, key=lambda c: (min(map(len, c)), -len(c)), default=None)


class GuardCache:
    """``required_literals`` of each regex, kept in a JSON file between processes.

    Reading a thousand regexes' parse trees costs ~0.2 s, paid by every process that loads the analyzer:
    the CLI on one log, each Dask worker. The file is keyed by the regex itself and by ``GUARD_VERSION``,
    so a changed catalog or a changed reader never meets a stale guard; a file that cannot be read or
    written only means computing again.
    """

    def __init__(self, path: Path | None):
        self.path = path
        self._known: dict[str, list[str] | None] = self._read()
        self.computed = 0  # guards this process had to compute (the rest came from the file)

    def _read(self) -> dict[str, list[str] | None]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8")) if self.path else {}
        except (OSError, ValueError):
            return {}
        guards = data.get("guards") if isinstance(data, dict) and data.get("version") == GUARD_VERSION else None
        if not isinstance(guards, dict):
            return {}
        # Only well-formed entries are trusted: a wrong guard would skip a regex that matches.
        return {regex: literals for regex, literals in guards.items()
                if literals is None or (isinstance(literals, list) and literals and all(
                    isinstance(literal, str) and literal for literal in literals))}

    def literals(self, regex: str) -> list[str] | None:
        if regex not in self._known:
            self._known[regex] = required_literals(regex)
            self.computed += 1
        return self._known[regex]

    def save(self, regexes: Iterable[str]) -> None:
        """Write the guards of ``regexes`` (the current catalog's) if any had to be computed."""
        if not self.computed or self.path is None:
            return
        keep = {regex: self._known[regex] for regex in regexes if regex in self._known}
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            partial.write_text(json.dumps({"version": GUARD_VERSION, "guards": keep}), encoding="utf-8")
            os.replace(partial, self.path)  # readers see the old file or the new one, never a torn one
        except OSError:
            partial.unlink(missing_ok=True)


class SignalMatcher:
    """Compiled strong/weak regexes of every pattern; ``scan_line`` says which patterns a line supports.

    >>> m = SignalMatcher.from_rules({"docker.port_already_allocated": (["port is already allocated"], [])})
    >>> m.scan_line("Bind for 0.0.0.0:80 failed: port is already allocated")
    (('docker.port_already_allocated', 1.0),)
    """

    def __init__(self, rules: dict[str, tuple[Sequence[str], Sequence[str]]], guards: GuardCache | None = None):
        # Compiled on first use: a line names only a few regexes through the guard, and one log on the command
        # line should not pay for compiling a thousand.
        self._regexes: list[tuple[str, float, str]] = []
        self._compiled: list[re.Pattern[str] | None] = []
        self._always: list[int] = []
        self._automaton = ahocorasick.Automaton()
        by_literal: dict[str, list[int]] = {}
        for pattern_id, (strong, weak) in rules.items():
            for strength, regexes in ((STRONG, strong), (WEAK, weak)):
                for regex in regexes:
                    index = len(self._regexes)
                    self._regexes.append((pattern_id, strength, regex))
                    self._compiled.append(None)
                    literals = guards.literals(regex) if guards is not None else required_literals(regex)
                    if literals is None:
                        self._always.append(index)
                    for literal in literals or ():
                        by_literal.setdefault(literal, []).append(index)
        if guards is not None:
            guards.save(regex for _, _, regex in self._regexes)
        for literal, indices in by_literal.items():
            self._automaton.add_word(literal, tuple(indices))
        if by_literal:
            self._automaton.make_automaton()

    @classmethod
    def from_rules(cls, rules: dict[str, tuple[Sequence[str], Sequence[str]]]) -> "SignalMatcher":
        return cls(rules)

    @classmethod
    def from_patterns(cls, patterns: Iterable[Pattern]) -> "SignalMatcher":
        return cls({p.id: (p.strong, p.weak) for p in patterns})

    def candidates(self, line: str) -> set[int]:
        """Indices of the regexes whose required literals occur in the line."""
        found = set(self._always)
        if self._automaton.kind == ahocorasick.AHOCORASICK:
            for _, indices in self._automaton.iter(line.lower()):
                found.update(indices)
        return found

    def scan_line(self, line: str) -> tuple[tuple[str, float], ...]:
        """The patterns this (ANSI-free) line supports, with the strength of the evidence."""
        return self._scan(line, sorted(self.candidates(line)))

    def scan_line_unguarded(self, line: str) -> tuple[tuple[str, float], ...]:
        """The same answer as ``scan_line``, running every regex (the reference the guard is tested against)."""
        return self._scan(line, range(len(self._regexes)))

    def _regex(self, index: int) -> re.Pattern[str]:
        compiled = self._compiled[index]
        if compiled is None:
            compiled = self._compiled[index] = re.compile(self._regexes[index][2], re.IGNORECASE)
        return compiled

    def _scan(self, line: str, indices: Iterable[int]) -> tuple[tuple[str, float], ...]:
        best: dict[str, float] = {}
        for i in indices:
            pattern_id, strength, _ = self._regexes[i]
            if best.get(pattern_id, 0.0) < strength and self._regex(i).search(line):
                best[pattern_id] = strength
        return tuple(sorted(best.items()))


def combine(line_hits: Iterable[tuple[int, tuple[tuple[str, float], ...]]]) -> dict[str, SignalHit]:
    """Fold per-line hits into one ``SignalHit`` per pattern.

    Strength is 1.0 with any strong line, else 0.4 per distinct weak line, capped at 0.8.
    """
    found: dict[str, list[tuple[int, float]]] = {}
    for index, hits in line_hits:
        for pattern_id, strength in hits:
            found.setdefault(pattern_id, []).append((index, strength))
    result = {}
    for pattern_id, items in found.items():
        strongest = max(s for _, s in items)
        strength = STRONG if strongest >= STRONG else min(0.8, WEAK * len(items))
        lines = tuple(i for i, _ in items)
        result[pattern_id] = SignalHit(pattern_id, strength, min(lines), lines)
    return result
