"""CI job structure: which CI wrote the log, its steps, whether the job failed, and the step that failed.

A complete CI log is mostly the output of steps that passed. The failure reason sits in the output of
the step that failed, usually just before the CI's wrapper line ("The command ... exited with 1.",
"##[error]Process completed with exit code 1.", "ERROR: Job failed: exit code 1",
"ERROR: script returned exit code 1", "make: *** [all] Error 2"). This module finds that step from the
markers each CI system prints:

- GitHub Actions: ``##[group]Run <cmd>`` / ``##[endgroup]``, ``##[error]``, "Process completed with exit code N"
  (downloaded logs put an ISO timestamp before every line; the web page's copy has no markers but
  "Run <cmd>" step headers and "Error: Process completed with exit code N")
- GitLab: ``section_start:<ts>:<name>`` / ``section_end:<ts>:<name>``, ``$ <cmd>``, "Job succeeded",
  "ERROR: Job failed"
- Travis: ``travis_fold``/``travis_time``, ``$ <cmd>``, "The command "<cmd>" exited with N.",
  "Done. Your build exited with N." (the script phase runs on after a failure: the region spans every
  failing command)
- Jenkins: ``[Pipeline] { (<stage>)``, "ERROR: script returned exit code N", "Finished: SUCCESS|FAILURE"
- plain ``make`` / shell output: "make: *** [...] Error N", "Command exited with non-zero status N".

A job is ``passed`` only when its CI says so (Travis "exited with 0", GitLab "Job succeeded", Jenkins
"Finished: SUCCESS", an Actions log without ``##[error]``); plain output never is.

>>> s = read_structure(["$ make test", "cc -c a.c", "a.c:3: error: x undeclared",
...                     'The command "make test" exited with 2.', "Done. Your build exited with 1."])
>>> (s.system, s.status, s.failed_step, s.region)
('travis', 'failed', 'make test', (1, 3))
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

FAILED, PASSED, UNKNOWN_STATUS = "failed", "passed", "unknown"

# Logs run to 30 MB: the readers never loop over every line in Python. They visit only the lines that a
# substring search of the whole text finds (``_Log.marked``), and a line reaches a regex only after that.
_STAMP = re.compile(r"\[?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?\]? ?")
_TRAVIS_EXIT = re.compile(r'^The command "(.*)" (?:failed and )?exited with (\d+)(?: during .*)?\.?\s*$')
_TRAVIS_EXIT_END = re.compile(r'^(.*)" (?:failed and )?exited with (\d+)(?: during .*)?\.?\s*$')  # multi-line
_TRAVIS_DONE = re.compile(r"^Done\. Your build exited with (\d+)\.")
_TRAVIS_MARK = re.compile(r"^travis_(?:fold|time):(start|end):")
_GHA_EXIT = re.compile(r"^(?:##\[error\])?(?:Error: )?Process completed with exit code (\d+)\.?")
_GITLAB_SECTION = re.compile(r"section_(start|end):\d+:([\w.-]+)")
_GITLAB_FAILED = re.compile(r"^ERROR: Job failed\b")
_GITLAB_AFTERMATH = ("after_script", "upload_artifacts", "archive_cache", "cleanup_")
_JENKINS_STAGE = re.compile(r"^\[Pipeline\] \{ \((.+)\)\s*$")
_JENKINS_FINISHED = re.compile(r"^Finished: (SUCCESS|FAILURE|UNSTABLE|ABORTED|NOT_BUILT)\s*$")
_JENKINS_STEP = frozenset({"[Pipeline] sh", "[Pipeline] bat", "[Pipeline] powershell", "[Pipeline] pwsh"})
_JENKINS_BUILD_STEP = re.compile(r"^Build step '(.+)' marked build as failure")
_MAKE_ERROR = re.compile(  # the target is group 1: "make: *** [Makefile:12: build/a.o] Error 1" names build/a.o
    r"^(?:g?make|mingw32-make)(?:\[\d+\])?: \*\*\* (?:\[(?:[^\]:]*:\d+: )?([^\]]*)\] )?(?:Error|.*\bStop\.)")
_SHELL_EXIT = re.compile(r"^(?:Command exited with non-zero status|Error: Process completed with exit code|"
                         r"Command failed with exit code|exit status) ([1-9]\d*)")


@dataclass(frozen=True)
class Structure:
    """What the CI markers of one log say.

    ``region`` is the half-open line range ``[start, end)`` of the failed step's output, or ``None`` when no
    step can be singled out; ``wrapper`` is the index of the CI's line that reports the failure (``end``
    itself, or a line after the region when the CI reports it at the end of the job).
    """

    system: str | None
    status: str
    failed_step: str | None
    region: tuple[int, int] | None
    wrapper: int | None = None

    @property
    def passed(self) -> bool:
        return self.status == PASSED


def read_structure(lines: Sequence[str]) -> Structure:
    """The CI structure of a log given as cleaned lines (no ANSI; \\r-separated redraws may remain)."""
    log = _Log(lines)
    if log.has("##[", "Process completed with exit code"):
        found = _github(log, web=not log.has("##["))
        if found is not None:
            return found
    if log.has("section_start:", "Job succeeded", "ERROR: Job failed"):
        return _gitlab(log)
    jenkins = log.has("[Pipeline] ")  # before Travis: a pipeline's tools may print 'The command "x" exited'
    if jenkins and (found := _jenkins(log)) is not None:
        return found
    if log.has("travis_fold:", "travis_time:", "Your build exited with") or (
            log.has('The command "') and log.has('" exited with ', '" failed and exited with ')):
        return _travis(log)
    if not jenkins and log.has("Finished: ") and (found := _jenkins(log)) is not None:
        return found
    return _plain(log)


class _Log:
    """A log's lines and their joined text, searched at C speed for the lines that hold CI markers."""

    PROBE = 64 * 1024  # every CI prints its markers in the first lines of a job or in its last lines

    def __init__(self, lines: Sequence[str]):
        self.lines = lines
        self.text = "\n".join(lines)
        size = self.PROBE
        self._probe = self.text if len(self.text) <= 2 * size else self.text[:size] + "\n" + self.text[-size:]
        self._starts: np.ndarray | None = None

    def has(self, *needles: str) -> bool:
        """Whether the start or the end of the log holds any of ``needles``."""
        return any(needle in self._probe for needle in needles)

    def marked(self, *needles: str, start: int = 0) -> list[int]:
        """Indices (from line ``start`` on, ascending) of the lines holding any of ``needles``."""
        if self._starts is None:
            lengths = np.fromiter(map(len, self.lines), dtype=np.int64, count=len(self.lines)) + 1
            self._starts = np.concatenate(([0], np.cumsum(lengths)))
        first = int(self._starts[min(start, len(self.lines))])
        found: list[int] = []
        for needle in needles:
            at = self.text.find(needle, first)
            while at != -1:
                found.append(at)
                at = self.text.find(needle, at + len(needle))
        return np.unique(np.searchsorted(self._starts, found, side="right") - 1).tolist() if found else []


