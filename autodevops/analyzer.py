"""The analyze pipeline, shared by the CLI's one-log path and the Prefect ``analyze`` flow.

Heavy things (encoder, example matrix, compiled signals) are loaded once in ``Analyzer.load`` and reused
for every batch.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from autodevops.features.document import featurize
from autodevops.features.encoder import CachedEncoder, Encoder, load_encoder
from autodevops.features.extract import FailureExtractor
from autodevops.features.signals import SignalMatcher
from autodevops.model_config import ModelConfig
from autodevops.models.calibration import ConfidenceCalibrator
from autodevops.models.matcher import PatternMatcher
from autodevops.records import Analysis
from autodevops.settings import Settings
from autodevops.store import open_store
from autodevops.store.base import PatternRow, PatternStore

if TYPE_CHECKING:
    from autodevops.llm import GroqAdvisor


SOLUTION_KEYS = ("title", "steps", "commands", "estimated_minutes", "success_rate", "references")
# No labelled data measures how often the LLM is right, so its answers carry an honest coin-flip.
LLM_CONFIDENCE = 0.5


@dataclass(frozen=True)
class LogInput:
    """One log to analyze; ``error`` is set when it could not be read."""

    id: str
    text: str | None
    error: str | None = None
    truncated: bool = False  # only the tail of a log larger than the budget was read


def analysis_id_of(text: str) -> str:
    """A stable id for the analysis of one log text (what ``feedback --analysis-id`` names)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def signal_matcher(patterns: Sequence[PatternRow]) -> SignalMatcher:
    """The keyword signals of the stored patterns."""
    return SignalMatcher({p.id: (p.error_patterns.get("strong", ()), p.error_patterns.get("weak", ())) for p in patterns})


def symptoms_of(patterns: Sequence[PatternRow]) -> frozenset[str]:
    """Patterns marked in the catalog as symptoms of other patterns."""
    return frozenset(p.id for p in patterns if p.error_patterns.get("role") == "symptom")


class Analyzer:
    """Turns logs into ``Analysis`` records: extract, embed (cached), match, calibrate, attach the solution."""

    def __init__(self, matcher: PatternMatcher, patterns: Sequence[PatternRow], encoder: Encoder,
                 calibrator: ConfidenceCalibrator | None = None, config: ModelConfig | None = None,
                 advisor: "GroqAdvisor | None" = None):
        self.matcher = matcher
        self.patterns = {p.id: p for p in patterns}
        self.encoder = encoder
        self.calibrator = calibrator
        self.config = config or ModelConfig()
        self.extractor = FailureExtractor(signal_matcher(patterns))
        self.advisor = advisor

    @classmethod
    def load(cls, settings: Settings, store: PatternStore | None = None) -> "Analyzer":
        """Load everything the pipeline needs once: store contents, tuned configuration and the encoder."""
        owned = store is None
        store = store or open_store(settings, read_only=True)
        try:
            patterns = store.patterns()
            examples = store.examples()
        finally:
            if owned:
                store.close()
        if not patterns or not len(examples.ids):
            raise RuntimeError("the pattern store is empty: run `autodevops ingest` first")
        config = ModelConfig.load(settings.tuned_config_path)
        history = {p.id: p.success_rate for p in patterns}
        matcher = PatternMatcher(**config.params, history=history, symptoms=symptoms_of(patterns))
        matcher.fit(examples.vectors, examples.pattern_ids)
        # Queries must be embedded by the encoder that embedded the stored examples.
        variant = max(set(examples.encoders), key=examples.encoders.count).rsplit("/", 1)[-1]
        encoder = CachedEncoder(load_encoder(variant, settings.encoder_dir), settings.embedding_cache_path)
        advisor = None
        if settings.groq_api_key:  # unset key: no client is built, no request is ever made
            from autodevops.corpus import Taxonomy
            from autodevops.llm import GroqAdvisor

            advisor = GroqAdvisor(settings.groq_api_key, settings.groq_model, Taxonomy.load().patterns,
                                  settings.groq_base_url)
        return cls(matcher, patterns, encoder, config.calibrator(), config, advisor)

    def analyze_batch(self, items: Sequence[LogInput]) -> list[Analysis]:
        """Analyze a batch of logs; unreadable inputs come back with ``error`` set, in input order."""
        readable = [item for item in items if item.text is not None]
        docs = featurize([item.text for item in readable], self.extractor, self.encoder)
        decisions = self.matcher.decide(docs)
        if self.calibrator is not None and decisions:
            confidence = self.calibrator.predict_proba([d.score for d in decisions],
                                                       [not d.abstained for d in decisions])
        else:
            confidence = [min(max(d.score, 0.0), 1.0) for d in decisions]
        by_id = {}
        for item, doc, decision, conf in zip(readable, docs, decisions, confidence):
            answer = None
            if decision.abstained and self.advisor is not None:
                answer = self._ask_llm(item.id, [line.text for line in doc.extraction.lines])
            result = answer or self._analysis(item.id, doc, decision, float(conf))
            by_id[id(item)] = replace(result, analysis_id=analysis_id_of(item.text), truncated=item.truncated)
        return [by_id.get(id(item)) or Analysis(item.id, None, None, 0.0, "none", (), None, error=item.error,
                                                truncated=item.truncated)
                for item in items]

    def _analysis(self, log_id: str, doc, decision, confidence: float) -> Analysis:
        if decision.abstained:
            return Analysis(log_id, None, None, confidence, "none", decision.matched_lines, None,
                            raw_score=decision.score, alternatives=decision.ranking)
        pattern = self.patterns[decision.pattern_id]
        solution = self._solution(pattern, doc, decision)
        return Analysis(log_id, pattern.id, pattern.category, confidence, "pattern", decision.matched_lines,
                        solution, raw_score=decision.score, alternatives=decision.ranking)

    def _solution(self, pattern: PatternRow, doc, decision) -> dict:
        """The solution object of one answered log (CONTRACT.md)."""
        # Contract order (stores may hand JSON back with sorted keys); the learned success rate wins.
        solution = {key: pattern.solution.get(key) for key in SOLUTION_KEYS}
        solution["success_rate"] = round(pattern.success_rate, 4)
        return solution

    def _ask_llm(self, log_id: str, lines: list[str]) -> Analysis | None:
        answer = self.advisor.advise(lines) if self.advisor is not None else None
        if answer is None:
            return None
        pattern = self.patterns.get(answer.pattern_id or "")
        solution = {"title": answer.title, "steps": [f"{i}. {step}" for i, step in enumerate(answer.steps, 1)],
                    "commands": answer.commands, "estimated_minutes": answer.estimated_minutes,
                    "success_rate": round(pattern.success_rate, 4) if pattern else None, "references": []}
        return Analysis(log_id, pattern.id if pattern else None, pattern.category if pattern else None,
                        LLM_CONFIDENCE, "llm", tuple(lines[:5]), solution)

    def analyze(self, items: Iterable[LogInput], batch_size: int = 256) -> Iterator[Analysis]:
        """Stream analyses in input order, batch by batch, so memory does not grow with the input."""
        batch: list[LogInput] = []
        for item in items:
            batch.append(item)
            if len(batch) >= batch_size:
                yield from self.analyze_batch(batch)
                batch = []
        if batch:
            yield from self.analyze_batch(batch)
