"""The catalog's solutions: sub-causes, verification, safety, the issue-11 review fixes, and the case files that
prove each sub-cause is selected by its evidence (tests/datasets/subcauses) and each signal fires where it must
(tests/features/signals)."""
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from autodevops.corpus import CorpusError, datasets_dir, load_catalog, load_subcause_cases
from autodevops.features.normalize import clean_line
from autodevops.features.signals import STRONG, SignalMatcher
from autodevops.models.remedy import FALLBACK, Remedy
from autodevops.models.remedy_evaluation import decisive_position

TESTS = Path(__file__).resolve().parents[1]
CASES = load_subcause_cases(TESTS / "datasets" / "subcauses")
SIGNAL_FILES = sorted((TESTS / "features" / "signals").glob("*.yaml"))
HIGH_VARIANCE = ("runtime.file_not_found", "network.address_in_use", "network.connection_refused",
                 "database.connection_refused", "network.connection_timeout", "network.tls_certificate_invalid",
                 "cloud.credentials_missing", "database.too_many_connections", "kubernetes.image_pull_backoff",
                 "kubernetes.crash_loop_backoff", "kubernetes.oom_killed", "runtime.out_of_memory")
PRINTS_SECRETS = re.compile(r"get\s+secrets?\b[^|]*-o\s*(?:=\s*)?(?:yaml|json|jsonpath|go-template)|base64\s+(?:-d|--decode)"
                            r"|\bprintenv\b|\bcat\s+\S*\.env\b|aws secretsmanager get-secret-value|vault kv get", re.I)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def solutions(pattern):
    """(where, steps, commands, verify) of the fallback and of every sub-cause."""
    s = pattern.solution
    yield "fallback", s.steps, s.commands, s.verify
    for sub in s.sub_causes:
        yield sub.id, sub.steps, sub.commands, sub.verify


def commands(catalog, pattern_id=None):
    for p in catalog.values():
        if pattern_id in (None, p.id):
            for where, _, cmds, _ in solutions(p):
                for c in cmds:
                    yield f"{p.id}/{where}", c


def texts(pattern):
    for _, steps, cmds, verify in solutions(pattern):
        yield from (s.text for s in steps)
        yield from (c.run for c in cmds)
        yield verify


# -- shape ----------------------------------------------------------------------------------------------------------

def test_every_entry_has_two_sub_causes_a_fallback_and_its_diagnostic(catalog):
    assert {p.id: len(p.solution.sub_causes) for p in catalog.values() if len(p.solution.sub_causes) < 2} == {}
    assert [p.id for p in catalog.values() if not p.solution.diagnostic] == []


def test_the_high_variance_entries_have_four_sub_causes(catalog):
    assert {pid: len(catalog[pid].solution.sub_causes) for pid in HIGH_VARIANCE
            if len(catalog[pid].solution.sub_causes) < 4} == {}


def test_every_solution_ends_by_verifying_the_fix(catalog):
    missing = [(p.id, where) for p in catalog.values() for where, steps, _, verify in solutions(p)
               if not verify or not re.search(r"(?i)\bverif", steps[-1].text)]
    assert missing == []


def test_every_sub_cause_names_its_sources(catalog):
    assert [(p.id, s.id) for p in catalog.values() for s in p.solution.sub_causes if not s.sources] == []


def test_destructive_commands_carry_a_warning_in_sub_causes_too(catalog):
    destructive = re.compile(r"\brm\s+-\w*[rf]|\bprune\b|\bdelete\b|\bdrop\s+(?:table|database)|--force(?![-\w])"
                             r"|\b(?:docker|podman)\s+(?:container\s+|image\s+|volume\s+)?(?:rm|rmi)\b"
                             r"|(?:^|[;&|]\s*)(?:sudo\s+)?(?:kill|pkill|killall)\s|reset --hard|force-unlock|\bdrain\b"
                             r"|pg_terminate_backend|\btruncate\b", re.I)
    # Removing a container the same command line just created (``docker create --name x ... docker rm x``) is tidy-up.
    own = re.compile(r"--name (\S+) .*\b(?:docker|podman) rm \1\b")
    assert [(where, c.run) for where, c in commands(catalog)
            if destructive.search(c.run) and not c.warning and not own.search(c.run)] == []


def test_no_command_prints_a_secret_value(catalog):
    assert [(where, c.run) for where, c in commands(catalog) if PRINTS_SECRETS.search(c.run)] == []


# -- the issue-11 review findings --------------------------------------------------------------------------------

