"""How good the chosen fix is, not only the pattern: right pattern, right sub-cause, decisive step first.

Each sub-cause case names its pattern, the sub-cause it must select (``None``: the fallback) and a substring of
its decisive step. A fix that names the right pattern but buries the decisive step under misleading advice
does not help, so the headline figure is how often the decisive step is among the first two steps.

>>> from autodevops.corpus import SubCauseCase
>>> case = SubCauseCase("network.address_in_use", "bound_twice", "bind settings of <service>", "...")
>>> answer = {"steps": ["1. Check the bind settings of web", "2. Restart"], "sub_cause": {"id": "bound_twice"}}
>>> decisive_step_report([case], ["network.address_in_use"], [answer])["decisive_in_first_two"]
1.0
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Callable, Sequence

from autodevops.models.remedy import FALLBACK, PLACEHOLDER

FIRST_STEPS = 2


def _decisive_regex(decisive: str) -> re.Pattern[str]:
    # A placeholder in the decisive text matches whatever value the log filled in.
    parts = PLACEHOLDER.split(decisive)
    pattern = "".join(re.escape(part) if i % 2 == 0 else r"(?:<[a-z_]+>|\S+?)" for i, part in enumerate(parts))
    return re.compile(pattern, re.IGNORECASE)


def decisive_position(decisive: str, steps: Sequence[str]) -> int | None:
    """The 1-based step holding the decisive text, or ``None``; steps may carry their ``"1. "`` numbering."""
    regex = _decisive_regex(decisive)
    for position, step in enumerate(steps, 1):
        if regex.search(re.sub(r"^\d+\.\s+", "", step)):
            return position
    return None


def decisive_step_report(cases: Sequence[Any], pattern_ids: Sequence[str | None],
                         solutions: Sequence[dict | None]) -> dict[str, Any]:
    """Rates over the cases: right pattern, right sub-cause, decisive step within the first two steps.

    ``pattern_ids`` and ``solutions`` are what the analysis answered for each case's log, in case order.
    """
    rows = []
    for case, pattern_id, solution in zip(cases, pattern_ids, solutions, strict=True):
        right_pattern = pattern_id == case.pattern
        chosen = ((solution or {}).get("sub_cause") or {}).get("id")
        expected = case.sub_cause or FALLBACK
        position = decisive_position(case.decisive, (solution or {}).get("steps") or []) if right_pattern else None
        rows.append({"case": case.source, "pattern": case.pattern, "expected": expected, "answered": pattern_id,
                     "chosen": chosen, "right_pattern": right_pattern,
                     "right_sub_cause": right_pattern and chosen == expected,
                     "decisive_position": position,
                     "decisive_first_two": position is not None and position <= FIRST_STEPS})
    n = len(rows)

    def rate(key: str, subset: list[dict] = rows) -> float | None:
        return round(sum(r[key] for r in subset) / len(subset), 4) if subset else None

    per_category: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        per_category[row["pattern"].split(".", 1)[0]].append(row)
    return {
        "cases": n,
        "right_pattern": rate("right_pattern"),
        "right_sub_cause": rate("right_sub_cause"),
        "decisive_in_first_two": rate("decisive_first_two"),
        "per_category": [{"category": c, "cases": len(r), "right_pattern": rate("right_pattern", r),
                          "right_sub_cause": rate("right_sub_cause", r),
                          "decisive_in_first_two": rate("decisive_first_two", r)}
                         for c, r in sorted(per_category.items())],
        "misses": [r for r in rows if not r["decisive_first_two"] or not r["right_sub_cause"]],
    }


def evaluate_cases(cases: Sequence[Any], analyze: Callable[[list[tuple[str, str]]], Sequence[Any]]) -> dict[str, Any]:
    """Run each case's log through ``analyze`` ((id, log) pairs -> analyses with ``pattern_id`` and ``solution``)."""
    answers = analyze([(case.source, case.log) for case in cases])
    return decisive_step_report(cases, [a.pattern_id for a in answers], [a.solution for a in answers])
