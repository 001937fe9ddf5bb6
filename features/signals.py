"""Keyword signals: the catalog's strong and weak regexes, matched line by line against a log.

The catalog holds about a thousand regexes, many opening with exclusion look-aheads; run one by one
they cost ~0.6 ms a line. Every regex is therefore guarded by the literal text any match of it must
contain (read off its parse tree): one Aho-Corasick pass over the lower-cased line names the few
regexes worth running. The guard is exact: it never skips a regex that could match.
"""
from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
from dataclasses import dataclass
from typing import Iterable, Sequence

import ahocorasick

from autodevops.records import Pattern

STRONG = 1.0
WEAK = 0.4
MIN_LITERAL = 3


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


class SignalMatcher:
    """Compiled strong/weak regexes of every pattern; ``scan_line`` says which patterns a line supports.

    >>> m = SignalMatcher.from_rules({"docker.port_already_allocated": (["port is already allocated"], [])})
    >>> m.scan_line("Bind for 0.0.0.0:80 failed: port is already allocated")
    (('docker.port_already_allocated', 1.0),)
    """

    def __init__(self, rules: dict[str, tuple[Sequence[str], Sequence[str]]]):
        # Compiled on first use: a line names only a few regexes through the guard, and one log on the command
        # line should not pay for compiling a thousand.
        self._regexes: list[tuple[str, float, str]] = []
        self._compiled: list[re.Pattern[str] | None] = []
        self._always: list[int] = []
        self._automaton = ahocorasick.Automaton()
        guards: dict[str, list[int]] = {}
        for pattern_id, (strong, weak) in rules.items():
            for strength, regexes in ((STRONG, strong), (WEAK, weak)):
                for regex in regexes:
                    index = len(self._regexes)
                    self._regexes.append((pattern_id, strength, regex))
                    self._compiled.append(None)
                    literals = required_literals(regex)
                    if literals is None:
                        self._always.append(index)
                    for literal in literals or ():
                        guards.setdefault(literal, []).append(index)
        for literal, indices in guards.items():
            self._automaton.add_word(literal, tuple(indices))
        if guards:
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
