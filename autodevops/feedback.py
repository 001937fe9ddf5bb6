"""What people tell autodevops back: whether a solution worked, and which pattern a log really shows.

``record_outcome`` moves a pattern's success rate (``new = old + 0.05 * (outcome - old)``) and counts the
outcome, so the rate stops being shown as a prior. ``teach`` stores a log as a labelled example of a pattern
(``unknown`` teaches an abstention): extracted and embedded as ``ingest`` does, kept apart from the shipped
corpus (origin ``taught``, never overwritten by ``ingest``) and used by the next ``analyze`` with no retuning.
"""
from __future__ import annotations

from typing import Any

from autodevops.records import UNKNOWN, LabelledLog
from autodevops.redaction import redact
from autodevops.settings import Settings


def record_outcome(settings: Settings, pattern_id: str, outcome: float) -> dict[str, Any]:
    """Record whether the applied solution of ``pattern_id`` worked (0..1); the new rate and outcome count."""
    from autodevops.models.remedy import success_note
    from autodevops.store import open_store

    with open_store(settings) as store:
        rate = store.record_feedback(pattern_id, outcome)
        count = next(p.feedback_count for p in store.patterns() if p.id == pattern_id)
    return {"pattern_id": pattern_id, "outcome": outcome, "success_rate": round(rate, 4), "feedback_count": count,
            "success_rate_note": success_note(rate, count)}


def teach(settings: Settings, pattern_id: str, log_text: str | None = None,
          analysis_id: str | None = None) -> dict[str, Any]:
    """Store a log (or the failure lines of a journalled analysis) as a taught example of ``pattern_id``.

    Raises ``ValueError`` for an unknown pattern id, a log without any failure line, or not exactly one of
    ``log_text`` / ``analysis_id``; ``KeyError`` when the journal holds no analysis with that id.
    """
    from autodevops.analyzer import analysis_id_of, signal_matcher
    from autodevops.corpus import Taxonomy
    from autodevops.features.document import featurize
    from autodevops.features.encoder import CachedEncoder, load_encoder
    from autodevops.features.extract import FailureExtractor
    from autodevops.store import open_store
    from autodevops.store.base import TAUGHT
    from autodevops.store.rows import example_rows

    if (log_text is None) == (analysis_id is None):
        raise ValueError("teach needs exactly one of a log text or an analysis id")
    if pattern_id != UNKNOWN and pattern_id not in Taxonomy.load().patterns:
        raise ValueError(f"{pattern_id!r} is not a pattern id of the taxonomy (or 'unknown')")
    text = _journalled(settings, analysis_id) if analysis_id is not None else redact(log_text or "")
    # Keyed by the analysis id of the log, so teaching the same log again (either way) relabels one example.
    key = analysis_id if analysis_id is not None else analysis_id_of(log_text or "")
    record = LabelledLog(id=f"taught:{key}", log=text, pattern_id=pattern_id, split="taught")
    with open_store(settings) as store:
        patterns = store.patterns()
        examples = store.examples()
        if not patterns or not len(examples.ids):
            raise RuntimeError("the pattern store is empty: run `autodevops ingest` first")
        # Embedded by the encoder that embedded the stored examples, as the analyzer embeds its queries.
        variant = max(set(examples.encoders), key=examples.encoders.count).rsplit("/", 1)[-1]
        encoder = CachedEncoder(load_encoder(variant, settings.encoder_dir), settings.embedding_cache_path)
        try:
            [doc] = featurize([text], FailureExtractor(signal_matcher(patterns)), encoder)
        finally:
            encoder.close()
        if not doc.vector.any():  # nothing was embedded: the log shows no failure line
            raise ValueError("no failure line found in this log: there is nothing to learn from it")
        [row] = example_rows([record], [doc], encoder.name, origin=TAUGHT)
        counts = store.upsert_examples([row])
        taught = store.stats().get("taught", {})
    return {"pattern_id": pattern_id, "taught": True, "example_id": row.id, "new": counts.new == 1,
            "templates": list(doc.text.splitlines()),  # what was embedded: the failure lines, normalised
            "taught_examples": int(taught.get(pattern_id, 0))}


def _journalled(settings: Settings, analysis_id: str) -> str:
    from autodevops.journal import Journal

    if not settings.journal_path.exists():
        raise KeyError(f"no analysis {analysis_id!r}: the journal {settings.journal_path} does not exist yet")
    with Journal(settings.journal_path) as journal:
        entry = journal.get(analysis_id)
    if entry is None or not entry["failure_lines"]:
        raise KeyError(f"no analysis {analysis_id!r} in the journal {settings.journal_path}")
    return "\n".join(entry["failure_lines"])
