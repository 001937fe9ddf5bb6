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
  "Done. Your build exited with N."
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

FAILED, PASSED, UNKNOWN_STATUS = "failed", "passed", "unknown"

# Every reader runs over every line of logs up to 30 MB: a line reaches a regex only after a substring
# test says it may hold a marker.
_STAMP = re.compile(r"\[?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?\]? ?")
_TRAVIS_EXIT = re.compile(r'^The command "(.*)" (?:failed and )?exited with (\d+)(?: during .*)?\.?\s*$')
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
_MAKE_ERROR = re.compile(r"^(?:g?make|mingw32-make)(?:\[\d+\])?: \*\*\* (?:\[(?:[^\]:]*:\d+: )?([^\]]*)\] )?(?:Error|.*\bStop\.)")
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
    text = "\n".join(lines)  # one pass of fast substring searches tells which reader to run
    if "##[" in text or "Process completed with exit code" in text:
        found = _github(lines, web="##[" not in text)
        if found is not None:
            return found
    if "section_start:" in text or "Job succeeded" in text or "ERROR: Job failed" in text:
        return _gitlab(lines)
    if "travis_fold:" in text or "travis_time:" in text or 'The command "' in text or "Your build exited" in text:
        return _travis(lines)
    if "[Pipeline] " in text or "Finished: " in text:
        found = _jenkins(lines)
        if found is not None:
            return found
    return _plain(lines)


def _untimed(line: str) -> str:
    """The line without the ISO timestamp that Actions' downloaded logs and Jenkins' timestamper put first."""
    if line[:1].isdigit() or line[:2] == "[2":
        found = _STAMP.match(line)
        if found is not None:
            return line[found.end():]
    return line


def _segments(line: str) -> list[str]:
    return [s.strip() for s in line.split("\r") if s.strip()] if "\r" in line else [line.strip()]


def _github(lines: Sequence[str], web: bool) -> Structure | None:
    """Actions: the step is the last ``Run <cmd>`` group; its output starts after the group's header."""
    groups = 0
    step: str | None = None
    step_start = 0
    in_header = False
    first_error: tuple[int, str | None, int] | None = None
    for i, line in enumerate(lines):
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
            if first_error is None:
                first_error = (i, step, step_start)
        elif web and line.startswith("Run ") and len(line) > 4:
            step, step_start = line[4:].strip(), _web_output_start(lines, i + 1)
            continue
        if "Process completed with exit code" in line:
            found = _GHA_EXIT.match(_untimed(line).strip())
            if found is not None and found.group(1) != "0":
                return Structure("github", FAILED, step, (step_start, i), i)
    if first_error is not None:  # an action failed on its own (or was cancelled): no exit code line
        index, name, start = first_error
        return Structure("github", FAILED, name, (start, index + 1), index)
    if groups == 0:
        return None
    return Structure("github", PASSED, None, None)


def _web_output_start(lines: Sequence[str], start: int) -> int:
    """The first output line of a step copied from the web page: after its echoed ``shell:`` and ``env:``."""
    for i in range(start, min(start + 40, len(lines))):
        stripped = lines[i].lstrip()
        if stripped.startswith("shell: "):
            end = i + 1
            if end < len(lines) and lines[end].strip() == "env:":
                indent = len(lines[end]) - len(lines[end].lstrip())
                end += 1
                while end < len(lines) and len(lines[end]) - len(lines[end].lstrip()) > indent:
                    end += 1
            return end
        if lines[i].startswith("Run "):
            break
    return start


def _gitlab(lines: Sequence[str]) -> Structure:
    """GitLab: the failed section is the last one before the runner's own after-failure sections.

    Sections nest (a job script may open its own); the job script stops at its first failing command, so
    the last ``$ cmd`` echoed in the failed section opens that command's output.
    """
    sections = 0
    stack: list[tuple[str, int]] = []  # open sections, innermost last
    closed: tuple[str, int, int] | None = None  # the last section that ended
    echo: tuple[int, str] | None = None
    for i, line in enumerate(lines):
        if "section_" in line:
            for found in _GITLAB_SECTION.finditer(line):
                sections += 1
                name = found.group(2)
                if name.startswith(_GITLAB_AFTERMATH):
                    continue
                if found.group(1) == "start":
                    stack.append((name, i + 1))
                elif any(open_name == name for open_name, _ in stack):
                    while stack:  # sections opened inside it and never closed end with it
                        open_name, start = stack.pop()
                        if open_name == name:
                            closed = (name, start, i)
                            break
            continue
        if line[:2] == "$ " and stack:
            echo = (i, line[2:].split(" # collapsed multi-line command")[0].strip())
        elif "Job succeeded" in line and line.split("\r")[-1].strip() == "Job succeeded":
            return Structure("gitlab", PASSED, None, None)
        elif "ERROR: Job failed" in line and _GITLAB_FAILED.match(line.split("\r")[-1].strip()):
            name, start, end = (*stack[-1], i) if stack else closed if closed else (None, 0, i)
            if echo is not None and start <= echo[0] < end:
                return Structure("gitlab", FAILED, echo[1], (echo[0] + 1, end), i)
            return Structure("gitlab", FAILED, _gitlab_name(name), (start, end), i)
    return Structure("gitlab", UNKNOWN_STATUS, None, _tail(lines) if sections else None)


