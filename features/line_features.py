"""Features of one log line inside the output of the step that failed: what a line scorer learns from.

Two kinds, both cheap enough for 10 MB/s:

- dense: where the line sits (distance to the CI's wrapper line), how much error vocabulary it and its
  neighbours carry, and what kind of line it is (warning, stack frame, echoed command, indented
  continuation, ``file:line`` location, test-runner verdict);
- hashed tokens: the line's words and punctuation runs, hashed into ``N_HASH`` buckets (crc32, stable
  across processes), each line normalised to unit length.

The hashing is our own (no scikit-learn at analysis time) so one log on the command line stays fast.
"""
from __future__ import annotations

import re
import zlib
from functools import lru_cache
from typing import Sequence

import numpy as np

N_HASH = 2**15
MAX_CHARS = 500  # a line's first characters say what it is; minified bundles and base64 say nothing more
_TOKEN = re.compile(r"[A-Za-z_]{2,}|[^\w\s]{1,3}")

ERROR_WORDS = re.compile(
    r"\b(?:error|errors|err!?|fatal|failed|failure|fails?|exception|panic|denied|refused|forbidden"
    r"|unauthori[sz]ed|timed? ?out|timeout|deadline|cannot|can't|could ?n[o']t|unable|no such|not found"
    r"|killed|oom\w*|back-?off|crashloop\w*|evicted|exceeded|invalid|conflict|rejected|unreachable"
    r"|unhealthy|insufficient|already|traceback|missing|no space|exit(?:ed)? (?:code|status) [1-9]\d*"
    r"|e\d{3,4}|errno|enoent|eacces|econnrefused|etimedout|enotfound|eaddrinuse|enospc)\b"
)
# A summary that says nothing failed is not a failure ("0 errors", "0 failures, 0 skipped").
_ZERO = re.compile(r"\b(?:0|no) (?:errors?|failures?|failed|problems?)\b", re.IGNORECASE)
WARNING = re.compile(r"\bwarn(?:ing)?s?\b|^\s*W: |^\s*warning\[", re.IGNORECASE)
# Stack frames: Java/JS "at", Python "File", Ruby "x.rb:12:in `m'", gdb "#3 0x", goroutines; also under an sbt or
# Maven level tag ("[error] \tat scala.sys...").
FRAME = re.compile(r"^(?:\[[A-Za-z]+\] ?)?\s+(?:at |File \"|\.\.\. \d+ more|from |#\d+ 0x)|^\s*goroutine \d+ \["
                   r"|^\s*\S+\.rb:\d+:in [`']")
ECHO = re.compile(r"^(?:\$|\+{1,3}|PS>) \S|^(?:##)?\[command\]")
_LOCATION = re.compile(r"\w\.\w{1,6}[:(]\d+")  # file.ext:12 or File.java(12); no leading run to backtrack over
# A test runner saying something passed: tasty's "name: OK (0.04s)", mocha's and jest's ticks, PHPUnit's "OK (12
# tests", TAP's "ok 3", "PASS src/...".
_PASSED = re.compile(r"(?:^|[:\s])OK(?: \(\d[^)]*\))?\s*$|^\s*(?:[✓✔√]|PASS(?:ED)?\b|ok \d+\b|OK \(\d)")
# The head of one failure in a runner's report: "1) Class::test" (mocha, PHPUnit, rspec), pytest's
# "____ test_name ____", "--- FAIL: TestX" (go), "FAIL src/x.test.js" (jest), "x failed on line 12" (Erlang
# Common Test), "There were 2 failures:" (JUnit, PHPUnit), "FooTest > bar FAILED" (Gradle), "tables:  FAIL"
# (tasty), "test_x ... FAIL" (unittest).
FAILURE_HEAD = re.compile(r"^\s*\d+\) \S|^_{3,} \S.* _{3,}\s*$|^\s*--- FAIL\b|^\s*(?:FAIL|FAILED|not ok)\b"
                           r"|\bfailed on line \d+|^There (?:was|were) \d+ (?:failures?|errors?)|\S > \S.* FAILED\s*$"
                           r"|\S(?::|\s\.\.\.)\s+(?:FAIL|FAILED|ERROR)\b",
                           re.IGNORECASE)
