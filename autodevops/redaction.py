"""Secret redaction for anything that leaves the process: LLM requests and one-line error messages."""
from __future__ import annotations

import re

import ahocorasick

REDACTED = "[REDACTED]"
# Order matters: whole blocks and structured tokens before the generic key=value rule. Each rule carries the
# substrings (lower case) that any match of it contains: a line holding none of them skips the rule, which
# makes redaction about ten times faster on log lines, where secrets are rare. The result is the same.
_SECRETS: list[tuple[re.Pattern[str], str, tuple[str, ...]]] = [
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S), REDACTED,
     ("-----begin",)),
    # A key block cut off before its END line (a log tail, a truncated paste): its base64 lines go too.
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?:\s*(?:\\n)?[A-Za-z0-9+/=:-]{16,})*"), REDACTED, ("-----begin",)),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), REDACTED, ("aiza",)),  # Google API key
    (re.compile(r"\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}\b"), REDACTED, ("_live_", "_test_")),  # Stripe
    (re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), REDACTED, ("npm_",)),
    (re.compile(r"(?i)([?&](?:sig|signature|x-amz-signature|x-goog-signature)=)[^&\s\"']+"), rf"\1{REDACTED}",
     ("sig",)),  # signed URLs
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), REDACTED, ("akia", "asia")),
    (re.compile(r"\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}\b"), REDACTED, ("eyj",)),  # JWT
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|xox[baprs]-[\w-]{10,}"
                r"|sk-[A-Za-z0-9_-]{20,}|gsk_[A-Za-z0-9]{20,})"), REDACTED,
     ("gh", "github_pat_", "glpat-", "xox", "sk-", "sk_")),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {REDACTED}", ("bearer", "basic")),
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/\s@]+:)[^@\s]+@"), rf"\1{REDACTED}@", ("://",)),  # user:password@host
    (re.compile(r"(?i)\b([\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|credential)s?[\w.-]*"
                r"[\"']?\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;]+)"), rf"\1{REDACTED}",
     ("passw", "pwd", "secret", "token", "key", "credential")),
]

_NEEDLES = ahocorasick.Automaton()  # every rule's substrings, found in one pass over a line
for _needle in sorted({needle for *_, needles in _SECRETS for needle in needles}):
    _NEEDLES.add_word(_needle, _needle)
_NEEDLES.make_automaton()


def redact(text: str) -> str:
    """Replace secrets (keys, tokens, passwords, private keys) with ``[REDACTED]``.

    >>> redact("postgres://app:s3cr3t@db:5432/shop password=hunter2 AKIAABCDEFGHIJKLMNOP")
    'postgres://app:[REDACTED]@db:5432/shop password=[REDACTED] [REDACTED]'
    """
    # Non-ASCII text runs every rule: case-insensitive matching knows letters (the Kelvin sign for "k") that
    # lower() does not fold into the needles.
    present = {needle for _, needle in _NEEDLES.iter(text.lower())} if text.isascii() else None
    if present == set():
        return text  # most log lines
    for pattern, replacement, needles in _SECRETS:
        if present is None or not present.isdisjoint(needles):
            text = pattern.sub(replacement, text)
    return text
