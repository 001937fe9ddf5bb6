"""Real-log evaluation: repository-grouped folds and the reference scorer's figures, on tiny inline logs."""
import numpy as np

from autodevops.models.realworld import RealLog, chunk_hit, folds_by_repository, objective, real_metrics, wrapper_baseline

TRAVIS = ("travis_fold:start:install\r\n$ npm ci\r\nadded 10 packages\r\ntravis_fold:end:install\r\n"
          "travis_time:start:ab\r\n$ npm test\r\n{body}\r\ntravis_time:end:ab\r\n\r\n"
          'The command "npm test" exited with 1.\r\n\r\nDone. Your build exited with 1.\r\n')


def log(repo: str, i: int, label: str, body: str, chunk: str, also=()) -> RealLog:
    return RealLog(f"{repo}/{i}", repo, TRAVIS.format(body=body), chunk, label, tuple(also))


LOGS = [log("a", 0, "unknown", "x\n1 failing\nAssertionError: expected 1", "AssertionError: expected 1"),
        log("a", 1, "build.module_not_found", "Error: Cannot find module 'left-pad'", "Error: Cannot find module 'left-pad'"),
        log("b", 2, "unknown", "lint: 3 problems found", "lint: 3 problems found"),
        log("b", 3, "build.compilation_failed", "src/a.ts(3,1): error TS2322: bad", "src/a.ts(3,1): error TS2322: bad",
            also=["unknown"])]


def test_folds_keep_each_repository_together():
    folds = folds_by_repository(LOGS, n_folds=7)
    assert folds[0] == folds[1] and folds[2] == folds[3] and folds[0] != folds[2]
    assert sorted(set(folds.tolist())) == [0, 1]


def test_metrics_follow_the_reference_scorer():
    predicted = ["build.module_not_found", "build.module_not_found", None, None]
    evidence = [["x"], ["Error: Cannot find module 'left-pad'"], ["lint: 3 problems found"], ["unrelated line here"]]
    m = real_metrics(predicted, [0.9, 0.8, 0.0, 0.0], evidence, LOGS)
    assert m["n"] == 4 and m["n_known"] == 2 and m["n_unknown"] == 2 and m["answers"] == 2
    assert m["chunk_hit"] == 0.5  # "x" is shorter than 8 characters; log 3's line is not in its chunk
    assert m["precision"] == 0.5  # an answer on an unknown log counts as wrong
    assert m["top1_known"] == 0.5  # log 3 abstains: right by its alternate, but not a named pattern
    assert m["unknown_abstention"] == 0.5
    assert m["ece"] == 0.55  # bins 0.9 (wrong) and 0.8 (right): (0.9 + 0.2) / 2
    assert objective(m) == 0.5


def test_accepts_alternates_and_abstention_only_where_unknown_is_allowed():
    assert LOGS[3].accepts(None) and LOGS[3].accepts("build.compilation_failed")
    assert not LOGS[1].accepts(None) and LOGS[0].accepts(None)


def test_chunk_hit_ignores_colours_and_needs_eight_characters():
    assert chunk_hit(["\x1b[31mAssertionError: expected 1\x1b[0m"], LOGS[0])
    assert not chunk_hit(["expected"[:7]], LOGS[0])


def test_wrapper_baseline_keeps_the_lines_before_the_wrapper():
    kept = wrapper_baseline(LOGS[:1], lines=2)
    assert kept == [["1 failing", "AssertionError: expected 1"]]
    assert np.mean([chunk_hit(k, l) for k, l in zip(wrapper_baseline(LOGS), LOGS)]) == 1.0
