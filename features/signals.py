"""Keyword signals: the catalog's strong and weak regexes, matched line by line against a log."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from autodevops.records import Pattern

STRONG = 1.0
WEAK = 0.4


@dataclass(frozen=True)
class SignalHit:
    """Evidence for one pattern in one log: its strength (0..1) and the lines that carry it."""

    pattern_id: str
    strength: float
    first_line: int
    lines: tuple[int, ...]


class SignalMatcher:
    """Compiled strong/weak regexes of every pattern; ``scan_line`` says which patterns a line supports.

    >>> m = SignalMatcher.from_rules({"docker.port_already_allocated": (["port is already allocated"], [])})
    >>> m.scan_line("Bind for 0.0.0.0:80 failed: port is already allocated")
    (('docker.port_already_allocated', 1.0),)
    """

    def __init__(self, rules: dict[str, tuple[Sequence[str], Sequence[str]]]):
        self._rules: list[tuple[str, re.Pattern[str] | None, re.Pattern[str] | None]] = []
        for pattern_id, (strong, weak) in rules.items():
            self._rules.append((pattern_id, _alternation(strong), _alternation(weak)))

    @classmethod
    def from_rules(cls, rules: dict[str, tuple[Sequence[str], Sequence[str]]]) -> "SignalMatcher":
        return cls(rules)

    @classmethod
    def from_patterns(cls, patterns: Iterable[Pattern]) -> "SignalMatcher":
        return cls({p.id: (p.strong, p.weak) for p in patterns})

    def scan_line(self, line: str) -> tuple[tuple[str, float], ...]:
        """The patterns this (ANSI-free) line supports, with the strength of the evidence."""
        hits = []
        for pattern_id, strong, weak in self._rules:
            if strong is not None and strong.search(line):
                hits.append((pattern_id, STRONG))
            elif weak is not None and weak.search(line):
                hits.append((pattern_id, WEAK))
        return tuple(hits)


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


def _alternation(regexes: Sequence[str]) -> re.Pattern[str] | None:
    if not regexes:
        return None
    return re.compile("|".join(f"(?:{rx})" for rx in regexes), re.IGNORECASE)
