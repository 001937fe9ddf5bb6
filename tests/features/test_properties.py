"""Properties over any input (hypothesis): normalising and extracting never raise, normalising is idempotent,
and the analyzer returns exactly one record per input, in input order."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autodevops.analyzer import LogInput
from autodevops.features.normalize import clean_line, normalize_line, normalize_log
from autodevops.inputs import decode

# Pieces real logs are made of, so the examples reach the masks and prefixes, not only random code points.
PIECES = st.sampled_from([
    "2024-03-05T10:11:12.123Z ", "2024/03/05 10:11:12 ", "10:11:12", "Mar  5 10:11:12 ", "I0305 10:11:12.123456 1 a.go:12] ",
    "1709633472 ", "[10:11:12] ", "ERROR", " failed", ": ", "|", "-", "\x1b[31m", "\x1b[0m", "\x1b]8;;http://x\x07", "\x1b",
    "\r", "\n", "\t", " ", "/usr/lib/", "//", "~/", "../", ".../", "docker.sock", "web-7f9c6d8b5-x2x9q",
    "0a1b2c3d4e", "sha256:0123456789abcdef", "3fa85f64-5717-4562-b3fc-2c963f66afa6", "10.0.3.7", "::1", "fe80::1:2:3",
    "5432", "1.2.3", "42", "<NUM>", "<TS>", "<IP>", "\x00", "\ufffd", "\u2028", "é", "🙂",
])
LOG_TEXT = st.one_of(st.text(), st.lists(PIECES, max_size=40).map("".join))
EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@EXAMPLES
@given(LOG_TEXT)
def test_normalising_a_line_never_raises_and_is_idempotent(text):
    once = normalize_line(text)
    assert normalize_line(once) == once
    assert "\x1b" not in clean_line(text)


@EXAMPLES
@given(LOG_TEXT)
def test_normalising_a_log_is_idempotent(text):
    once = normalize_log(text)
    assert normalize_log(once) == once


@EXAMPLES
@given(st.binary(max_size=2000))
def test_any_bytes_decode_and_normalise(data):
    text = decode(data)
    assert normalize_log(normalize_log(text)) == normalize_log(text)


@pytest.mark.parametrize("example", ["\x1b\x1bAA", "10:11:1210:11:120", "10:11:12:10:11:12a", "/usr/lib//usr/lib/0",
                                     "/usr/lib/~/usr/lib/0"])
def test_the_inputs_that_were_not_idempotent(example):
    once = normalize_line(example)
    assert normalize_line(once) == once


@EXAMPLES
@given(st.one_of(LOG_TEXT, st.binary(max_size=2000).map(decode)))
def test_extracting_never_raises(analyzer, text):
    extraction = analyzer.extractor.extract(text)
    assert len(extraction.lines) <= analyzer.extractor.max_lines


INPUTS = st.lists(st.tuples(st.booleans(), LOG_TEXT), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(INPUTS)
def test_one_record_per_input_in_order(analyzer, logs):
    items = [LogInput(f"log-{i}", text if readable else None, None if readable else "cannot read")
             for i, (readable, text) in enumerate(logs)]
    results = list(analyzer.analyze(items, batch_size=5))
    assert [r.id for r in results] == [item.id for item in items]
    assert [r.error for r in results] == [item.error for item in items]
    assert all(r.analysis_id is not None for r, item in zip(results, items) if item.text is not None)
