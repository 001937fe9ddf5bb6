"""The analyze pipeline, shared by the CLI's one-log path and the Prefect ``analyze`` flow.

Heavy things (encoder, example matrix, compiled signals) are loaded once in ``Analyzer.load`` and reused
for every batch.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from autodevops.features.document import featurize, stack
from autodevops.features.encoder import CachedEncoder, Encoder, load_encoder
from autodevops.features.extract import DEFAULT, FailureExtractor
from autodevops.features.signals import GuardCache, SignalMatcher
from autodevops.inputs import DEFAULT_BATCH_BYTES, batches
from autodevops.journal import failure_lines_of
from autodevops.model_config import ModelConfig
from autodevops.models.calibration import ConfidenceCalibrator, calibrated
from autodevops.models.line_weights import LineWeights, current_line_scorer
from autodevops.models.matcher import PatternMatcher
from autodevops.models.taught import TaughtMemory
from autodevops.models.remedy import Remedy, free_form
from autodevops.records import UNKNOWN, Analysis, LogInput
from autodevops.settings import Settings
from autodevops.store import open_store
from autodevops.store.base import TAUGHT, PatternRow, PatternStore

if TYPE_CHECKING:
    from autodevops.llm import GroqAdvisor


# A job whose CI says it passed: abstaining is right unless the CI's own verdict was misread.
PASSED_CONFIDENCE = 0.99
# No labelled data measures how often the LLM is right, so its answers carry an honest coin-flip.
LLM_CONFIDENCE = 0.5


def analysis_id_of(text: str) -> str:
    """A stable id for the analysis of one log text (what ``feedback --analysis-id`` names)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def signal_matcher(patterns: Sequence[PatternRow], guards: GuardCache | None = None) -> SignalMatcher:
    """The keyword signals of the stored patterns (their regexes' guards read from ``guards`` when given)."""
    return SignalMatcher({p.id: (p.error_patterns.get("strong", ()), p.error_patterns.get("weak", ())) for p in patterns},
                         guards)


def symptoms_of(patterns: Sequence[PatternRow]) -> frozenset[str]:
    """Patterns marked in the catalog as symptoms of other patterns."""
    return frozenset(p.id for p in patterns if p.error_patterns.get("role") == "symptom")


class Analyzer:
    """Turns logs into ``Analysis`` records: extract, embed (cached), match, calibrate, attach the solution."""

    def __init__(self, matcher: PatternMatcher, patterns: Sequence[PatternRow], encoder: Encoder,
                 calibrator: ConfidenceCalibrator | None = None, config: ModelConfig | None = None,
                 advisor: "GroqAdvisor | None" = None, line_scorer: "LineWeights | str | None" = DEFAULT,
                 memory: TaughtMemory | None = None, guards: GuardCache | None = None):
        self.matcher = matcher
        self.memory = memory
        self.patterns = {p.id: p for p in patterns}
        self.encoder = encoder
        self.calibrator = calibrator
        self.config = config or ModelConfig()
        self.extractor = FailureExtractor(signal_matcher(patterns, guards), scorer=line_scorer)
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
        taught = [i for i, origin in enumerate(examples.origins) if origin == TAUGHT]
        memory = TaughtMemory().fit(examples.vectors[taught], [examples.pattern_ids[i] for i in taught])
        return cls(matcher, patterns, encoder, config.calibrator(), config, advisor,
                   current_line_scorer(settings.line_scorer_path), memory, GuardCache(settings.signal_guards_path))

    def analyze_batch(self, items: Sequence[LogInput]) -> list[Analysis]:
        """Analyze a batch of logs; unreadable inputs come back with ``error`` set, in input order."""
        readable = [item for item in items if item.text is not None]
        docs = featurize([item.text for item in readable], self.extractor, self.encoder)
        decisions = self.matcher.decide(docs)
        confidence = calibrated(self.calibrator, decisions, docs)
        if self.memory is not None and docs:
            # A correction a person taught answers for the logs that closely resemble it (its similarity is
            # the confidence): one taught example barely moves a k-nearest mean.
            for i, hit in enumerate(self.memory.predict(stack(docs))):
                if hit is not None:
                    label, similarity = hit
                    decisions[i] = replace(decisions[i], pattern_id=None if label == UNKNOWN else label,
                                           best_candidate=label)
                    confidence[i] = similarity
        by_id = {}
        for item, doc, decision, conf in zip(readable, docs, decisions, confidence):
            answer = None
            structure = doc.extraction.structure
            if structure.passed:  # a job that passed has no failure to name, whatever its log says
                passed = Analysis(item.id, None, None, PASSED_CONFIDENCE, "none", (), None,
                                  analysis_id=analysis_id_of(item.text), job_status=structure.status,
                                  truncated=item.truncated)
                by_id[id(item)] = replace(passed, journal_lines=tuple(failure_lines_of(passed, item.text)))
                continue
            if decision.abstained and self.advisor is not None:
                answer = self._ask_llm(item.id, [line.text for line in doc.extraction.lines], item.text)
            result = answer or self._analysis(item.id, doc, decision, float(conf), item.text)
            by_id[id(item)] = replace(result, analysis_id=analysis_id_of(item.text), truncated=item.truncated,
                                      failed_step=structure.failed_step, job_status=structure.status,
                                      journal_lines=tuple(failure_lines_of(result, item.text)))
        return [by_id.get(id(item)) or Analysis(item.id, None, None, 0.0, "none", (), None, error=item.error,
                                                truncated=item.truncated)
                for item in items]

    def _analysis(self, log_id: str, doc, decision, confidence: float, text: str = "") -> Analysis:
        if decision.abstained:
            return Analysis(log_id, None, None, confidence, "none", decision.matched_lines, None,
                            raw_score=decision.score, alternatives=decision.ranking)
        pattern = self.patterns[decision.pattern_id]
        solution = self._solution(pattern, doc, decision, text)
        return Analysis(log_id, pattern.id, pattern.category, confidence, "pattern", decision.matched_lines,
                        solution, raw_score=decision.score, alternatives=decision.ranking)

    @cached_property
    def remedies(self) -> dict[str, Remedy]:
        """Each pattern's solution with its sub-cause evidence compiled, built on first use."""
        return {pid: Remedy.from_row(row) for pid, row in self.patterns.items()}

    def _solution(self, pattern: PatternRow, doc, decision, text: str = "") -> dict:
        """The solution object of one answered log (CONTRACT.md): sub-cause, contexts and the log's own names."""
        return self.remedies[pattern.id].render([line.text for line in doc.extraction.lines], text)

    def _ask_llm(self, log_id: str, lines: list[str], text: str = "") -> Analysis | None:
        answer = self.advisor.advise(lines) if self.advisor is not None else None
        if answer is None:
            return None
        pattern = self.patterns.get(answer.pattern_id or "")
        solution = free_form(answer.title, answer.steps, answer.commands, answer.estimated_minutes, lines, text,
                             pattern.success_rate if pattern else None, pattern.feedback_count if pattern else 0)
        return Analysis(log_id, pattern.id if pattern else None, pattern.category if pattern else None,
                        LLM_CONFIDENCE, "llm", tuple(lines[:5]), solution)

    def analyze(self, items: Iterable[LogInput], batch_size: int = 256,
                max_batch_bytes: int = DEFAULT_BATCH_BYTES) -> Iterator[Analysis]:
        """Stream analyses in input order, batch by batch, so memory does not grow with the input."""
        for batch in batches(items, batch_size, max_batch_bytes):
            yield from self.analyze_batch(batch)
