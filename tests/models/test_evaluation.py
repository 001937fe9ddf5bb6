"""Out-of-fold decisions see only the other folds' examples, through every path of the matcher."""
import numpy as np

from autodevops.features.document import LogFeatures
from autodevops.features.extract import Extraction, FailureLine
from autodevops.features.signals import SignalHit
from autodevops.models.evaluation import cross_val_decisions, fold_ids

PARAMS = {"w_similarity": 0.4, "w_keyword": 0.35, "w_history": 0.25, "max_distance": 0.3, "k": 1,
          "min_score": 0.0, "root_cause_margin": 0.05}


def doc(vector: np.ndarray, label: str) -> LogFeatures:
    """A one-line log whose line carries a strong signal for ``label``."""
    line = FailureLine(0, "boom", "boom", 3.0)
    extraction = Extraction((line,), {label: SignalHit(label, 1.0, 0, (0,))}, 1)
    return LogFeatures(extraction, vector, vector[None, :])


def test_a_log_never_matches_its_own_example():
    vectors = np.eye(8, 384, dtype=np.float32)  # orthogonal: a log is similar only to itself
    labels = ["a.x", "a.x", "a.x", "b.y", "b.y", "b.y", "a.x", "b.y"]
    docs = [doc(v, y) for v, y in zip(vectors, labels)]
    decisions = cross_val_decisions(docs, labels, PARAMS, {"history": {}}, fold_ids(labels, 2))
    assert [d.similarity for d in decisions] == [0.0] * 8
    assert all(d.abstained for d in decisions)  # distance 1.0 is never under the threshold