def test_port_already_allocated_finds_the_host_port_not_the_container_port(catalog):
    runs = [c.run for _, c in commands(catalog, "docker.port_already_allocated")]
    assert "docker ps --format '{{.Names}} {{.Ports}}' | grep ':<port>->'" in runs
    assert not any("publish=" in run for run in runs)


def test_out_of_memory_uses_placeholders_and_warns_before_changing_a_limit(catalog):
    changing = [c for _, c in commands(catalog, "runtime.out_of_memory")
                if re.search(r"docker update --memory|set-property|MemoryMax=", c.run)]
    assert changing and all(c.warning for c in changing)
    assert not any(re.search(r"--memory(?:-swap)?[ =]\d|MemoryMax=\d", c.run) for c in changing)


@pytest.mark.parametrize("pattern_id", ["kubernetes.config_ref_missing", "database.auth_failed"])
def test_secret_references_are_described_never_printed(catalog, pattern_id):
    runs = [c.run for _, c in commands(catalog, pattern_id)]
    assert any(re.search(r"kubectl describe secret", run) for run in runs)
    assert not any(PRINTS_SECRETS.search(run) for run in runs)


def test_changing_a_role_password_warns_that_other_clients_break(catalog):
    changing = [c for _, c in commands(catalog, "database.auth_failed")
                if re.search(r"\\password|ALTER (?:USER|ROLE)\b.*(?:PASSWORD|IDENTIFIED)", c.run, re.I)]
    assert changing and all(c.warning and re.search(r"every other|break", c.warning) for c in changing)


def test_privileged_port_sysctl_warns_and_the_redundant_docker_sysctl_is_gone(catalog):
    runs = list(commands(catalog, "docker.privileged_port_denied"))
    host_wide = [c for _, c in runs if "ip_unprivileged_port_start" in c.run]
    assert host_wide and all(c.warning for c in host_wide)
    assert not any("--sysctl net.ipv4.ip_unprivileged_port_start" in c.run for _, c in runs)


def test_rbac_verbs_are_a_placeholder_and_cluster_wide_grants_warn(catalog):
    runs = [c for _, c in commands(catalog, "kubernetes.rbac_forbidden")]
    assert any("--verb=<verb>" in c.run for c in runs)
    grants = [c for c in runs if re.search(r"create clusterrolebinding", c.run)]
    assert grants and all(c.warning for c in grants)


def test_daemon_unreachable_no_longer_suggests_plain_tcp_without_tls(catalog):
    advice = re.compile(r"(?i)DOCKER_HOST=\S*:2375|TLS disabled|DOCKER_TLS_CERTDIR=(?:\"\"|''|\s|$)")
    assert [t for t in texts(catalog["docker.daemon_unreachable"]) if advice.search(t)] == []


def test_binfmt_install_warns_that_it_changes_the_host_kernel(catalog):
    installs = [c for _, c in commands(catalog) if re.search(r"binfmt.*--install", c.run)]
    assert installs and all(c.warning and re.search(r"(?i)kernel|host", c.warning) for c in installs)


def test_volume_prune_warning_is_right_for_engine_23(catalog):
    prunes = [c for _, c in commands(catalog) if "volume prune" in c.run]
    assert all(c.warning and re.search(r"(?i)anonymous|-a\b|--all", c.warning) for c in prunes)


def test_idle_session_timeout_warns_has_a_managed_alternative_and_leaked_sessions_include_idle_in_transaction(catalog):
    runs = [c for _, c in commands(catalog, "database.too_many_connections")]
    alter_system = [c for c in runs if "ALTER SYSTEM SET idle_in_transaction_session_timeout" in c.run]
    assert alter_system and all(c.warning for c in alter_system)
    assert any(re.search(r"aws rds modify-db-parameter-group|gcloud sql instances patch|az \w+ flexible-server", c.run)
               for c in runs)
    terminating = [c for c in runs if "pg_terminate_backend" in c.run]
    assert terminating and all("idle in transaction" in c.run for c in terminating)


def test_build_context_missing_file_shows_the_plain_compose_build(catalog):
    assert any("docker compose --progress=plain build" in c.run
               for _, c in commands(catalog, "docker.build_context_missing_file"))


def test_pod_evicted_ranks_by_usage_over_requests_then_priority(catalog):
    prose = " ".join(texts(catalog["kubernetes.pod_evicted"]))
    assert "BestEffort first" not in prose
    assert re.search(r"(?s)exceeds? (?:its |their )?requests.*priority", prose)


def test_patching_the_service_account_says_it_replaces_image_pull_secrets(catalog):
    merges = [c for _, c in commands(catalog, "kubernetes.image_pull_backoff")
              if "patch serviceaccount" in c.run and '"imagePullSecrets":[' in c.run]
    assert merges and all(c.warning and "replaces" in c.warning for c in merges)


