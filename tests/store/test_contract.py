"""One contract for every pattern store: DuckDB, MariaDB and TiDB (when TIDB_DSN is set)."""
from __future__ import annotations

import numpy as np
import pytest

from autodevops.store.base import ExampleRow, PatternRow, ReadOnlyStoreError, UpsertCounts

STORE_NAME = {"duckdb": "embedded", "mariadb": "mysql", "tidb": "tidb"}


def axis(*indices: int, scale: float = 1.0) -> np.ndarray:
    """A 384-d vector with ``scale`` at the given indices (cosine only looks at direction)."""
    v = np.zeros(384, dtype=np.float32)
    v[list(indices)] = scale
    return v


def pattern(pid: str, digest: str, category: str = "docker", title: str = "Port in use", success_rate: float = 0.8,
            vector: np.ndarray | None = None) -> PatternRow:
    return PatternRow(pid, digest, category, title, {"strong": [f"{pid} failed"]},
                      {"title": title, "steps": ["free the port"], "commands": ["lsof -i :80"]},
                      axis(0) if vector is None else vector, success_rate)


def example(eid: str, pid: str, vector: np.ndarray, digest: str | None = None,
            category: str | None = "docker") -> ExampleRow:
    return ExampleRow(eid, digest or f"hash-{eid}", pid, category, f"corpus/{eid}.log", f"template of {eid}",
                      "minilm-onnx", vector)


def three_examples() -> list[ExampleRow]:
    return [example("e-x", "p.x", axis(0)), example("e-xy", "p.xy", axis(0, 1, scale=3.0)),
            example("e-y", "p.y", axis(1))]


def test_upsert_patterns_counts_new_unchanged_updated(store_opener):
    store = store_opener()
    assert store.upsert_patterns([pattern("a", "h1"), pattern("b", "h2")]) == UpsertCounts(new=2)
    assert store.upsert_patterns([pattern("a", "h1"), pattern("b", "h2")]) == UpsertCounts(unchanged=2)
    counts = store.upsert_patterns([pattern("a", "h1"), pattern("b", "h2-changed", title="Port busy"),
                                    pattern("c", "h3")])
    assert counts == UpsertCounts(new=1, updated=1, unchanged=1)
    assert [(p.id, p.content_hash, p.title) for p in store.patterns()] == [
        ("a", "h1", "Port in use"), ("b", "h2-changed", "Port busy"), ("c", "h3", "Port in use")]


def test_patterns_round_trip_every_field(store_opener):
    store = store_opener()
    row = pattern("docker.port", "h1", category="docker", vector=axis(3, scale=0.5), success_rate=0.7)
    store.upsert_patterns([row])
    [back] = store.patterns()
    assert (back.id, back.content_hash, back.category, back.title) == ("docker.port", "h1", "docker", "Port in use")
    assert back.error_patterns == row.error_patterns
    assert back.solution == row.solution
    assert back.success_rate == 0.7 and back.usage_count == 0
    assert back.embedding.dtype == np.float32 and np.array_equal(back.embedding, row.embedding)


def test_pattern_update_keeps_learned_success_rate_and_usage(store_opener):
    store = store_opener()
    store.upsert_patterns([pattern("a", "h1", success_rate=0.8)])
    assert store.record_feedback("a", 1.0) == pytest.approx(0.81, abs=1e-12)
    # The catalog's new definition carries its default rate: the learned one must win.
    assert store.upsert_patterns([pattern("a", "h1-new", title="New title", success_rate=0.5)]) == UpsertCounts(
        updated=1)
    [p] = store.patterns()
    assert (p.title, p.content_hash, p.usage_count) == ("New title", "h1-new", 1)
    assert p.success_rate == pytest.approx(0.81, abs=1e-12)


def test_upsert_examples_is_idempotent_and_counts_exactly(store_opener):
    store = store_opener()
    rows = three_examples()
    assert store.upsert_examples(rows) == UpsertCounts(new=3)
    assert store.upsert_examples(rows) == UpsertCounts(unchanged=3)
    assert store.stats()["examples"] == 3
    changed = [rows[0], example("e-xy", "p.other", axis(2), digest="hash-e-xy-v2"), rows[2], example("e-z", "p.z", axis(5))]
    assert store.upsert_examples(changed) == UpsertCounts(new=1, updated=1, unchanged=2)
    matrix = store.examples()
    assert matrix.ids == ["e-x", "e-xy", "e-y", "e-z"]
    assert matrix.pattern_ids == ["p.x", "p.other", "p.y", "p.z"]
    assert np.array_equal(matrix.vectors[1], axis(2))


def test_upsert_of_nothing_counts_nothing(store_opener):
    store = store_opener()
    assert store.upsert_examples([]) == UpsertCounts()
    assert store.upsert_patterns([]) == UpsertCounts()