def _untimed(line: str) -> str:
    """The line without the ISO timestamp that Actions' downloaded logs and Jenkins' timestamper put first."""
    if line[:1].isdigit() or line[:2] == "[2":
        found = _STAMP.match(line)
        if found is not None:
            return line[found.end():]
    return line


def _segments(line: str) -> list[str]:
    return [s.strip() for s in line.split("\r") if s.strip()] if "\r" in line else [line.strip()]


def _github(log: _Log, web: bool) -> Structure | None:
    """Actions: the step is the last ``Run <cmd>`` group; its output starts after the group's header."""
    lines = log.lines
    groups = 0
    step: str | None = None
    step_start = 0
    in_header = False
    errors: list = []  # the step whose ##[error] came first: [name, output start, its last ##[error] line]
    for i in log.marked("##[", "Process completed with exit code", *(["Run "] if web else [])):
        line = lines[i]
        if "##[" in line:
            text = _untimed(line).strip()
            if text.startswith("##[group]"):
                groups += 1
                title = text[len("##[group]"):]
                if title.startswith("Run "):  # other groups are nested in a step or set up the runner
                    step, step_start, in_header = title[4:].strip(), i + 1, True
                continue
            if text.startswith("##[endgroup]"):
                if in_header:
                    step_start, in_header = i + 1, False
                continue
            if not text.startswith("##[error]"):
                continue
            if not errors:
                errors = [step, step_start, i]
            elif errors[1] == step_start:
                errors[2] = i
        elif web and (text := _untimed(line)).startswith("Run ") and text[4:].strip():
            step, step_start = text[4:].strip(), _web_output_start(lines, i + 1)
            continue
        if "Process completed with exit code" in line:
            found = _GHA_EXIT.match(_untimed(line).strip())
            if found is not None and found.group(1) != "0":
                return Structure("github", FAILED, step, (step_start, i), i)
    if errors:  # an action failed on its own (or was cancelled): its ##[error] lines are the reason, no wrapper
        name, start, last = errors
        return Structure("github", FAILED, name, (start, last + 1), None)
    if groups == 0:
        return None
    return Structure("github", PASSED, None, None)


