"""Normalisation: strip terminal colours and mask volatile values so a log line becomes a stable template.

>>> normalize_line("\\x1b[31m2024-03-05T10:11:12.123Z ERROR\\x1b[0m pod web-7f9c6d8b5-x2x9q: connect 10.0.3.7:5432 failed")
'ERROR pod web-<ID>: connect <IP>:<NUM> failed'
"""
from __future__ import annotations

import re

# CSI sequences (colours, cursor moves), OSC sequences (hyperlinks, titles) and stray escapes; a lone ESC
# goes too, or removing the sequence after it could join it with the next character into a new one.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\x1b")
_CARRIAGE = re.compile(r"^.*\r(?!$)")  # progress bars redraw the line after a bare \r: keep the last frame

# A leading timestamp / log prefix carries no meaning for matching: it is removed outright.
_LEADING = re.compile(
    r"^\s*(?:"
    r"\[?\d{4}[-/.]\d{2}[-/.]\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2}| ?UTC)?\]?"  # ISO / 2024/03/05
    r"|[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}(?: \d{4})?"  # syslog: Mar  5 10:11:12
    r"|[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ [\w.-]+:\d+\]"  # klog: I0305 10:11:12.123456  1 file.go:12]
    r"|\[?\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\]?"  # 10:11:12.345
    r"|\d{10}(?:\.\d+)?"  # epoch seconds
    r")(?!\w)\s*[|:-]?\s*"  # never half a word: what is left would be stripped again on a second pass
)

_MASKS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"), "<TS>"),
    (re.compile(r"\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), "<TS>"),
    # Kubernetes generated names: deployment-<replicaset hash>-<pod suffix>, statefulset-0.
    (re.compile(r"(?<=[a-z0-9])-(?=[a-z0-9]*\d)[a-z0-9]{8,10}-[a-z0-9]{5}(?![a-z0-9])"), "-<ID>"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<UUID>"),
    (re.compile(r"\bsha256:[0-9a-f]{12,64}\b"), "<HEX>"),
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,64}\b"), "<HEX>"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?\b"), "<IP>"),
    (re.compile(r"\b(?:[0-9a-fA-F]{1,4}:){3,7}[0-9a-fA-F]{1,4}\b"), "<IP>"),
    # Paths keep their last component: `.../docker.sock` says more than `<PATH>`. Empty components (`//`) and no
    # start right after a `/` keep a second pass from merging `.../` with what precedes it (idempotence).
    (re.compile(r"(?<![\w.<>/-])(?:~|\.{1,2})?(?:/[\w.@+-]*){2,}/(?=[\w.@+-]+)"), ".../"),
    (re.compile(r"\b\d+\.\d+(?:\.\d+)*\b"), "<NUM>"),
    # Exit codes, HTTP statuses and errnos (1-3 digits) carry meaning; longer numbers are ids, ports, sizes.
    (re.compile(r"(?<![\w.])\d{4,}(?:[kKMGT]i?B|ms|s)?\b"), "<NUM>"),
]
_SPACES = re.compile(r"\s+")


def strip_ansi(text: str) -> str:
    """Remove terminal colour and cursor escapes."""
    return _ANSI.sub("", text) if "\x1b" in text else text


def clean_line(line: str) -> str:
    """The raw line as a person would read it: no colours, no progress-bar redraws, no trailing space."""
    line = strip_ansi(line)
    return (_CARRIAGE.sub("", line) if "\r" in line else line).rstrip()


def strip_prefix(line: str) -> str:
    """The cleaned line without its leading timestamp / log-level prefix."""
    return _LEADING.sub("", clean_line(line), count=1)


def normalize_line(line: str) -> str:
    """A stable template of one log line: invariant to timestamps, ids, addresses, colours and paths."""
    text = strip_prefix(line)
    for pattern, token in _MASKS:
        text = pattern.sub(token, text)
    return _SPACES.sub(" ", text).strip()


def normalize_log(text: str) -> str:
    """Normalise every line of a log and drop the empty ones."""
    return "\n".join(n for n in (normalize_line(line) for line in text.splitlines()) if n)
