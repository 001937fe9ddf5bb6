"""The filled-in solution: sub-cause choice, environment contexts, placeholders quoted so no name can inject."""
import subprocess

import numpy as np
import pytest

from autodevops.features.environment import detect_contexts, log_sample
from autodevops.models.remedy import FALLBACK, Remedy, fill, free_form, success_note
from autodevops.records import Command, Solution, Step, SubCause
from autodevops.store.base import PatternRow

BOUND_TWICE = SubCause(
    id="bound_twice", title="The new release binds the same port twice",
    evidence=(r"\[::\]:\d+.*(?:localhost|127\.0\.0\.1):\d+",),
    steps=(Step("Check the bind settings of <service> before killing anything"), Step("Verify: curl the port")),
    commands=(Command("grep -rn ':<port>' /etc/<service>"),), verify="curl -fsS http://localhost:<port>/",
    sources=("uvicorn docs: settings (--host)",))
STALE = SubCause(
    id="stale_process", title="A stale instance still holds the port", evidence=(r"address already in use",),
    steps=(Step("Stop the stale process <pid>"), Step("Verify: ss shows the new process")),
    commands=(Command("kill <pid>", warning="Terminates the process that holds the port"),),
    verify="sudo ss -ltnp 'sport = :<port>'")
SOLUTION = Solution(
    title="Free the port", estimated_minutes=5, success_rate=0.9, references=("https://nginx.org/en/docs/",),
    steps=(Step("Find the owner of port <port>"),
           Step("Change the value in the chart's values and helm upgrade", when=("helm",)),
           Step("kubectl edit the Service", unless=("helm",)),
           Step("Verify: the port answers")),
    commands=(Command("sudo ss -ltnp 'sport = :<port>'"), Command("helm upgrade <release> <chart>", when=("helm",))),
    verify="curl -fsS http://<host>:<port>/", diagnostic="sudo ss -ltnp 'sport = :<port>'",
    sub_causes=(BOUND_TWICE, STALE))


def remedy(success_rate=None, feedback_count=0) -> Remedy:
    return Remedy("network.address_in_use", SOLUTION, success_rate, feedback_count)


def test_the_first_sub_cause_whose_evidence_matches_wins_and_says_why():
    lines = ["INFO: Uvicorn running on http://127.0.0.1:8000",
             "ERROR: [Errno 98] error while attempting to bind on address ('[::]:8000' and localhost:8000): "
             "address already in use"]
    out = remedy().render(lines)
    # Both sub-causes' evidence is in the line; the more specific one comes first in the catalog.
    assert out["sub_cause"] == {"id": "bound_twice", "evidence": lines[1]}
    assert out["title"] == BOUND_TWICE.title
    assert out["steps"][0] == "1. Check the bind settings of <service> before killing anything"
    assert out["commands"] == ["grep -rn ':8000' /etc/<service>", "curl -fsS http://localhost:8000/"]
    assert out["diagnostic"] is None
    assert out["references"] == ["uvicorn docs: settings (--host)", "https://nginx.org/en/docs/"]


def test_the_next_sub_cause_is_chosen_when_only_its_evidence_shows():
    out = remedy().render(['LISTEN 0 511 0.0.0.0:8080 users:(("node",pid=4242,fd=19))',
                           "Error: listen EADDRINUSE: address already in use :::8080"])
    assert out["sub_cause"]["id"] == "stale_process"
    assert out["commands"] == ["kill 4242  # WARNING: Terminates the process that holds the port",
                               "sudo ss -ltnp 'sport = :8080'"]
    assert out["filled"] == {"pid": "4242", "port": "8080"}


def test_no_evident_sub_cause_gives_the_fallback_and_its_diagnostic():
    out = remedy().render(["nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Something odd)"])
    assert out["sub_cause"] == {"id": FALLBACK, "evidence": None}
    assert out["title"] == "Free the port"
    assert out["diagnostic"] == "sudo ss -ltnp 'sport = :80'"
    assert out["steps"] == ["1. Find the owner of port 80", "2. kubectl edit the Service", "3. Verify: the port answers"]
    # The verify command closes the commands; the host is unknown, so its placeholder stays for the person.
    assert out["commands"] == ["sudo ss -ltnp 'sport = :80'", "curl -fsS http://<host>:80/"]


def test_helm_in_the_log_swaps_the_kubectl_step_for_the_chart_step():
    log = "+ helm upgrade --install shop ./chart -n payments\nError: something failed on port 8443\n"
    out = remedy().render(["Error: something failed on port 8443"], log)
    assert out["steps"][1] == "2. Change the value in the chart's values and helm upgrade"
    assert not any("kubectl edit" in s for s in out["steps"])
    assert "helm upgrade shop <chart>" in out["commands"]  # the release named by the echoed command


def test_verify_is_not_repeated_when_the_commands_already_hold_it():
    sub = SubCause("a", "A", ("boom",), (Step("do it"),), (Command("check <port>"),), verify="check <port>")
    out = Remedy("p.x", Solution("t", (Step("s"),), (), 1, 0.5, verify="v", sub_causes=(sub,))).render(["boom 9090"])
    assert out["commands"] == ["check <port>"]