def _gitlab_name(section: str | None) -> str | None:
    return section if section is None else {"step_script": "script", "build_script": "script"}.get(section, section)


def _travis(lines: Sequence[str]) -> Structure:
    """Travis: the first command that "exited with" a non-zero code; its output starts after its ``$ cmd``."""
    done: int | None = None
    last_start = 0
    for i, line in enumerate(lines):
        if not ("$ " in line or "travis_" in line or "exited with" in line):
            continue
        for seg in _segments(line):
            if seg.startswith("$ "):
                last_start = i
            elif seg.startswith("travis_"):
                found = _TRAVIS_MARK.match(seg)
                if found is not None and found.group(1) == "start":
                    last_start = i
            elif (found := _TRAVIS_EXIT.match(seg)) is not None:
                if found.group(2) != "0":
                    start = last_start + 1 if last_start < i else last_start
                    return Structure("travis", FAILED, found.group(1), (start, i), i)
            elif (found := _TRAVIS_DONE.match(seg)) is not None:
                done = int(found.group(1))
    if done == 0:
        return Structure("travis", PASSED, None, None)
    return Structure("travis", FAILED if done else UNKNOWN_STATUS, None, _tail(lines), None)


def _jenkins(lines: Sequence[str]) -> Structure | None:
    """Jenkins: the failed stage is the last one that ran; declarative pipelines report the error at the end."""
    pipeline = False
    stages: list[list] = []  # [name, start, end or None, skipped]
    open_stages: list[int] = []
    failure: int | None = None
    build_step: tuple[int, str] | None = None
    echo = -1
    for i, line in enumerate(lines):
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
        if "skipped due to" in line and stages and line.lstrip().startswith("Stage "):
            stages[-1][3] = True
        elif "script returned exit code" in line and failure is None:
            failure = i
        elif line.startswith("+ "):
            echo = i
        elif "marked build as failure" in line:
            found = _JENKINS_BUILD_STEP.match(_untimed(line).strip())
            if found is not None and build_step is None:
                build_step = (i, found.group(1))
        elif "Finished: " in line:
            found = _JENKINS_FINISHED.match(_untimed(line).strip())
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
    return Structure("jenkins", UNKNOWN_STATUS, None, _tail(lines))


def _jenkins_failure(lines: Sequence[str], stages: list[list], status: str, failure: int | None,
                     build_step: tuple[int, str] | None, echo: int, finished: int) -> Structure:
    ran = [s for s in stages if not s[3] and s[0] != "Declarative: Post Actions"]
    wrapper = failure if failure is not None else build_step[0] if build_step else finished
    if ran:
        name, start, end, _ = ran[-1]
        return Structure("jenkins", status, name, (start, end if end is not None else wrapper), wrapper)
    if build_step is not None:  # a freestyle job: the shell's last "+ cmd" echo opens the failed command
        return Structure("jenkins", status, build_step[1], (echo + 1 if 0 <= echo < wrapper else 0, wrapper),
                         wrapper)
    return Structure("jenkins", status, None, _tail(lines[:wrapper]), wrapper)


def _plain(lines: Sequence[str]) -> Structure:
    """Plain ``make`` or shell output: the first ``make: ***`` line closes the failed region."""
    for i, line in enumerate(lines):
        if not ("***" in line or "exit" in line):
            continue
        text = line.split("\r")[-1].strip()
        made = _MAKE_ERROR.match(text)
        if made is not None or _SHELL_EXIT.match(text):
            start = 0
            for j in range(i - 1, -1, -1):
                if lines[j].startswith("$ "):
                    start = j + 1
                    break
            return Structure(None, FAILED, made.group(1) if made else None, (start, i), i)
    return Structure(None, UNKNOWN_STATUS, None, None)


def _tail(lines: Sequence[str], size: int = 400) -> tuple[int, int]:
    return (max(0, len(lines) - size), len(lines))
