"""Optional LLM fallback for logs no known pattern fits: Groq, only when ``GROQ_API_KEY`` is set.

Only the extracted failure lines leave the machine, and only after ``redact`` has replaced anything
that looks like a secret. Every answer is validated; an invalid answer or an API error means no answer.
"""
from __future__ import annotations

import json
import logging
from typing import Annotated, Sequence

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from autodevops.redaction import redact

log = logging.getLogger("autodevops.llm")


Item = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class LlmAnswer(BaseModel):
    """What the LLM must return; anything else is refused.

    The log lines in the prompt are untrusted: a line may try to instruct the model. So the answer's shape is
    fixed here (unknown keys, wrong types and oversized strings refuse the whole answer), and its commands are
    only ever shown as text: nothing in autodevops runs them.
    """

    model_config = ConfigDict(extra="forbid")

    pattern_id: str | None = None
    title: str = Field(min_length=3, max_length=200)
    steps: list[Item] = Field(min_length=1, max_length=12)
    commands: list[Item] = Field(default_factory=list, max_length=12)
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
