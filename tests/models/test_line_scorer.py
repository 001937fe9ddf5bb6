"""The learned line scorer: fitted on hand-marked reasons, scored with numpy only, kept as JSON."""
import numpy as np
import pytest

from autodevops.models.line_scorer import LineScorer, chunk_labels
from autodevops.models.line_weights import LineWeights, current_line_scorer

NOISE = ["Downloading package {} of 40", "Compiling module m{}", "ok {} tests passed", "Fetching dependency d{}"]


def region(i: int, reason: str) -> list[str]:
    lines = [NOISE[(i + j) % len(NOISE)].format(j) for j in range(30)]
    lines.insert(20 + i % 5, reason)
    return lines


REASONS = ["error: cannot find symbol Foo", "FAILED tests/test_a.py::test_b - AssertionError",
           "fatal error: 'x.h' file not found", "Error: Invalid CSS after \"a\": expected expression"]


def fitted() -> LineScorer:
    regions = [region(i, REASONS[i % len(REASONS)]) for i in range(16)]
    labels = [[line in REASONS for line in r] for r in regions]
    return LineScorer(C=1.0).fit(regions, labels)


def test_the_reason_line_ranks_first_in_an_unseen_region():
    scorer = fitted()
    lines = region(3, "error: cannot find symbol Bar")
    assert int(np.argmax(scorer.score_lines(lines))) == lines.index("error: cannot find symbol Bar")


def test_weights_round_trip_through_json_and_score_identically(tmp_path):
    scorer = fitted()
    scorer.save(tmp_path / "w.json")
    loaded = LineWeights.load(tmp_path / "w.json")
    lines = region(1, REASONS[1])
    assert np.allclose(loaded.score_lines(lines), scorer.score_lines(lines), atol=1e-4)
    assert current_line_scorer(tmp_path / "w.json").to_dict() == loaded.to_dict()


def test_weights_of_other_features_are_refused(tmp_path):
    data = fitted().weights_.to_dict()
    data["n_hash"] = 16
    with pytest.raises(ValueError, match="refit"):
        LineWeights.from_dict(data)


def test_estimator_contract():
    scorer = LineScorer(C=0.5)
    assert scorer.get_params() == {"C": 0.5, "max_iter": 3000}
    assert not hasattr(scorer, "weights_")
    assert scorer.fit([region(0, REASONS[0]), region(1, REASONS[1])],
                      [[l in REASONS for l in region(0, REASONS[0])], [l in REASONS for l in region(1, REASONS[1])]]) is scorer


def test_chunk_labels_ignore_colours_and_spacing_and_skip_short_lines():
    chunk = "\x1b[31mError:  Invalid CSS after x\x1b[0m\n  on line 3 of a.sass\nok"
    assert chunk_labels(["Error: Invalid CSS after x", "on line 3 of a.sass", "ok", "something else"], chunk) == \
        [True, True, False, False]


def test_an_empty_region_scores_nothing():
    assert fitted().score_lines([]).shape == (0,)