_VERDICT = re.compile(r"\b(?:FAIL(?:ED|URE|URES)?|ERROR|Error|error|not ok|Failures?|failing|✗|✘|×)\b|^E\s{2,}")

DENSE_NAMES = ("log_distance", "last3", "last10", "last30", "last100", "errors", "any_error", "zero_summary",
               "warning", "frame", "echo", "blank", "prev_errors", "next_errors", "indented", "location",
               "verdict", "log_length", "relative_position", "passed", "failure_head", "first_error", "first3_error",
               "errors_before")


@lru_cache(maxsize=200_000)
def error_count(line: str) -> int:
    """How many error words the line carries (a "0 errors" summary carries none)."""
    lowered = line[:MAX_CHARS].lower()
    count = len(ERROR_WORDS.findall(lowered))
    return 0 if count and _ZERO.search(line) and count <= 2 else count


@lru_cache(maxsize=200_000)
def hashed_tokens(line: str) -> tuple[tuple[int, ...], float]:
    """The line's distinct token buckets and their weight (1/sqrt(n): unit-length rows)."""
    buckets = {zlib.crc32(token.encode("utf-8", "replace")) % N_HASH for token in _TOKEN.findall(line[:MAX_CHARS])}
    return tuple(sorted(buckets)), (1.0 / float(np.sqrt(len(buckets))) if buckets else 0.0)


@lru_cache(maxsize=200_000)
def _kind(line: str) -> tuple[bool, bool, bool, bool, bool, bool, bool, bool, float, bool, bool]:
    line = line[:MAX_CHARS]
    stripped = line.strip()
    return (bool(_ZERO.search(line)), bool(WARNING.search(line)), bool(FRAME.search(line)), bool(ECHO.match(stripped)),
            len(stripped) < 3, line[:1].isspace(), bool(_LOCATION.search(line)), bool(_VERDICT.search(line)),
            float(np.log1p(len(stripped))), bool(_PASSED.search(line)), bool(FAILURE_HEAD.search(line)))


def dense_features(lines: Sequence[str]) -> np.ndarray:
    """(n, len(DENSE_NAMES)) features of the lines of one region; the last line is next to the wrapper."""
    n = len(lines)
    out = np.zeros((n, len(DENSE_NAMES)), dtype=np.float32)
    if not n:
        return out
    errors = np.array([min(error_count(line), 3) for line in lines], dtype=np.float32)
    k = np.arange(n - 1, -1, -1, dtype=np.float64)  # lines to the wrapper
    out[:, 0] = np.log1p(k)
    out[:, 1:5] = k[:, None] < np.array([3, 10, 30, 100])
    out[:, 5] = errors
    out[:, 6] = errors > 0
    kinds = np.array([_kind(line) for line in lines], dtype=np.float32)
    out[:, 7:12] = kinds[:, :5]  # zero_summary, warning, frame, echo, blank
    out[1:, 12] = errors[:-1]
    out[:-1, 13] = errors[1:]
    out[:, 14:18] = kinds[:, 5:9]  # indented, location, verdict, length
    out[:, 18] = np.arange(n) / max(n - 1, 1)
    out[:, 19:21] = kinds[:, 9:]  # passed, failure_head
    # The first lines of the step that look like failures: a runner reports its first failure first.
    failing = (errors > 0) | (kinds[:, 7] > 0) | (kinds[:, 10] > 0)  # error words, a verdict, a failure head
    before = np.cumsum(failing) - failing
    out[:, 21] = failing & (before == 0)
    out[:, 22] = failing & (before < 3)
    out[:, 23] = np.log1p(before)
    return out
