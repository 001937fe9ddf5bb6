"""One contract for every pattern store: DuckDB, MariaDB (exact client-side search) and TiDB (when TIDB_DSN is set)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from autodevops.store.base import ExampleRow, Neighbour, PatternRow, UpsertCounts

STORE_NAME = {"duckdb": "embedded", "mariadb": "mysql", "tidb": "tidb"}
DIAGONAL = 1.0 - 1.0 / math.sqrt(2.0)  # cosine distance between an axis and the diagonal of two axes


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


def test_empty_store_has_an_empty_matrix_and_no_neighbours(store_opener):
    store = store_opener()
    assert store.examples().vectors.shape == (0, 384)
    assert store.search(np.stack([axis(0)]), 3) == [[]]


def test_search_returns_nearest_first_with_cosine_distance(store_opener):
    store = store_opener()
    store.upsert_examples(three_examples())
    [hits] = store.search(np.stack([axis(0, scale=7.0)]), 3)
    assert [(h.example_id, h.pattern_id) for h in hits] == [("e-x", "p.x"), ("e-xy", "p.xy"), ("e-y", "p.y")]
    assert [h.distance for h in hits] == pytest.approx([0.0, DIAGONAL, 1.0], abs=1e-6)
    assert all(isinstance(h, Neighbour) and isinstance(h.distance, float) for h in hits)


def test_search_limits_to_k_and_answers_each_query(store_opener):
    store = store_opener()
    store.upsert_examples(three_examples())
    results = store.search(np.stack([axis(0), axis(1)]), 1)
    assert [[h.example_id for h in hits] for hits in results] == [["e-x"], ["e-y"]]
    assert [len(hits) for hits in store.search(np.stack([axis(0)]), 10)] == [3]
    assert store.search(np.stack([axis(1)]), 2)[0][1].example_id == "e-xy"


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
                         "unknown": {"patterns": 0, "examples": 1}}}


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
