import random

from autodevops.features.extract import FailureExtractor
from autodevops.features.signals import SignalMatcher, combine

RULES = {
    "docker.port_already_allocated": (["port is already allocated"], ["driver failed programming"]),
    "kubernetes.crash_loop_backoff": (["CrashLoopBackOff"], []),
    "database.connection_refused": (["port 5432 failed: Connection refused"], []),
}


def extractor():
    return FailureExtractor(SignalMatcher.from_rules(RULES))


def noise(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    lines = ["Step {}/{} : RUN npm ci", "#{} [build {}/9] COPY . .", "Downloading layer {} {}%",
             "INFO rollout step {} of {} done", "  - installing package-{}=={}.0", "Compiling module {} ({} files)"]
    return [f"2024-03-05T10:{i // 60 % 60:02d}:{i % 60:02d}Z " + rng.choice(lines).format(i, rng.randint(1, 99))
            for i in range(n)]


def test_finds_the_error_buried_in_a_500_line_log():
    lines = noise(500)
    error = "Error response from daemon: driver failed programming external connectivity on endpoint web: " \
            "Bind for 0.0.0.0:8080 failed: port is already allocated"
    lines[437] = "2024-03-05T11:00:00Z " + error
    lines[438] = "Error: Process completed with exit code 1."
    result = extractor().extract("\n".join(lines))
    assert result.total_lines == 500
    assert result.lines[0].index == 437
    assert result.lines[0].text == error
    assert result.signals["docker.port_already_allocated"].strength == 1.0
    assert result.signals["docker.port_already_allocated"].first_line == 437


def test_wrapper_lines_score_below_the_real_error():
    log = "ERROR: Job failed: exit code 1\nnpm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree"
    lines = extractor().extract(log).lines
    scores = {l.text: l.score for l in lines}
    assert scores["ERROR: Job failed: exit code 1"] < scores["npm ERR! ERESOLVE unable to resolve dependency tree"]


def test_a_log_without_errors_has_no_failure_lines():
    result = extractor().extract("\n".join(noise(50)))
    assert result.lines == ()
    assert result.signals == {}


def test_continuation_line_is_kept_as_context():
    log = ('psycopg2.OperationalError: connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused\n'
           "\tIs the server running on that host and accepting TCP/IP connections?\nINFO shutting down")
    texts = [l.text for l in extractor().extract(log).lines]
    assert texts[1] == "Is the server running on that host and accepting TCP/IP connections?"


def test_root_cause_line_comes_first_in_signals():
    log = "\n".join(["db: port 5432 failed: Connection refused", "ok", "Back-off: CrashLoopBackOff"])
    signals = extractor().extract(log).signals
    assert signals["database.connection_refused"].first_line == 0
    assert signals["kubernetes.crash_loop_backoff"].first_line == 2


def test_weak_signals_add_up_but_stay_below_strong():
    hits = combine([(1, (("p", 0.4),)), (4, (("p", 0.4),)), (9, (("p", 0.4),))])
    assert hits["p"].strength == 0.8
    assert hits["p"].lines == (1, 4, 9)


def test_weak_signals_on_lines_that_report_no_failure_are_ignored():
    ex = FailureExtractor(SignalMatcher.from_rules({"docker.build_context_missing_file": (["COPY failed"], ["COPY "])}))
    benign = "\n".join(f"Step {i}/9 : COPY . /app" for i in range(1, 6))
    assert ex.extract(benign).signals == {}
    failing = benign + "\nCOPY failed: file not found in build context"
    assert ex.extract(failing).signals["docker.build_context_missing_file"].strength == 1.0
