"""The taught-example memory: the nearest close-enough correction answers, otherwise it has no opinion."""
import numpy as np

from autodevops.models.taught import TaughtMemory


def unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_the_nearest_taught_example_answers_only_when_close_enough():
    memory = TaughtMemory(min_similarity=0.9).fit(np.stack([unit(1, 0, 0), unit(0, 1, 0)]),
                                                  ["runtime.permission_denied", "unknown"])
    near_first, between, near_unknown = unit(1, 0.2, 0), unit(1, 1, 0), unit(0.1, 1, 0)
    assert memory.predict(np.stack([near_first, between, near_unknown])) == [
        ("runtime.permission_denied", round(float(near_first[0]), 4)), None, ("unknown", round(float(near_unknown[1]), 4))]


def test_no_taught_examples_or_an_empty_log_mean_no_opinion():
    assert TaughtMemory().fit(np.zeros((0, 3), np.float32), []).predict(np.stack([unit(1, 0, 0)])) == [None]
    memory = TaughtMemory(min_similarity=-1.0).fit(np.stack([unit(1, 0, 0)]), ["x.y"])
    assert memory.predict(np.zeros((1, 3), np.float32)) == [None]  # a log without failure lines has a zero vector
    assert memory.predict(np.zeros((0, 3), np.float32)) == []
