"""The matcher on tiny inline data with the real encoder: scoring, abstention, root cause, threshold."""
import numpy as np
import pytest

from autodevops.features.document import featurize
from autodevops.features.encoder import OnnxEncoder
from autodevops.features.extract import FailureExtractor
from autodevops.features.signals import SignalMatcher
from autodevops.models.matcher import SEED_PARAMS, PatternMatcher

RULES = {
    "database.connection_refused": (["port \\d+ failed: Connection refused"], ["Is the server running"]),
    "kubernetes.crash_loop_backoff": (["CrashLoopBackOff", "Back-off restarting failed container"], []),
    "docker.port_already_allocated": (["port is already allocated"], []),
}
TRAIN = [
    ("database.connection_refused", 'psycopg2.OperationalError: connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused'),
    ("database.connection_refused", "Error: connect ECONNREFUSED 127.0.0.1:5432 at TCPConnectWrap.afterConnect"),
    ("kubernetes.crash_loop_backoff", "Warning BackOff 3m kubelet Back-off restarting failed container api in pod api-1"),
    ("kubernetes.crash_loop_backoff", "api-7d9f 0/1 CrashLoopBackOff 7 (2m ago) 14m"),
    ("docker.port_already_allocated", "Error response from daemon: Bind for 0.0.0.0:80 failed: port is already allocated"),
    ("docker.port_already_allocated", "Error starting userland proxy: listen tcp4 0.0.0.0:8080: bind: address already in use"),
    ("unknown", "FAILED tests/test_api.py::test_create_user - AssertionError: assert 404 == 201"),
    ("unknown", "src/app.ts:12:5  error  'x' is assigned a value but never used  no-unused-vars"),
]


@pytest.fixture(scope="module")
def parts(encoder_dir):
    extractor = FailureExtractor(SignalMatcher.from_rules(RULES))
    encoder = OnnxEncoder(encoder_dir)
    docs = featurize([t for _, t in TRAIN], extractor, encoder)
    labels = [y for y, _ in TRAIN]
    X = np.stack([d.vector for d in docs])
    return extractor, encoder, X, labels


def matcher(parts, **params):
    _, _, X, labels = parts
    return PatternMatcher(**{**SEED_PARAMS, "k": 1, **params}).fit(X, labels)


def decide(parts, text, **params):
    extractor, encoder, _, _ = parts
    return matcher(parts, **params).decide(featurize([text], extractor, encoder))[0]


def test_fit_follows_the_estimator_contract(parts):
    m = PatternMatcher(k=2)
    assert m.get_params()["k"] == 2 and not hasattr(m, "classes_")
    assert m.fit(parts[2], parts[3]) is m
    assert list(m.classes_) == sorted(set(parts[3]))


def test_recognises_a_new_wording_of_a_known_pattern(parts):
    d = decide(parts, 'sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at '
                      '"postgres.internal" (10.2.3.4), port 5433 failed: Connection refused')
    assert d.pattern_id == "database.connection_refused"
    assert d.keyword == 1.0 and d.similarity > 0.7


def test_abstains_when_the_nearest_examples_are_unknown(parts):
    d = decide(parts, "FAILED tests/test_billing.py::test_invoice_total - AssertionError: assert 99 == 100")
    assert d.pattern_id is None and d.best_candidate == "unknown"


def test_a_log_with_no_error_abstains(parts):
    d = decide(parts, "Step 1/3 : FROM python:3.11\nSuccessfully built 3f2a\nDeployment complete")
    assert d.pattern_id is None and d.score == 0.0 and d.matched_lines == ()


def test_root_cause_beats_the_cascade_after_it(parts):
    log = "\n".join([
        '2024-03-05T10:00:01Z psycopg2.OperationalError: connection to server at "db" (10.0.0.9), port 5432 failed: Connection refused',
        "2024-03-05T10:00:01Z \tIs the server running on that host and accepting TCP/IP connections?",
        "2024-03-05T10:00:02Z api exited with code 1",
        "Warning BackOff 40s kubelet Back-off restarting failed container api in pod api-5",
        "api-5 0/1 CrashLoopBackOff 4 (30s ago) 3m",
    ])
    d = decide(parts, log)
    assert d.pattern_id == "database.connection_refused"
    assert d.matched_lines[0].startswith("psycopg2.OperationalError")


def test_the_distance_threshold_makes_it_abstain(parts):
    text = "Error response from daemon: Bind for 0.0.0.0:5000 failed: port is already allocated"
    assert decide(parts, text).pattern_id == "docker.port_already_allocated"
    assert decide(parts, text, max_distance=0.0).pattern_id is None


def test_more_evidence_gives_more_confidence(parts):
    bare = decide(parts, "ECONNREFUSED 127.0.0.1:5432")
    rich = decide(parts, "Error: connect ECONNREFUSED 127.0.0.1:5432\n"
                         'psycopg2.OperationalError: connection to server at "db", port 5432 failed: Connection refused')
    assert rich.score > bare.score


def test_historical_success_breaks_near_ties(parts):
    text = "Bind for 0.0.0.0:81 failed: port is already allocated"
    low = decide(parts, text, history={"docker.port_already_allocated": 0.1})
    high = decide(parts, text, history={"docker.port_already_allocated": 0.9})
    assert high.score - low.score == pytest.approx(0.25 * 0.8, abs=1e-6)
