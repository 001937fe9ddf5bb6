"""SQL is parameterised everywhere: injection strings as ids, log text, pattern fields and feedback are stored
and read back verbatim, on DuckDB and on the real MariaDB, and every table survives."""
from __future__ import annotations

import numpy as np
import pytest

from autodevops.store.base import ExampleRow, PatternRow, UpsertCounts

INJECTIONS = [
    "x'); DROP TABLE deployment_patterns; --",
    "x\"; DROP TABLE pattern_examples; --",
    "' OR '1'='1",
    "1; DELETE FROM feedback WHERE 1=1 #",
    "\\'; TRUNCATE pattern_examples; -- \\",
    "%s %(id)s ? $1 :name {0}",
    "0x27 CHAR(39) /*!50000 UNION SELECT */ 1",
    "line\nwith\r\nnewlines\tand\x00nul",
    "ünïcødé 🙂 '\u2019",
]


def vector(i: int) -> np.ndarray:
    v = np.zeros(384, dtype=np.float32)
    v[i % 384] = 1.0
    return v


def hostile_patterns() -> list[PatternRow]:
    return [PatternRow(f"p.{i}{text}", f"hash-{i}", f"cat{text}", text, {"strong": [text], "weak": [text]},
                       {"title": text, "steps": [text], "commands": [text]}, vector(i), 0.5)
            for i, text in enumerate(INJECTIONS)]


def hostile_examples(patterns: list[PatternRow]) -> list[ExampleRow]:
    return [ExampleRow(f"e.{i}{p.title}", f"h-{i}", p.id, p.category, f"src/{p.title}", f"log text {p.title}",
                       f"enc{p.title}", vector(i)) for i, p in enumerate(patterns)]


def test_injection_strings_are_stored_verbatim_and_every_table_survives(store_opener):
    patterns = hostile_patterns()
    examples = hostile_examples(patterns)
    store = store_opener()
    assert store.upsert_patterns(patterns) == UpsertCounts(new=len(patterns))
    assert store.upsert_examples(examples) == UpsertCounts(new=len(examples))
    for p in patterns:
        store.record_feedback(p.id, 1.0)
    with pytest.raises(KeyError):
        store.record_feedback("' OR '1'='1' --", 0.0)  # matches no id: an injection would have matched them all
    store.close()

    store = store_opener()  # a fresh connection: everything was committed, nothing dropped
    stored = {p.id: p for p in store.patterns()}
    assert sorted(stored) == sorted(p.id for p in patterns)
    for p in patterns:
        got = stored[p.id]
        assert (got.category, got.title, got.error_patterns["strong"], got.solution["commands"]) == \
            (p.category, p.title, [p.title], [p.title])
        assert got.success_rate == pytest.approx(0.525)  # exactly one feedback each: 0.5 + 0.05 * (1 - 0.5)
    matrix = store.examples()
    assert sorted(matrix.ids) == sorted(e.id for e in examples)
    assert sorted(matrix.encoders) == sorted(e.encoder for e in examples)
    stats = store.stats()
    assert (stats["patterns"], stats["examples"]) == (len(patterns), len(examples))
    row = matrix.ids.index(examples[3].id)
    assert matrix.pattern_ids[row] == patterns[3].id and np.array_equal(matrix.vectors[row], vector(3))
