"""Optional LLM fallback for logs no known pattern fits: Groq, only when ``GROQ_API_KEY`` is set.

Only the extracted failure lines leave the machine, and only after ``redact`` has replaced anything
that looks like a secret. Every answer is validated; an invalid answer or an API error means no answer.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Sequence

from pydantic import BaseModel, Field, ValidationError

log = logging.getLogger("autodevops.llm")

REDACTED = "[REDACTED]"
# Order matters: whole blocks and structured tokens before the generic key=value rule.
_SECRETS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S), REDACTED),
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


class LlmAnswer(BaseModel):
    """What the LLM must return; anything else is refused."""

    pattern_id: str | None = None
    title: str = Field(min_length=3, max_length=200)
    steps: list[str] = Field(min_length=1, max_length=12)
    commands: list[str] = Field(default_factory=list, max_length=12)
    estimated_minutes: int = Field(ge=1, le=480)


SYSTEM_PROMPT = (
    "You are a senior SRE. Given the failure lines of a deployment or CI log, return ONE fix as a JSON object "
    'with keys: "pattern_id" (one id from the list below, or null if none fits), "title", "steps" (ordered, '
    'specific), "commands" (ready to run; prefix anything destructive with a "# WARNING:" comment line), '
    '"estimated_minutes". Ids:\n')


class GroqAdvisor:
    """Asks a Groq chat model for one solution; ``None`` whenever no valid answer comes back."""

    def __init__(self, api_key: str, model: str, taxonomy: dict[str, str], base_url: str | None = None,
                 timeout: float = 30.0, max_retries: int = 2):
        from groq import Groq

        self.model = model
        self.taxonomy = taxonomy
        self.client = Groq(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
        self.system = SYSTEM_PROMPT + "\n".join(f"- {pid}: {meaning}" for pid, meaning in sorted(taxonomy.items()))

    def advise(self, lines: Sequence[str]) -> LlmAnswer | None:
        """One redacted request with the failure lines; the validated answer or ``None``."""
        from groq import APIError

        if not lines:
            return None
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=[{"role": "system", "content": self.system},
                          {"role": "user", "content": redact("\n".join(lines))[:6000]}],
                response_format={"type": "json_object"},
                temperature=0,
            )
            answer = LlmAnswer.model_validate(json.loads(response.choices[0].message.content or ""))
        except (APIError, ValidationError, json.JSONDecodeError, IndexError, AttributeError) as exc:
            log.warning("no usable LLM answer: %s", type(exc).__name__)
            return None
        if answer.pattern_id is not None and answer.pattern_id not in self.taxonomy:
            answer = answer.model_copy(update={"pattern_id": None})
        return answer