def _web_output_start(lines: Sequence[str], start: int) -> int:
    """The first output line of a step copied from the web page: after its echoed ``shell:`` and ``env:``."""
    for i in range(start, min(start + 40, len(lines))):
        line = _untimed(lines[i])
        if line.lstrip().startswith("shell: "):
            end = i + 1
            if end < len(lines) and _untimed(lines[end]).strip() == "env:":
                indent = _indent(_untimed(lines[end]))
                end += 1
                while end < len(lines) and _indent(_untimed(lines[end])) > indent:
                    end += 1
            return end
        if line.startswith("Run "):
            break
    return start


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _gitlab(log: _Log) -> Structure:
    """GitLab: the failed section is the last one before the runner's own after-failure sections.

    Sections nest (a job script may open its own); the job script stops at its first failing command, so
    the last ``$ cmd`` echoed in the failed section opens that command's output.
    """
    lines = log.lines
    sections = 0
    stack: list[tuple[str, int]] = []  # open sections, innermost last
    open_count: dict[str, int] = {}  # how often each name is on the stack (no scan of the stack per end)
    closed: tuple[str, int, int] | None = None  # the last section that ended
    echo: tuple[int, str] | None = None
    for i in log.marked("section_", "$ ", "Job succeeded", "ERROR: Job failed"):
        line = lines[i]
        if "section_" in line:
            for found in _GITLAB_SECTION.finditer(line):
                sections += 1
                name = found.group(2)
                if name.startswith(_GITLAB_AFTERMATH):
                    continue
                if found.group(1) == "start":
                    stack.append((name, i + 1))
                    open_count[name] = open_count.get(name, 0) + 1
                elif open_count.get(name):
                    while stack:  # sections opened inside it and never closed end with it
                        open_name, start = stack.pop()
                        open_count[open_name] -= 1
                        if open_name == name:
                            closed = (name, start, i)
                            break
            continue
        if line[:2] == "$ " and (stack or not sections):  # the job page's copy has no section markers
            echo = (i, line[2:].split(" # collapsed multi-line command")[0].strip())
        elif "Job succeeded" in line and line.split("\r")[-1].strip() == "Job succeeded":
            return Structure("gitlab", PASSED, None, None)
        elif "ERROR: Job failed" in line and _GITLAB_FAILED.match(line.split("\r")[-1].strip()):
            name, start, end = (*stack[-1], i) if stack else closed if closed else (None, 0, i)
            if echo is not None and start <= echo[0] < end:
                return Structure("gitlab", FAILED, echo[1], (echo[0] + 1, end), i)
            return Structure("gitlab", FAILED, _gitlab_name(name), (start, end), i)
    return Structure("gitlab", UNKNOWN_STATUS, None, _tail(len(lines)) if sections else None)


def _gitlab_name(section: str | None) -> str | None:
    return section if section is None else {"step_script": "script", "build_script": "script"}.get(section, section)


def _travis(log: _Log) -> Structure:
    """Travis: the commands that "exited with" a non-zero code, each after its ``$ cmd`` echo.

    The script phase runs every command even after one failed, and the later failure is often the telling one
    (in LogChunks the hand-marked reason lies in the last failing command): the region runs from the output of
    the first failing command, which names the step, to the end of the last one.
    """
    lines = log.lines
    done: int | None = None
    last_start = 0
    last_timer_end = -1  # the command's timer stops on the line before its verdict
    opened: tuple[int, str] | None = None  # 'The command "' of a multi-line command, still waiting for its end
    first: tuple[str, int] | None = None  # the first failing command and the start of its output
    last: tuple[int, int] | None = None  # the end of the last failing command's output and its verdict line
    timed = False  # inside a timed command, "$ cmd" lines are its own output (yarn, make echo commands too)
    for i in log.marked("$ ", "travis_", "exited with", 'The command "'):
        for seg in _segments(lines[i]):
            if seg.startswith("$ "):
                if not timed or last_start == i:
                    last_start = i
            elif seg.startswith("travis_"):
                found = _TRAVIS_MARK.match(seg)
                if found is not None and found.group(1) == "start":
                    last_start = i
                    timed = timed or seg.startswith("travis_time:")
                elif found is not None and seg.startswith("travis_time:end:"):
                    last_timer_end, timed = i, False
            elif seg.startswith("Done. "):
                if (found := _TRAVIS_DONE.match(seg)) is not None:
                    done = int(found.group(1))
            elif (found := _TRAVIS_EXIT.match(seg)) is not None or (
                    opened is not None and (found := _TRAVIS_EXIT_END.match(seg)) is not None):
                # the verdict starts on this line, or on the line that opened a multi-line command
                said, command = (i, found.group(1)) if seg.startswith('The command "') else opened
                opened = None
                if found.group(2) != "0":
                    start = last_start + 1 if last_start < said else last_start
                    end = last_timer_end if start <= last_timer_end <= said else said
                    first = first or (command.strip(), start)
                    last = (end, i)
            elif seg.startswith('The command "'):
                opened = (i, seg[len('The command "'):].strip())
    if done == 0:  # Travis's verdict is the last word: a failing after_success command does not fail a build
        return Structure("travis", PASSED, None, None)
    if first is not None and last is not None:
        return Structure("travis", FAILED, first[0], (first[1], last[0]), last[1])
    return Structure("travis", FAILED if done else UNKNOWN_STATUS, None, _tail(len(lines)), None)


