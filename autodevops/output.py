"""Renderers for ``analyze`` results: JSON Lines (the contract), a terminal table, Markdown."""
from __future__ import annotations

import json
from typing import Iterable, Iterator, TextIO

from autodevops.records import Analysis

FORMATS = ("jsonl", "table", "markdown")


def jsonl(results: Iterable[Analysis]) -> Iterator[str]:
    for r in results:
        yield json.dumps(r.to_json(), ensure_ascii=False) + "\n"


def table(results: Iterable[Analysis]) -> Iterator[str]:
    yield f"{'LOG':40.40}  {'PATTERN':36.36}  {'CONF':>5}  SOLUTION\n"
    for r in results:
        pattern = r.pattern_id or ("(error)" if r.error else "(no known pattern)")
        title = r.solution["title"] if r.solution else (r.error or "-")
        yield f"{_tail(r.id, 40):40.40}  {pattern:36.36}  {r.confidence:5.2f}  {title}\n"


def markdown(results: Iterable[Analysis]) -> Iterator[str]:
    for r in results:
        yield f"## {r.id}\n\n"
        if r.error:
            yield f"Could not read: {r.error}\n\n"
            continue
        if r.solution is None:
            yield f"No known pattern fits this log (confidence that none applies: {r.confidence:.2f}).\n\n"
        else:
            s = r.solution
            yield (f"**{r.pattern_id}** ({r.category}), confidence {r.confidence:.2f}, "
                   f"~{s['estimated_minutes']} min, success rate {s['success_rate']:.0%}\n\n### {s['title']}\n\n")
            yield "".join(f"{step}\n" for step in s["steps"]) + "\n"
            if s["commands"]:
                yield "```sh\n" + "".join(f"{c}\n" for c in s["commands"]) + "```\n\n"
        if r.matched_lines:
            yield "Evidence:\n\n" + "".join(f"    {line}\n" for line in r.matched_lines) + "\n"


def write(results: Iterable[Analysis], fmt: str, out: TextIO) -> int:
    """Write results in ``fmt`` as they come; returns how many were written."""
    count = 0

    def counted() -> Iterator[Analysis]:
        nonlocal count
        for r in results:
            count += 1
            yield r

    render = {"jsonl": jsonl, "table": table, "markdown": markdown}[fmt]
    for chunk in render(counted()):
        out.write(chunk)
        out.flush()
    return count


def _tail(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1):]