def test_success_rate_is_a_prior_until_outcomes_arrive():
    assert remedy().render(["x"])["success_rate_note"] == "90 % prior, no outcomes yet"
    learned = remedy(success_rate=0.7234, feedback_count=14).render(["x"])
    assert (learned["success_rate"], learned["feedback_count"], learned["success_rate_note"]) == (
        0.7234, 14, "72 % from 14 outcomes")
    assert success_note(1.0, 1) == "100 % from 1 outcome"


def test_the_stored_solution_json_renders_the_same_as_the_catalog_record():
    row = PatternRow("network.address_in_use", "h", "network", "t", {}, SOLUTION.to_dict(),
                     np.zeros(384, np.float32), 0.9, 0, 0)
    lines = ["Error: listen EADDRINUSE: address already in use :::8080"]
    assert Remedy.from_row(row).render(lines, "log") == remedy(0.9).render(lines, "log")


def test_an_image_reference_with_its_tag_fills_image_colon_tag_once():
    assert fill("docker pull <image>:<tag>", {"image": "ghcr.io/acme/api:v2", "tag": "v2"}) == (
        "docker pull ghcr.io/acme/api:v2", {"image"})
    assert fill("docker pull <image>:<tag>", {"image": "ghcr.io/acme/api"}) == (
        "docker pull ghcr.io/acme/api:<tag>", {"image"})
    full = {"image": "registry.acme.io:5000/team/api:1.4", "tag": "1.4", "registry": "registry.acme.io:5000"}
    assert fill("crane ls <registry>/<image>:<tag>", full)[0] == "crane ls registry.acme.io:5000/team/api:1.4"
    assert fill("crane ls <registry>/<image>:<tag>", {"image": "team/api:1.4", "registry": "r.io"})[0] == (
        "crane ls r.io/team/api:1.4")


def test_prose_takes_only_values_that_need_no_quoting():
    assert fill("Describe pod <pod>", {"pod": "x; rm -rf /"}, shell=False) == ("Describe pod <pod>", set())
    assert fill("Describe pod <pod>", {"pod": "web-0"}, shell=False) == ("Describe pod web-0", {"pod"})


HOSTILE = ["x; touch PWNED", "$(touch PWNED)", "`touch PWNED`", "a'b\"c", "'; touch PWNED; '", "\"; touch PWNED; \"",
           "back\\slash", "two words", "$HOME", "-n payments", "*", "!!"]
TEMPLATES = ["printf '%s\\n' <pod>",
             "printf '%s\\n' \"<pod>\"",
             "printf '%s\\n' '<pod>'",
             "printf '%s\\n' \"pre-<pod>-post\"",
             "printf '%s\\n' 'pre-<pod>-post'",
             "printf '%s\\n' \"$(printf '%s' <pod>)\"",
             "printf '%s\\n' \"$(printf '%s' \"<pod>\")\""]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_name_is_one_literal_word_in_every_quoting_position(value, tmp_path):
    for template in TEMPLATES:
        command, filled = fill(template, {"pod": value})
        assert filled == {"pod"}, template
        result = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=10)
        expected = template.replace("printf '%s\\n' ", "").strip("'\"").replace("$(printf '%s' ", "").rstrip(")")
        expected = expected.strip("'\"").replace("<pod>", value)
        assert result.stdout == expected + "\n", (template, command, result.stdout, result.stderr)
        assert not (tmp_path / "PWNED").exists(), command


def test_inside_backticks_a_name_that_needs_quoting_is_not_filled():
    assert fill("echo `kubectl get pod <pod>`", {"pod": "`id`"}) == ("echo `kubectl get pod <pod>`", set())
    assert fill("echo `kubectl get pod <pod>`", {"pod": "web-0"}) == ("echo `kubectl get pod web-0`", {"pod"})


def test_contexts_are_read_from_the_failure_lines_and_a_bounded_sample():
    assert detect_contexts(["Error: UPGRADE FAILED: another operation is in progress"], "") == {"helm"}
    sample = log_sample("##[group]Run docker compose up -d\n" + "x\n" * 100_000 + "Error: boom\n")
    assert len(sample) < 70_000
    assert detect_contexts(["Error: boom"], sample) == {"ci", "compose"}
    assert detect_contexts(["FATAL: remaining connection slots are reserved"],
                           "host=shop.abc123.eu-west-1.rds.amazonaws.com") == {"managed_db"}
    assert detect_contexts(["Error: permission denied"], "all good") == frozenset()


def test_an_llm_answer_is_filled_from_the_log_like_a_catalog_one():
    out = free_form("Restart the pod", ["Delete the pod"], ["kubectl delete pod <pod> -n <namespace>"], 5,
                    ["Back-off restarting failed container api in pod web-7d9f8b6c5-x2x8q_shop(1)"])
    assert out["commands"] == ["kubectl delete pod web-7d9f8b6c5-x2x8q -n shop"]
    assert out["filled"] == {"namespace": "shop", "pod": "web-7d9f8b6c5-x2x8q"}
    assert out["sub_cause"] is None and out["success_rate"] is None and out["success_rate_note"] is None
