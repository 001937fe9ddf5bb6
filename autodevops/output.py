"""Renderers for ``analyze`` results: JSON Lines (the contract), a terminal table, Markdown."""
from __future__ import annotations

import json
import os
import re
import sys
from contextlib import contextmanager
from typing import Iterable, Iterator, TextIO

from autodevops.records import Analysis

FORMATS = ("jsonl", "table", "markdown")

# Everything a terminal would act on rather than print: escape sequences (CSI, OSC such as hyperlinks and
# clipboard writes, DCS/SOS/PM/APC strings, unterminated ones too) in 7- and 8-bit form, then C0/C1 controls,
# DEL, bidirectional overrides (which reorder what is shown) and line separators.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def printable(text: object) -> str:
    """One line of ``text`` that is safe to show on a terminal: no escapes, no controls, no line breaks.

    >>> printable("\\x1b[31mred\\x1b[0m \\x1b]8;;http://evil\\x07link\\x1b]8;;\\x07\\rline\\nnext")
    'red link line next'
    """
    text = _ESCAPES.sub("", str(text))
    return _CONTROLS.sub(lambda m: " " if m[0] in "\t\n\r\v\f\u2028\u2029" else "", text)


def jsonl(results: Iterable[Analysis]) -> Iterator[str]:
    for r in results:
        yield json.dumps(r.to_json(), ensure_ascii=False) + "\n"


def table(results: Iterable[Analysis]) -> Iterator[str]:
    yield f"{'LOG':40.40}  {'PATTERN':36.36}  {'CONF':>5}  SOLUTION\n"
    for r in results:
        pattern = printable(r.pattern_id or ("(error)" if r.error else "(no known pattern)"))
        title = printable(r.solution["title"] if r.solution else (r.error or "-"))
        if r.solution:
            title += printable(f" [{_sub_cause_id(r.solution)}; {_rate_note(r.solution)}]")
        yield f"{_tail(printable(r.id), 40):40.40}  {pattern:36.36}  {r.confidence:5.2f}  {title}\n"


def markdown(results: Iterable[Analysis]) -> Iterator[str]:
    for r in results:
        yield f"## {printable(r.id)}\n\n"
        if r.error:
            yield f"Could not read: {printable(r.error)}\n\n"
            continue
        if r.solution is None:
            yield f"No known pattern fits this log (confidence that none applies: {r.confidence:.2f}).\n\n"
        else:
            s = r.solution
            yield (f"**{printable(r.pattern_id)}** ({printable(r.category)}), confidence {r.confidence:.2f}, "
                   f"~{printable(s['estimated_minutes'])} min, {printable(_rate_note(s))}\n\n"
                   f"### {printable(s['title'])}\n\n")
            cause = s.get("sub_cause") or {}
            if cause.get("evidence"):
                yield f"Sub-cause `{printable(cause['id'])}`, because the log says:\n\n    {printable(cause['evidence'])}\n\n"
            elif s.get("diagnostic"):
                yield f"General fix (no sub-cause is evident); this tells the causes apart:\n\n    {printable(s['diagnostic'])}\n\n"
            yield "".join(f"{printable(step)}\n" for step in s["steps"]) + "\n"
            if s["commands"]:
                commands = [printable(c) for c in s["commands"]]
                # A fence longer than any backtick run inside, so no command can close it early.
                fence = "`" * max(3, 1 + max((len(run) for c in commands for run in re.findall("`+", c)), default=0))
                yield f"{fence}sh\n" + "".join(f"{c}\n" for c in commands) + f"{fence}\n\n"
            if s.get("filled"):
                yield "Filled from the log: " + ", ".join(f"`<{printable(k)}>` = {printable(v)}"
                                                          for k, v in s["filled"].items()) + "\n\n"
        if r.matched_lines:
            yield "Evidence:\n\n" + "".join(f"    {printable(line)}\n" for line in r.matched_lines) + "\n"


def _sub_cause_id(solution: dict) -> str:
    return (solution.get("sub_cause") or {}).get("id") or "general fix"


def _rate_note(solution: dict) -> str:
    """'85 % prior, no outcomes yet' / '72 % from 14 outcomes': a rate nothing measured is never shown as one."""
    return solution.get("success_rate_note") or f"success rate {_percent(solution.get('success_rate'))}"


def _percent(rate: object) -> str:
    return f"{rate:.0%}" if isinstance(rate, (int, float)) else "unknown"


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


def answered(path: str) -> set[str]:
    """Ids a JSON Lines output file already holds; a torn last line (an interrupted write) is cut off the file.

    A complete line that is not an analysis means the file is not an ``analyze`` output: refuse to append.
    """
    done: set[str] = set()
    with open(path, "rb+") as handle:
        end = 0
        for number, line in enumerate(handle, 1):
            if not line.endswith(b"\n"):
                handle.truncate(end)  # the record is analyzed again, whole
                break
            end += len(line)
            try:
                done.add(json.loads(line)["id"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"cannot resume: line {number} of {path} is not an analysis ({exc})") from None
    return done


@contextmanager
def output_file(path: str | None, resume: bool = False) -> Iterator[tuple[TextIO, set[str]]]:
    """Where results go (stdout without a path) and the ids to skip: with ``resume``, those already in the file."""
    if path is None:
        if resume:
            raise ValueError("--resume needs --output FILE: it skips the logs that file already holds")
        yield sys.stdout, set()
        return
    done = answered(path) if resume and os.path.exists(path) else set()
    with open(path, "a" if resume else "w", encoding="utf-8") as out:
        yield out, done


def _tail(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1):]
