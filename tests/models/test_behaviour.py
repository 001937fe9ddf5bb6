"""Behavioural tests of the analyzer over the shipped corpus: minimum functionality, invariance, direction."""
from pathlib import Path

import pytest
import yaml

from autodevops.analyzer import LogInput

CANONICAL = yaml.safe_load((Path(__file__).parent / "canonical.yaml").read_text())
NOISE_BEFORE = [
    "Run actions/checkout@v4",
    "Syncing repository: acme/shop",
    "#7 [builder 3/6] RUN npm ci --omit=dev",
    "#7 12.31 added 842 packages in 11s",
    "Pulling fs layer 4f4fb700ef54",
    "deployment.apps/shop configured",
    "INFO  [main] o.s.b.StartupInfoLogger : Starting ShopApplication v1.4.2 using Java 17.0.9",
]
NOISE_AFTER = ["Cleaning up project directory and file based variables", "ERROR: Job failed: exit code 1"]


def analyze(analyzer, text: str):
    return analyzer.analyze_batch([LogInput("t", text)])[0]


@pytest.mark.parametrize("pattern_id", sorted(CANONICAL))
def test_canonical_message_is_recognised(analyzer, pattern_id):
    result = analyze(analyzer, CANONICAL[pattern_id])
    assert result.pattern_id == pattern_id, result.alternatives


def test_every_taxonomy_id_has_a_canonical_message(analyzer):
    assert sorted(CANONICAL) == sorted(analyzer.patterns)


@pytest.mark.parametrize("pattern_id", sorted(CANONICAL)[::5])
def test_noise_timestamps_and_colours_do_not_change_the_answer(analyzer, pattern_id):
    message = CANONICAL[pattern_id].splitlines()
    stamped = [f"\x1b[90m2025-01-{i + 10:02d}T08:{i:02d}:31.{i}12Z\x1b[0m {line}" for i, line in enumerate(
        NOISE_BEFORE + [f"\x1b[31m{m}\x1b[0m" for m in message] + NOISE_AFTER)]
    plain = analyze(analyzer, CANONICAL[pattern_id])
    noisy = analyze(analyzer, "\n".join(stamped))
    assert noisy.pattern_id == plain.pattern_id == pattern_id


def test_ids_and_addresses_do_not_change_the_answer(analyzer):
    a = analyze(analyzer, "Error response from daemon: Conflict. The container name \"/api\" is already in use by "
                          "container \"0d1e2f3a4b5c6d7e\". You have to remove (or rename) that container to be able to reuse that name.")
    b = analyze(analyzer, "Error response from daemon: Conflict. The container name \"/worker-7\" is already in use by "
                          "container \"9f8e7d6c5b4a3f2e\". You have to remove (or rename) that container to be able to reuse that name.")
    assert a.pattern_id == b.pattern_id == "docker.container_name_conflict"
    assert a.confidence == pytest.approx(b.confidence, abs=0.05)


def test_a_log_with_no_error_abstains(analyzer):
    result = analyze(analyzer, "\n".join(NOISE_BEFORE[:-1] + ["Deployment finished successfully in 42s"]))
    assert result.pattern_id is None and result.source == "none" and result.solution is None


def test_a_failing_unit_test_abstains(analyzer):
    result = analyze(analyzer, "=================================== FAILURES ===================================\n"
                               "_____________________________ test_discount_rounding _____________________________\n"
                               "    def test_discount_rounding():\n>       assert apply_discount(19.99, 0.15) == 16.99\n"
                               "E       assert 16.9915 == 16.99\ntests/test_pricing.py:14: AssertionError\n"
                               "=========================== short test summary info ============================\n"
                               "FAILED tests/test_pricing.py::test_discount_rounding - assert 16.9915 == 16.99")
    assert result.pattern_id is None


def test_more_evidence_gives_more_confidence(analyzer):
    one = analyze(analyzer, "FATAL:  sorry, too many clients already")
    more = analyze(analyzer, "FATAL:  sorry, too many clients already\n"
                             "org.postgresql.util.PSQLException: FATAL: remaining connection slots are reserved "
                             "for non-replication superuser connections\n"
                             "HikariPool-1 - Connection is not available, request timed out after 30000ms.")
    assert one.pattern_id == more.pattern_id == "database.too_many_connections"
    assert more.raw_score >= one.raw_score


def test_answer_carries_the_catalog_solution(analyzer):
    result = analyze(analyzer, CANONICAL["docker.daemon_unreachable"])
    assert result.source == "pattern" and result.category == "docker"
    assert result.solution["steps"][0].startswith("1. ")
    assert result.solution["commands"] and 0 < result.solution["success_rate"] <= 1
    assert 0.0 <= result.confidence <= 1.0
    assert result.matched_lines == ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
                                    "Is the docker daemon running?",)
