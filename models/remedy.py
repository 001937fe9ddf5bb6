"""The one filled-in solution for a matched pattern: the sub-cause the log shows, fitted to its environment,
with the log's own names in the commands.

1. Environment contexts from the failure lines and a bounded sample of the log (``features.environment``).
2. The first sub-cause (catalog order) whose evidence matches a failure line; else the fallback with the
   one ``diagnostic`` command that tells the sub-causes apart.
3. Steps and commands whose ``when`` / ``unless`` do not fit the contexts are left out.
4. Placeholders (``<pod>``, ``<port>``...) are filled with the entities the log names, shell-quoted for the
   position they take in the command; a placeholder the log does not fill stays for the person.

>>> from autodevops.records import Command, Solution, Step, SubCause
>>> sub = SubCause("bound_twice", "The app binds the port twice", ("bind: address already in use",),
...                (Step("Check the bind settings of <service>"),), (Command("ss -ltnp 'sport = :<port>'"),),
...                verify="curl -fsS http://localhost:<port>/")
>>> remedy = Remedy("network.address_in_use", Solution("Free the port", (Step("Find the owner"),), (), 5, 0.9,
...                 verify="ss -ltn", sub_causes=(sub,)))
>>> out = remedy.render(["listen tcp 0.0.0.0:8000: bind: address already in use"])
>>> out["sub_cause"], out["commands"], out["filled"], out["success_rate_note"]
({'id': 'bound_twice', 'evidence': 'listen tcp 0.0.0.0:8000: bind: address already in use'}, ["ss -ltnp 'sport = :8000'", 'curl -fsS http://localhost:8000/'], {'port': '8000'}, '90 % prior, no outcomes yet')
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from autodevops.features.entities import KINDS, extract_entities, shell_safe
from autodevops.features.environment import detect_contexts, log_sample
from autodevops.features.normalize import clean_line
from autodevops.records import Command, Solution, Step, SubCause

FALLBACK = "fallback"
PLACEHOLDER = re.compile(r"<([a-z][a-z0-9_]*)>")
CONTEXT_LINES = 30  # lines from the end of the log that entities are also read from, after the failure lines
_IMAGE_AND_TAG = "<image>:<tag>"
_REGISTRY_AND_IMAGE = "<registry>/<image>"


def success_note(rate: float, feedback_count: int) -> str:
    """How much a success rate is worth: a prior until outcomes arrive.

    >>> success_note(0.85, 0), success_note(0.7234, 14), success_note(0.5, 1)
    ('85 % prior, no outcomes yet', '72 % from 14 outcomes', '50 % from 1 outcome')
    """
    percent = round(rate * 100)
    if feedback_count <= 0:
        return f"{percent} % prior, no outcomes yet"
    return f"{percent} % from {feedback_count} outcome{'' if feedback_count == 1 else 's'}"


def _quote_state(command: str, end: int) -> str:
    """The shell quoting in force at ``command[end]``: ``plain``, ``'``, ``"``, or ``opaque``.

    Command substitutions (``$(...)``) open a fresh plain context, even inside double quotes. Inside backticks
    or ``$'...'`` quoting rules differ (a backquote ends the substitution wherever it stands): ``opaque``.
    """
    stack = ["plain"]
    i = 0
    while i < end:
        c, top = command[i], stack[-1]
        if top in ("'", "$'"):
            if c == "\\" and top == "$'":
                i += 1
            elif c == "'":
                stack.pop()
        elif c == "\\":
            i += 1  # the next character is escaped (in plain and double-quoted text alike)
        elif top == '"' and c == '"':
            stack.pop()
        elif c == "$" and command[i + 1:i + 2] in ("(", "'") and not (top == '"' and command[i + 1] == "'"):
            stack.append("$" + command[i + 1])
            i += 1
        elif c == "`":
            if top == "`":
                stack.pop()
            else:
                stack.append("`")
        elif top != '"' and c in "'\"":
            stack.append(c)
        elif top == "$(" and c == ")":
            stack.pop()
        i += 1
    if "`" in stack or stack[-1] == "$'":
        return "opaque"
    return stack[-1] if stack[-1] in ("'", '"') else "plain"


def _quoted(value: str, state: str) -> str | None:
    """``value`` as one literal word at a position with the given quoting (shlex.quote semantics); ``None``
    where no quoting is safe (``opaque``)."""
    if shell_safe(value):
        return value  # nothing in it is special to a shell, inside quotes or out
    if state == "opaque":
        return None
    quoted = shlex.quote(value)
    # Inside quotes: close them, add the quoted word, reopen; adjacent strings join into one word.
    return quoted if state == "plain" else f"{state}{quoted}{state}"


def fill(template: str, values: Mapping[str, str], shell: bool = True) -> tuple[str, set[str]]:
    """The template with its known placeholders filled, and which were filled.

    In a command (``shell``) each value is quoted for the position it takes; in prose only values that need
    no quoting are filled, so a hostile name never appears where a person might copy it.

    >>> fill("kubectl logs <pod> -n <namespace> --previous", {"pod": "x; rm -rf /"})
    ("kubectl logs 'x; rm -rf /' -n <namespace> --previous", {'pod'})
    >>> print(fill('''grep ':<port>->' "<path>"''', {"port": "80", "path": "$(id)"})[0])
    grep ':80->' ""'$(id)'""
    """
    image = values.get("image", "")
    if _IMAGE_AND_TAG in template and re.search(r":[\w.-]+$|@sha256:", image.rsplit("/", 1)[-1]):
        template = template.replace(_IMAGE_AND_TAG, "<image>")  # the image reference already names its tag
    if _REGISTRY_AND_IMAGE in template and re.match(r"(?:localhost|[^/]*[.:][^/]*)/", image):
        template = template.replace(_REGISTRY_AND_IMAGE, "<image>")  # ... and its registry
    filled: set[str] = set()
    out = template
    for match in reversed(list(PLACEHOLDER.finditer(template))):
        kind = match[1]
        value = values.get(kind)
        if value is None or (not shell and not shell_safe(value)):
            continue
        text = _quoted(value, _quote_state(template, match.start())) if shell else value
        if text is None:
            continue
        out = out[:match.start()] + text + out[match.end():]
        filled.add(kind)
    return out, filled


def _fits(item: Step | Command, contexts: frozenset[str]) -> bool:
    return (not item.when or bool(contexts.intersection(item.when))) and not contexts.intersection(item.unless)


def solution_output(title: str, steps: Sequence[str], commands: Sequence[str], estimated_minutes: int,
                    success_rate: float | None, feedback_count: int, sub_cause: dict | None,
                    diagnostic: str | None, filled: Mapping[str, str], references: Sequence[str]) -> dict[str, Any]:
    """The contract's ``solution`` object (CONTRACT.md): the one place solution dicts are built."""
    return {
        "title": title,
        "steps": [f"{i}. {step}" for i, step in enumerate(steps, 1)],
        "commands": list(commands),
        "estimated_minutes": estimated_minutes,
        "success_rate": None if success_rate is None else round(success_rate, 4),
        "feedback_count": feedback_count,
        "sub_cause": sub_cause,
        "diagnostic": diagnostic,
        "filled": dict(sorted(filled.items())),
        "success_rate_note": None if success_rate is None else success_note(success_rate, feedback_count),
        "references": list(dict.fromkeys(references)),
    }