def test_tls_required_tells_a_missing_client_host_from_missing_tls():
    remedy = Remedy("database.tls_required", load_catalog()["database.tls_required"].solution)
    plain = 'FATAL:  no pg_hba.conf entry for host "10.0.4.7", user "app", database "shop", no encryption'
    encrypted = 'FATAL:  no pg_hba.conf entry for host "10.0.4.7", user "app", database "shop", SSL encryption'
    assert remedy.render([plain])["sub_cause"]["id"] != remedy.render([encrypted])["sub_cause"]["id"]


# -- loading is strict: a broken entry is refused with its file named --------------------------------------------

@pytest.mark.parametrize(("change", "message"), [
    (lambda e: e["sub_causes"][0].update(evidence=["(unclosed"]), "bad evidence regex"),
    (lambda e: e["sub_causes"][1].update(id=e["sub_causes"][0]["id"]), "duplicate sub-cause id"),
    (lambda e: e["solution"].pop("verify"), "missing verify"),
    (lambda e: e["sub_causes"][0].pop("verify"), "missing verify"),
    (lambda e: e["sub_causes"][0].update(decisive=99), "decisive step 99"),
    (lambda e: e["solution"]["steps"].append({"text": "x", "when": ["mainframe"]}), "unknown context"),
    (lambda e: e["solution"]["steps"].append({"Set `optional": "true` on it"}), "a step became a mapping"),
])
def test_a_broken_entry_is_refused_naming_its_file(tmp_path, change, message):
    source = datasets_dir() / "catalog"
    shutil.copytree(source, tmp_path / "catalog")
    path = tmp_path / "catalog" / "network" / "address_in_use.yaml"
    entry = yaml.safe_load(path.read_text())
    change(entry)
    path.write_text(yaml.safe_dump(entry, sort_keys=False))
    with pytest.raises(CorpusError) as err:
        load_catalog(tmp_path / "catalog")
    assert len(err.value.problems) == 1
    assert err.value.problems[0].startswith("network/address_in_use.yaml: ") and message in err.value.problems[0]


# -- the case files (written by the catalog engineers) ------------------------------------------------------------

def test_every_sub_cause_and_every_fallback_has_a_case(catalog):
    covered = Counter((c.pattern, c.sub_cause or FALLBACK) for c in CASES)
    wanted = [(p.id, s.id) for p in catalog.values() for s in p.solution.sub_causes] + [(p, FALLBACK) for p in catalog]
    assert [key for key in wanted if not covered[key]] == []
    assert [key for key in covered if key not in set(wanted)] == []


@pytest.mark.parametrize("case", CASES, ids=[c.source for c in CASES])
def test_each_case_selects_its_sub_cause_with_the_decisive_step_first(catalog, case):
    lines = [line for line in (clean_line(raw) for raw in case.log.splitlines()) if line.strip()]
    out = Remedy(case.pattern, catalog[case.pattern].solution).render(lines, case.log)
    assert out["sub_cause"]["id"] == (case.sub_cause or FALLBACK)
    if case.sub_cause:
        assert out["sub_cause"]["evidence"] in lines
    position = decisive_position(case.decisive, out["steps"])
    assert position is not None and position <= 2, (case.decisive, out["steps"][:3])


SIGNAL_CASES = [(path.name, item) for path in SIGNAL_FILES for item in (yaml.safe_load(path.read_text()) or {}).get(
    "fires", [])]
SILENT_CASES = [(path.name, item) for path in SIGNAL_FILES for item in (yaml.safe_load(path.read_text()) or {}).get(
    "silent", [])]


@pytest.fixture(scope="module")
def signals(catalog):
    return SignalMatcher.from_patterns(catalog.values())


@pytest.mark.parametrize(("source", "case"), SIGNAL_CASES, ids=[f"{s}:{c['pattern']}" for s, c in SIGNAL_CASES])
def test_a_strong_signal_of_the_pattern_fires_on_its_wording(signals, source, case):
    strong = {pid for pid, strength in signals.scan_line(clean_line(case["line"])) if strength >= STRONG}
    assert case["pattern"] in strong, case["line"]


@pytest.mark.parametrize(("source", "case"), SILENT_CASES, ids=[f"{s}:{i}" for i, (s, _) in enumerate(SILENT_CASES)])
def test_no_strong_signal_fires_on_a_line_from_a_successful_run(signals, source, case):
    strong = [pid for pid, strength in signals.scan_line(clean_line(case["line"])) if strength >= STRONG]
    assert strong == [], case["line"]
