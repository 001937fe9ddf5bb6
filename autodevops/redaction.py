"""Secret redaction for anything that leaves the process: LLM requests and one-line error messages."""
from __future__ import annotations

import re

REDACTED = "[REDACTED]"
# Order matters: whole blocks and structured tokens before the generic key=value rule.
_SECRETS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S), REDACTED),
    # A key block cut off before its END line (a log tail, a truncated paste): its base64 lines go too.
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?:\s*(?:\\n)?[A-Za-z0-9+/=:-]{16,})*"), REDACTED),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), REDACTED),  # Google API key
    (re.compile(r"\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}\b"), REDACTED),  # Stripe
    (re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), REDACTED),
    (re.compile(r"(?i)([?&](?:sig|signature|x-amz-signature|x-goog-signature)=)[^&\s\"']+"), rf"\1{REDACTED}"),  # signed URLs
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), REDACTED),
    (re.compile(r"\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}\b"), REDACTED),  # JWT
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|xox[baprs]-[\w-]{10,}"
                r"|sk-[A-Za-z0-9_-]{20,}|gsk_[A-Za-z0-9]{20,})"), REDACTED),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {REDACTED}"),
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/\s@]+:)[^@\s]+@"), rf"\1{REDACTED}@"),  # user:password@host
    (re.compile(r"(?i)\b([\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|credential)s?[\w.-]*"
                r"[\"']?\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;]+)"), rf"\1{REDACTED}"),
]


def redact(text: str) -> str:
    """Replace secrets (keys, tokens, passwords, private keys) with ``[REDACTED]``.

    >>> redact("postgres://app:s3cr3t@db:5432/shop password=hunter2 AKIAABCDEFGHIJKLMNOP")
    'postgres://app:[REDACTED]@db:5432/shop password=[REDACTED] [REDACTED]'
    """
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text
