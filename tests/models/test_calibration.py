import numpy as np
import pytest

from autodevops.models.calibration import ConfidenceCalibrator, expected_calibration_error
from autodevops.models.evaluation import confusions, fold_ids, metrics, per_category


def test_isotonic_calibration_is_monotone_and_fits_frequencies():
    rng = np.random.default_rng(0)
    scores = rng.uniform(0, 1, 2000)
    correct = rng.uniform(0, 1, 2000) < scores  # P(right | score) = score
    cal = ConfidenceCalibrator().fit(scores, np.ones(2000, bool), correct)
    p = cal.predict_proba([0.1, 0.5, 0.9], [True, True, True])
    assert p[0] <= p[1] <= p[2]
    assert abs(p[1] - 0.5) < 0.1 and abs(p[2] - 0.9) < 0.1
    confidence = cal.predict_proba(scores, np.ones(2000, bool))
    assert expected_calibration_error(confidence, correct) < expected_calibration_error(np.full(2000, 0.95), correct)


def test_calibration_round_trips_through_json_dict():
    cal = ConfidenceCalibrator().fit([0.1, 0.2, 0.8, 0.9] * 5, [True] * 20, [False, False, True, True] * 5)
    again = ConfidenceCalibrator.from_dict(cal.to_dict())
    assert np.array_equal(again.predict_proba([0.15, 0.85], [True, True]), cal.predict_proba([0.15, 0.85], [True, True]))


def test_too_few_samples_fall_back_to_the_base_rate():
    cal = ConfidenceCalibrator(min_samples=10).fit([0.2, 0.9], [False, False], [True, False])
    assert list(cal.predict_proba([0.0, 1.0], [False, False])) == [0.5, 0.5]


def test_ece_of_a_perfectly_calibrated_set_is_zero():
    assert expected_calibration_error([0.5, 0.5, 1.0], [True, False, True]) == 0.0
    assert expected_calibration_error([1.0, 1.0], [False, False]) == 1.0


def test_metrics_count_abstentions_the_right_way():
    labels = ["docker.a", "docker.b", "network.c", "unknown", "unknown"]
    predicted = ["docker.a", "docker.a", None, None, "network.c"]
    m = metrics(predicted, labels)
    assert m["top1"] == round(1 / 3, 4)
    assert m["category_accuracy"] == round(2 / 3, 4)
    assert m["unknown_abstention"] == 0.5
    assert m["false_abstention"] == round(1 / 3, 4)
    assert m["coverage"] == 0.6
    assert m["precision"] == round(1 / 3, 4)
    assert m["accuracy"] == 0.4
    rows = {r["category"]: r for r in per_category(predicted, labels)}
    assert rows["docker"]["support"] == 2 and rows["docker"]["category_accuracy"] == 1.0
    assert confusions(predicted, labels)[0][2] == 1


def test_folds_are_stratified_and_deterministic():
    labels = ["a"] * 10 + ["b"] * 5
    f = fold_ids(labels, 5, seed=1)
    assert np.array_equal(f, fold_ids(labels, 5, seed=1))
    assert sorted(f[:10].tolist()) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert sorted(f[10:].tolist()) == [0, 1, 2, 3, 4]


def test_each_domain_with_enough_answers_gets_its_own_map():
    rng = np.random.default_rng(1)
    scores = rng.uniform(0.5, 1.0, 400)
    domains = np.array(["ci"] * 200 + ["plain"] * 200)
    # The same scores are right far less often in whole CI jobs than in pasted excerpts.
    correct = np.where(domains == "ci", rng.uniform(size=400) < 0.5, rng.uniform(size=400) < 0.95)
    cal = ConfidenceCalibrator().fit(scores, np.ones(400, bool), correct, domains)
    ci, plain = cal.predict_proba([0.8, 0.8], [True, True], ["ci", "plain"])
    assert abs(ci - 0.5) < 0.15 and abs(plain - 0.95) < 0.1
    again = ConfidenceCalibrator.from_dict(cal.to_dict())
    assert np.array_equal(again.predict_proba([0.8], [True], ["ci"]), cal.predict_proba([0.8], [True], ["ci"]))


def test_a_domain_with_few_answers_uses_the_pooled_map():
    scores = [0.9] * 30 + [0.9] * 5
    cal = ConfidenceCalibrator(min_domain=20).fit(scores, [True] * 35, [True] * 30 + [False] * 5,
                                                  ["plain"] * 30 + ["ci"] * 5)
    assert set(cal.domains_) == {"plain"}
    assert cal.predict_proba([0.9], [True], ["ci"])[0] == pytest.approx(30 / 35)  # pooled: 30 of 35 right
    assert cal.predict_proba([0.9], [True], ["plain"])[0] == 1.0