def test_examples_matrix_shape_ids_and_vectors(store_opener):
    store = store_opener()
    store.upsert_examples(list(reversed(three_examples())))
    matrix = store.examples()
    assert matrix.vectors.shape == (3, 384) and matrix.vectors.dtype == np.float32
    assert matrix.ids == ["e-x", "e-xy", "e-y"]
    assert matrix.pattern_ids == ["p.x", "p.xy", "p.y"]
    assert matrix.encoders == ["minilm-onnx"] * 3
    assert np.array_equal(matrix.vectors, np.stack([axis(0), axis(0, 1, scale=3.0), axis(1)]))


def test_empty_store_has_an_empty_matrix(store_opener):
    store = store_opener()
    matrix = store.examples()
    assert matrix.vectors.shape == (0, 384) and matrix.ids == [] and matrix.pattern_ids == []


def test_a_read_only_open_reads_what_was_written_and_refuses_every_write(store_opener):
    writer = store_opener()
    writer.upsert_patterns([pattern("p.x", "h1")])
    writer.upsert_examples(three_examples())
    writer.close()  # DuckDB lets one process hold a file either read-write or read-only, not both
    reader = store_opener(read_only=True)
    assert [p.id for p in reader.patterns()] == ["p.x"]
    assert reader.examples().ids == ["e-x", "e-xy", "e-y"]
    for write in (lambda: reader.upsert_patterns([pattern("p.y", "h2")]),
                  lambda: reader.upsert_examples([example("e-z", "p.x", axis(2))]),
                  lambda: reader.record_feedback("p.x", 1.0)):
        with pytest.raises(ReadOnlyStoreError, match="read-only"):
            write()
    assert (reader.stats()["patterns"], reader.stats()["examples"]) == (1, 3)


def test_record_feedback_follows_the_learning_rule(store_opener):
    store = store_opener()
    store.upsert_patterns([pattern("a", "h1", success_rate=0.8)])
    assert store.record_feedback("a", 1.0) == pytest.approx(0.81, abs=1e-12)
    assert store.record_feedback("a", 0.0) == pytest.approx(0.81 - 0.05 * 0.81, abs=1e-12)
    [p] = store.patterns()
    assert p.success_rate == pytest.approx(0.7695, abs=1e-12)
    assert p.usage_count == 2


@pytest.mark.parametrize("outcome", [-0.01, 1.5, float("nan")])
def test_record_feedback_rejects_outcomes_outside_0_1(store_opener, outcome):
    store = store_opener()
    store.upsert_patterns([pattern("a", "h1", success_rate=0.8)])
    with pytest.raises(ValueError, match="between 0 and 1"):
        store.record_feedback("a", outcome)
    [p] = store.patterns()
    assert (p.success_rate, p.usage_count) == (0.8, 0)


def test_record_feedback_for_an_unknown_pattern_raises_key_error(store_opener):
    store = store_opener()
    store.upsert_patterns([pattern("a", "h1")])
    with pytest.raises(KeyError, match="nope"):
        store.record_feedback("nope", 1.0)
    # The failed call must not leave a transaction open that blocks the next one.
    assert store.record_feedback("a", 1.0) == pytest.approx(0.81, abs=1e-12)


def test_stats_counts_per_category(store_opener):
    store = store_opener()
    store.upsert_patterns([pattern("d1", "h", "docker"), pattern("d2", "h", "docker"), pattern("k1", "h", "k8s")])
    store.upsert_examples([example("e1", "d1", axis(0)), example("e2", "k1", axis(1), category="k8s"),
                           example("e3", "k1", axis(2), category="k8s"), example("e4", "x", axis(3), category=None)])
    assert store.stats() == {
        "store": STORE_NAME[store_opener.backend], "patterns": 3, "examples": 4,
        "per_category": {"docker": {"patterns": 2, "examples": 1}, "k8s": {"patterns": 1, "examples": 2},
                         "unknown": {"patterns": 0, "examples": 1}}, "taught": {}}


def test_everything_persists_after_close_and_reopen(store_opener):
    store = store_opener()
    store.upsert_patterns([pattern("a", "h1", success_rate=0.8)])
    store.upsert_examples(three_examples())
    store.record_feedback("a", 1.0)
    before = store.stats()
    store.close()
    again = store_opener()
    assert again.stats() == before
    [p] = again.patterns()
    assert (p.success_rate, p.usage_count) == (pytest.approx(0.81, abs=1e-12), 1)
    assert again.examples().ids == ["e-x", "e-xy", "e-y"]
    assert again.upsert_examples(three_examples()) == UpsertCounts(unchanged=3)