def entity_lines(failure_lines: Sequence[str], log_text: str) -> list[str]:
    """Where entities are read from: the failure lines, then the last lines of the log (commands echoed by CI)."""
    tail = log_text[-8_192:].splitlines()[-CONTEXT_LINES:] if log_text else []
    return [*failure_lines, *(clean_line(line) for line in reversed(tail))]


def placeholders(*texts: str) -> frozenset[str]:
    """The entity kinds the texts name as placeholders."""
    return frozenset(m[1] for text in texts for m in PLACEHOLDER.finditer(text) if m[1] in KINDS)


@dataclass(frozen=True)
class Remedy:
    """One pattern's solution, ready to render for a log: sub-cause evidence compiled once."""

    pattern_id: str
    solution: Solution
    success_rate: float | None = None  # learned rate; None: the catalog's prior
    feedback_count: int = 0
    evidence: tuple[tuple[re.Pattern[str], ...], ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.evidence:
            compiled = tuple(tuple(re.compile(rx, re.IGNORECASE) for rx in sub.evidence)
                             for sub in self.solution.sub_causes)
            object.__setattr__(self, "evidence", compiled)

    @classmethod
    def from_row(cls, row: Any) -> "Remedy":
        """From a stored pattern row (``PatternRow``): its solution JSON and learned success rate."""
        return cls(row.id, Solution.from_dict(row.solution), row.success_rate, row.feedback_count)

    def choose(self, failure_lines: Sequence[str]) -> tuple[SubCause | None, str | None]:
        """The first sub-cause whose evidence matches a failure line, and that line; ``(None, None)`` if none."""
        for sub, regexes in zip(self.solution.sub_causes, self.evidence):
            for line in failure_lines:
                if any(rx.search(line) for rx in regexes):
                    return sub, line
        return None, None

    def render(self, failure_lines: Sequence[str], log_text: str = "") -> dict[str, Any]:
        """The solution object for one log whose failure lines are given (see the module docstring)."""
        solution = self.solution
        sub, evidence = self.choose(failure_lines)
        contexts = detect_contexts(failure_lines, log_sample(log_text))
        steps = [s.text for s in (sub.steps if sub else solution.steps) if _fits(s, contexts)]
        commands = [c for c in (sub.commands if sub else solution.commands) if _fits(c, contexts)]
        verify = sub.verify if sub else solution.verify
        diagnostic = None if sub else solution.diagnostic
        runs = [c.run for c in commands]
        wanted = placeholders(*steps, *runs, verify, diagnostic or "")
        values = extract_entities(entity_lines(failure_lines, log_text), wanted) if wanted else {}
        used: set[str] = set()

        def filled(text: str, shell: bool = True) -> str:
            out, kinds = fill(text, values, shell)
            used.update(kinds)
            return out

        rendered = [filled(c.render()) for c in commands]
        if verify and verify not in runs:
            rendered.append(filled(verify))  # every fix ends by showing that it worked
        return solution_output(
            title=sub.title if sub else solution.title,
            steps=[filled(s, shell=False) for s in steps],
            commands=rendered,
            estimated_minutes=(sub.estimated_minutes if sub and sub.estimated_minutes else solution.estimated_minutes),
            success_rate=solution.success_rate if self.success_rate is None else self.success_rate,
            feedback_count=self.feedback_count,
            sub_cause={"id": sub.id if sub else FALLBACK, "evidence": evidence},
            diagnostic=filled(diagnostic) if diagnostic else None,
            filled={kind: values[kind] for kind in used},
            references=[*(sub.sources if sub else ()), *solution.references],
        )


def free_form(title: str, steps: Sequence[str], commands: Sequence[str], estimated_minutes: int,
              failure_lines: Sequence[str], log_text: str = "", success_rate: float | None = None,
              feedback_count: int = 0) -> dict[str, Any]:
    """A solution written outside the catalog (the LLM's answer), filled from the log like a catalog one."""
    wanted = placeholders(*commands)
    values = extract_entities(entity_lines(failure_lines, log_text), wanted) if wanted else {}
    used: set[str] = set()
    rendered = []
    for command in commands:
        text, kinds = fill(command, values)
        rendered.append(text)
        used.update(kinds)
    return solution_output(title, steps, rendered, estimated_minutes, success_rate, feedback_count, None, None,
                           {kind: values[kind] for kind in used}, ())
