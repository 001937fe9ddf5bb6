"""Extraction of the failure lines of a long log: the lines that carry the error, with a little context.

Every line is scored for how much it looks like a failure (error vocabulary plus the catalog's keyword
signals); wrapper lines that only repeat that *something* failed ("Process completed with exit code 1")
and stack frames score low. The best lines are kept in their original order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from autodevops.features.normalize import clean_line, normalize_line, strip_prefix
from autodevops.features.signals import STRONG, SignalHit, SignalMatcher, combine

# Matched against the lower-cased line: 3.5x faster than re.IGNORECASE on this alternation.
_ERROR_WORDS = re.compile(
    r"\b(?:error|errors|err!?|fatal|failed|failure|fails?|exception|panic|denied|refused|forbidden"
    r"|unauthori[sz]ed|timed? ?out|timeout|deadline|cannot|can't|could ?n[o']t|unable|no such|not found"
    r"|killed|oom\w*|back-?off|crashloop\w*|evicted|exceeded|invalid|conflict|rejected|unreachable"
    r"|unhealthy|insufficient|already|traceback|missing|no space|exit(?:ed)? (?:code|status) [1-9]\d*"
    r"|e\d{3,4}|errno|enoent|eacces|econnrefused|etimedout|enotfound|eaddrinuse|enospc)\b"
)
_WARNING = re.compile(r"\bwarn(?:ing)?\b", re.IGNORECASE)
_WRAPPER = re.compile(
    r"Process completed with exit code|Job failed|^make(?:\[\d+\])?: \*\*\*|A complete log of this run"
    r"|ELIFECYCLE|script returned exit code|exited with code|Command failed with exit code"
    r"|^\s*(?:npm|yarn|pnpm) ERR! (?:code 1|errno 1|path|command|signal)|Build step .* failed"
    r"|^\s*error: command .* exited|Failed to execute goal .*: Compilation failure$|ERROR: Job failed"
    r"|^\s*FAILURE: Build failed with an exception|^\s*BUILD FAILED|^\s*Error: Process",
    re.IGNORECASE,
)
_FRAME = re.compile(r"^\s+(?:at |File \"|\.\.\. \d+ more|from |#\d+ 0x)|^\s*goroutine \d+ \[")
_CONTINUATION = re.compile(r"^(?:\s+\S|Caused by:|\tIs the server|HINT:|DETAIL:|hint:)")

MAX_LINES = 8


@dataclass(frozen=True)
class FailureLine:
    """A line kept by the extractor: where it was, what it said, and its stable template."""

    index: int
    text: str
    template: str
    score: float


@dataclass(frozen=True)
class Extraction:
    """The failure lines of one log and the keyword evidence found in it."""

    lines: tuple[FailureLine, ...]
    signals: dict[str, SignalHit]
    total_lines: int

    @property
    def templates(self) -> tuple[str, ...]:
        return tuple(line.template for line in self.lines)


class FailureExtractor:
    """Finds the failure lines of a log; results per distinct line are memoised (repeats cost nothing).

    >>> ex = FailureExtractor(SignalMatcher.from_rules({}))
    >>> [l.text for l in ex.extract("step 1 ok\\nstep 2 ok\\nERROR: disk quota exceeded\\ndone").lines]
    ['ERROR: disk quota exceeded']
    """

    def __init__(self, signals: SignalMatcher, max_lines: int = MAX_LINES, cache_size: int = 200_000):
        self.signals = signals
        self.max_lines = max_lines
        self._line = lru_cache(maxsize=cache_size)(self._score_line)

    def _score_line(self, text: str) -> tuple[float, tuple[tuple[str, float], ...]]:
        errors = len(_ERROR_WORDS.findall(text.lower()))
        hits = self.signals.scan_line(text)
        if not errors:
            # Weak signals are supporting evidence: on a line that reports no failure ("Step 3/9 : COPY . /app",
            # repeated by every build) they would add up to a verdict on their own.
            hits = tuple(h for h in hits if h[1] >= STRONG)
        if not errors and not hits:
            return (0.1 if _WARNING.search(text) else 0.0), ()
        score = min(errors, 3) + sum(3.0 if s >= 1.0 else 1.0 for _, s in hits)
        if _FRAME.search(text):
            score *= 0.1
        elif _WRAPPER.search(text) and not hits:
            score *= 0.15
        return score, hits

    def extract(self, text: str) -> Extraction:
        """Score every line, keep the best ``max_lines`` (plus continuation context) in log order."""
        raw = text.splitlines()
        scored: list[tuple[float, int, str]] = []
        line_hits = []
        for index, line in enumerate(raw):
            clean = strip_prefix(line)
            if not clean.strip():
                continue
            score, hits = self._line(clean[:2000])
            if score > 0:
                scored.append((score, index, clean))
            if hits:
                line_hits.append((index, hits))
        best = sorted(scored, key=lambda item: (-item[0], item[1]))[: self.max_lines]
        chosen = {index: (score, clean) for score, index, clean in best}
        for score, index, _ in best:
            nxt = index + 1
            if nxt < len(raw) and nxt not in chosen and len(chosen) < self.max_lines + 3:
                follow = clean_line(raw[nxt])
                if _CONTINUATION.match(follow) and not _FRAME.search(follow):
                    chosen[nxt] = (score * 0.3, follow)
        lines = tuple(
            FailureLine(index, clean.strip(), normalize_line(clean), score)
            for index, (score, clean) in sorted(chosen.items())
        )
        return Extraction(lines=tuple(l for l in lines if l.template), signals=combine(line_hits), total_lines=len(raw))