def _jenkins(log: _Log) -> Structure | None:
    """Jenkins: the failed stage is the last one that ran; declarative pipelines report the error at the end."""
    lines = log.lines
    pipeline = False
    stages: list[list] = []  # [name, start, end or None, skipped]
    open_stages: list[int] = []
    failure: int | None = None
    build_step: tuple[int, str] | None = None
    echo = -1
    for i in log.marked("[Pipeline]", "skipped due to", "script returned exit code", "+ ", "marked build as failure",
                        "Finished: "):
        line = lines[i]
        if "[Pipeline]" in line:
            text = _untimed(line).strip()
            pipeline = True
            if text.startswith("[Pipeline] { ("):
                found = _JENKINS_STAGE.match(text)
                if found is not None and not found.group(1).startswith("Branch: "):
                    open_stages.append(len(stages))
                    stages.append([found.group(1), i + 1, None, False])
            elif text == "[Pipeline] // stage" and open_stages:
                stages[open_stages.pop()][2] = i
            elif text in _JENKINS_STEP and open_stages:
                stages[open_stages[-1]][1] = i + 1  # the step before it passed: the stage stops at a failure
            continue
        text = _untimed(line)
        if "skipped due to" in line and stages and text.lstrip().startswith("Stage "):
            stages[-1][3] = True
        elif "script returned exit code" in line and failure is None:
            failure = i
        elif text.startswith("+ ") and failure is None and build_step is None:
            echo = i
        elif "marked build as failure" in line:
            found = _JENKINS_BUILD_STEP.match(text.strip())
            if found is not None and build_step is None:
                build_step = (i, found.group(1))
        elif "Finished: " in line:
            found = _JENKINS_FINISHED.match(text.strip())
            if found is None:
                continue
            if found.group(1) == "SUCCESS":
                return Structure("jenkins", PASSED, None, None)
            status = FAILED if found.group(1) in ("FAILURE", "UNSTABLE") else UNKNOWN_STATUS
            return _jenkins_failure(lines, stages, status, failure, build_step, echo, i)
    if not pipeline:
        return None
    if failure is not None:
        return _jenkins_failure(lines, stages, FAILED, failure, build_step, echo, len(lines))
    return Structure("jenkins", UNKNOWN_STATUS, None, _tail(len(lines)))


def _jenkins_failure(lines: Sequence[str], stages: list[list], status: str, failure: int | None,
                     build_step: tuple[int, str] | None, echo: int, finished: int) -> Structure:
    ran = [s for s in stages if not s[3] and s[0] != "Declarative: Post Actions"]
    wrapper = failure if failure is not None else build_step[0] if build_step else finished
    if ran:
        name, start, end, _ = ran[-1]
        if end is None or start <= wrapper < end:  # a scripted pipeline reports inside the stage
            end = wrapper
        return Structure("jenkins", status, name, (start, end), wrapper)
    if build_step is not None:  # a freestyle job: the shell's last "+ cmd" echo opens the failed command
        return Structure("jenkins", status, build_step[1], (echo + 1 if 0 <= echo < wrapper else 0, wrapper),
                         wrapper)
    return Structure("jenkins", status, None, _tail(wrapper), wrapper)


def _plain(log: _Log) -> Structure:
    """Plain ``make`` or shell output: the first ``make: ***`` line closes the failed region."""
    lines = log.lines
    for i in log.marked("***", "exit"):
        text = lines[i].split("\r")[-1].strip()
        made = _MAKE_ERROR.match(text)
        if made is not None or _SHELL_EXIT.match(text):
            if text.startswith("exit status") and i + 1 < len(lines) and lines[i + 1].startswith("FAIL\t"):
                i += 1  # go test: the package's verdict follows the test binary's exit status
            echoes = [j for j in log.marked("$ ") if j < i and lines[j].startswith("$ ")]
            start = echoes[-1] + 1 if echoes else 0
            return Structure(None, FAILED, made.group(1) if made else None, (start, i), i)
    return Structure(None, UNKNOWN_STATUS, None, None)


def _tail(end: int, size: int = 400) -> tuple[int, int]:
    """The last ``size`` lines before ``end``: where a failure reason is when no step can be singled out."""
    return (max(0, end - size), end)
