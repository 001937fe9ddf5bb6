"""Extraction of the failure reason of a log: the lines that say why the job failed, and their evidence.

1. Read the CI structure (``structure.py``): a job that passed has no failure reason; a job that failed
   has a failed step whose output ends at the CI's wrapper line. Plain logs (no CI markers) are one region.
2. Score every line of that region: a learned line scorer (``models/line_scorer.py``, fitted on
   hand-marked failure reasons of real CI logs) plus the catalog's strong keyword signals.
3. Keep the best distinct lines with their continuation lines, in log order, and the wrapper line that
   names the failed step: at most ``max_lines``.
4. Keyword evidence counts only on those lines: an error word in the output of a step that passed, a
   warning, a test name or an echoed command elsewhere in the log is never evidence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Sequence

import numpy as np

from autodevops.features.line_features import ECHO, FAILURE_HEAD, FRAME, WARNING, error_count
from autodevops.features.normalize import normalize_line, strip_ansi, strip_prefix
from autodevops.features.signals import STRONG, SignalHit, SignalMatcher, combine
from autodevops.features.structure import FAILED, Structure, read_structure

if TYPE_CHECKING:
    from autodevops.models.line_weights import LineWeights

MAX_LINES = 10
REGION_LIMIT = 3000  # lines of the failed step read back from its wrapper line
EMBEDDED_LINES = 5  # failure lines whose embedding represents the log
CANDIDATES = 200  # best-ranked lines considered for the reason
MIN_FORCED = 3  # lines shown for a step the CI says failed, even when none looks like an error
FORCED_FLOOR = -1.0  # beyond those, a line's learned score must clear this
# Chosen on the dev set by repository-grouped CV (chunk hit): in a long step, a chosen line's neighbours count
# for less, so the budget also reaches the step's other blocks (the test that failed, not only the summary).
NEIGHBOURHOOD, NEIGHBOUR_PENALTY, DIVERSE_REGION = 6, 0.5, 60
CONTINUATION_LINES = 2  # lines after a chosen one that continue it (indented, "Caused by:", "Reason:")
_CONTINUATION = re.compile(r"^(?:Caused by:|Reason:|HINT:|DETAIL:|hint:|note:|-->|\||\[(?:error|ERROR)\]\s{2,}\S)")
_INDENTED = re.compile(r"^\s+\S")
# A tool announcing another attempt: pip's "Retrying (Retry(total=4...)) after connection broken", "retrying in
# 5s", "will retry", "attempt 2/5".
_RETRY = re.compile(r"\bRetrying \(Retry\(|\bretrying in \d|\bwill (?:be )?retr(?:y|ied)\b|\battempt \d+ ?(?:/|of) ?\d+",
                    re.IGNORECASE)
_WRAPPER = re.compile(
    r"Process completed with exit code|Job failed|^make(?:\[\d+\])?: \*\*\*|A complete log of this run"
    r"|ELIFECYCLE|script returned exit code|exited with code|Command failed with exit code|exited with \d+\.$"
    r"|^\s*(?:npm|yarn|pnpm) (?:ERR!|error) (?:code 1|errno 1|path|command|signal|A complete log|Failed at)"
    r"|Build step .* failed|^\s*error: command .* exited|recipe for target .* failed"
    r"|^\s*FAILURE: Build failed with an exception|^\s*BUILD FAILED|^\s*Error: Process",
    re.IGNORECASE,
)
# CI bookkeeping and echoed commands are never the reason a step failed.
_MARKER = re.compile(r"^\s*(?:travis_(?:fold|time):|section_(?:start|end):|##\[(?:group|endgroup)\]|\[Pipeline\] |\$ |\+ )")
DEFAULT = "default"


@dataclass(frozen=True)
class FailureLine:
    """A line kept by the extractor: where it was, what it said, its stable template and its weight."""

    index: int
    text: str
    template: str
    score: float


@dataclass(frozen=True)
class Extraction:
    """The failure reason of one log, its keyword evidence and the CI structure around it."""

    lines: tuple[FailureLine, ...]
    signals: dict[str, SignalHit]
    total_lines: int
    structure: Structure = field(default_factory=lambda: Structure(None, "unknown", None, None))

    @property
    def templates(self) -> tuple[str, ...]:
        """Templates of the lines that represent the log in embedding space (the strongest failure lines)."""
        ranked = sorted((line for line in self.lines if line.score > 0), key=lambda l: (-l.score, l.index))
        return tuple(line.template for line in sorted(ranked[:EMBEDDED_LINES], key=lambda l: l.index))

    @property
    def embedded_lines(self) -> tuple[FailureLine, ...]:
        keep = set(self.templates)
        return tuple(line for line in self.lines if line.score > 0 and line.template in keep)


@lru_cache(maxsize=1)
def shipped_line_scorer() -> "LineWeights":
    """The line scorer fitted on real CI logs and shipped in ``datasets/line_scorer.json``."""
    from autodevops.corpus import datasets_dir
    from autodevops.models.line_weights import LineWeights

    return LineWeights.load(datasets_dir() / "line_scorer.json")


class FailureExtractor:
    """Finds the failure reason of a log (per-line results are memoised, so repeats cost nothing).

    ``scorer`` is the learned line scorer (``"default"``: the shipped one; ``None``: keyword rules only).

    >>> ex = FailureExtractor(SignalMatcher.from_rules({}), scorer=None)
    >>> [l.text for l in ex.extract("step 1 ok\\nstep 2 ok\\nERROR: disk quota exceeded\\ndone").lines]
    ['ERROR: disk quota exceeded']
    """

    def __init__(self, signals: SignalMatcher, scorer: "LineWeights | str | None" = DEFAULT,
                 max_lines: int = MAX_LINES, cache_size: int = 200_000):
        self.signals = signals
        self.scorer = shipped_line_scorer() if scorer == DEFAULT else scorer
        self.max_lines = max_lines
        self._line = lru_cache(maxsize=cache_size)(self._rule_line)

    def _rule_line(self, text: str) -> tuple[float, tuple[tuple[str, float], ...]]:
        """Keyword score of one line: error words plus catalog signals (weak ones only on error lines)."""
        errors = error_count(text)
        hits = self.signals.scan_line(text)
        if not errors:
            hits = tuple(h for h in hits if h[1] >= STRONG)
        if not errors and not hits:
            return 0.0, ()
        score = min(errors, 3) + sum(3.0 if s >= STRONG else 1.0 for _, s in hits)
        if _RETRY.search(text) and WARNING.search(text):
            score *= 0.1
            hits = ()  # a warning that an attempt will be retried is not the failure: the last attempt's error is
        elif FRAME.search(text) or ECHO.match(text.strip()):
            score *= 0.1
        elif WARNING.search(text) and not any(s >= STRONG for _, s in hits):
            score *= 0.1
            hits = ()  # a warning is not a failure: its weak hits are no evidence
        elif _WRAPPER.search(text) and not hits:
            score *= 0.15
        return score, hits

    def extract(self, text: str) -> Extraction:
        """The failure reason of one log: at most ``max_lines`` lines in log order, and their evidence."""
        raw, structure, start, region = failed_region(text)
        if structure.passed:
            return Extraction((), {}, len(raw), structure)
        end = start + len(region)
        rules = [self._line(line[:2000]) if line.strip() else (0.0, ()) for line in region]
        rule_scores = np.array([score for score, _ in rules], dtype=np.float32)
        if self.scorer is not None:
            strong = np.array([any(s >= STRONG for _, s in hits) for _, hits in rules], dtype=np.float32)
            ranking = self.scorer.score_lines(region) + 2.0 * strong
        else:
            ranking = rule_scores
        # A CI log that ends without the CI's verdict (cut off, or still running) is read by the scorer too, but
        # nothing is forced: lines it ranks above the floor join the ones that look like failures.
        learned = self.scorer is not None and (structure.status == FAILED or structure.system is not None)
        chosen = self._select(region, ranking, rule_scores, learned, forced=structure.status == FAILED)
        wrapper = structure.wrapper
        lines = [FailureLine(start + i, region[i].strip(), normalize_line(region[i]), float(rule_scores[i]))
                 for i in sorted(chosen)]
        if wrapper is not None and 0 <= wrapper < len(raw) and all(line.index != wrapper for line in lines):
            text_line = _display(raw[wrapper]).strip()
            if text_line:
                lines.append(FailureLine(wrapper, text_line, normalize_line(text_line), 0.0))
        lines = [line for line in lines if line.template][: self.max_lines]
        # In a whole CI job, weak signals are everywhere (a 404 here, "not found" there): only strong ones name it.
        whole_job = structure.system is not None or structure.region is not None
        evidence = [(line.index, hits) for line in lines if start <= line.index < end
                    for hits in [tuple(h for h in rules[line.index - start][1] if h[1] >= STRONG or not whole_job)]
                    if hits]
        return Extraction(tuple(lines), combine(evidence), len(raw), structure)

    def _select(self, region: Sequence[str], ranking: np.ndarray, rule_scores: np.ndarray, learned: bool,
                forced: bool) -> set[int]:
        """The best distinct lines, each with its continuation lines, within the line budget.

        When the CI says the step failed (``forced``), the learned ranking's best lines are the reason even
        without an error word, down to ``FORCED_FLOOR`` once ``MIN_FORCED`` are shown. In other CI logs
        (``learned``) lines ranked above the floor join the lines that look like failures (error words or a
        strong signal); elsewhere only those.
        """
        budget = self.max_lines - 1  # one place is kept for the wrapper line
        order = np.argsort(-ranking, kind="stable")[:CANDIDATES]
        candidates = [int(i) for i in order if len(region[i].strip()) >= 3 and not _MARKER.match(region[i])
                      and (learned and (forced or ranking[i] > FORCED_FLOOR) or rule_scores[i] > 0)]
        adjusted = ranking.astype(np.float64).copy()
        chosen: set[int] = set()
        seen: set[str] = set()
        open_ = set(candidates)
        while len(chosen) < budget:
            open_ -= chosen
            # The best open line whose template is not shown yet; a template is computed only when its line
            # comes up, and a line whose template was shown never comes back (``seen`` only grows).
            while open_:
                i = max(open_, key=lambda j: (adjusted[j], -j))
                template = normalize_line(region[i].strip())
                if template not in seen:
                    break
                open_.discard(i)
            else:
                break
            if forced and learned and len(chosen) >= MIN_FORCED and ranking[i] <= FORCED_FLOOR:
                break
            chosen.add(i)
            seen.add(template)
            if len(region) >= DIVERSE_REGION:
                adjusted[max(0, i - NEIGHBOURHOOD): i + NEIGHBOURHOOD + 1] -= NEIGHBOUR_PENALTY
            # A failed test's head is followed by its details (indented, maybe after a blank line), an error line
            # by its indented hint; any other line only by lines that say they continue it.
            head = bool(FAILURE_HEAD.search(region[i][:500]))
            detailed = head or rule_scores[i] > 0
            nxt, added = i + 1, 0
            while nxt < len(region) and len(chosen) < budget and added < CONTINUATION_LINES:
                line = region[nxt]
                if nxt in chosen or head and not line.strip() and nxt == i + 1:
                    nxt += 1
                    continue
                if FRAME.search(line) or not (_CONTINUATION.match(line) or detailed and _INDENTED.match(line)):
                    break
                chosen.add(nxt)
                seen.add(normalize_line(line))
                nxt, added = nxt + 1, added + 1
        return chosen


def failed_region(text: str) -> tuple[list[str], Structure, int, list[str]]:
    """The log's raw lines (ANSI removed), its CI structure, and the first index and displayed lines of the
    region to read: the failed step's output (its last ``REGION_LIMIT`` lines), or the whole log."""
    raw = strip_ansi(text).split("\n")  # one pass over the whole text, not one call per line
    structure = read_structure(raw)
    if structure.passed:
        return raw, structure, 0, []
    start, end = structure.region or (0, len(raw))
    start = max(start, end - REGION_LIMIT)
    return raw, structure, start, [_display(line) for line in raw[start:end]]


def _display(line: str) -> str:
    """What a terminal shows of a raw line: the last frame of a \\r redraw, without its timestamp prefix."""
    if "\r" in line:
        frames = [frame for frame in line.split("\r") if frame.strip()]
        line = frames[-1] if frames else ""
    return strip_prefix(line)
