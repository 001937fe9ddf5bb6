import random

import pytest

from autodevops.corpus import load_catalog
from autodevops.features.extract import FailureExtractor
from autodevops.features.line_features import error_count
from autodevops.features.normalize import strip_ansi
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
    assert result.structure.failed_step is None and result.structure.region == (0, 438)
    assert [l.text for l in result.lines if l.index == 437] == [error]
    assert result.lines[-1].text == "Error: Process completed with exit code 1."  # the wrapper closes the reason
    assert all(l.index < 439 for l in result.lines)
    assert set(result.signals) == {"docker.port_already_allocated"}
    assert result.signals["docker.port_already_allocated"].strength == 1.0
    assert result.signals["docker.port_already_allocated"].first_line == 437


def test_wrapper_lines_score_below_the_real_error():
    log = "npm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree\nERROR: Job failed: exit code 1"
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


# --- Whole CI logs (tests/features/conftest.py), the red herrings of real jobs and the runners' summaries.
# These use the real catalog's signals and the shipped line scorer, as the product does.

@pytest.fixture(scope="module")
def catalog_signals() -> SignalMatcher:
    return SignalMatcher.from_patterns(load_catalog().values())


@pytest.fixture(scope="module")
def real(catalog_signals) -> FailureExtractor:
    return FailureExtractor(catalog_signals)


def texts(extraction) -> list[str]:
    return [line.text for line in extraction.lines]


# name, the line that says why the job failed, a line of an earlier step that passed
REASONS = [
    ("github_failed", "● Cart › applies a percentage discount", "npm warn ERESOLVE overriding peer dependency"),
    ("github_web_failed", "Error: /home/runner/work/orders-api/orders-api/src/Orders.Api/Orders.Api.csproj : error "
     "NU1605: Detected package downgrade: Microsoft.Extensions.Logging from 8.0.0 to 7.0.0. Reference the package "
     "directly from the project to select a different version.", "ls: cannot access 'powershell*deb': No such file or directory"),
    ("gitlab_failed", "FAILED tests/test_invoice.py::test_invoice_total_includes_vat - assert 100 == 120",
     "Successfully installed certifi-2024.2.2 charset-normalizer-3.3.2 idna-3.7 psycopg2-binary-2.9.9 requests-2.31.0 "
     "urllib3-2.2.1"),
    ("travis_failed", "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:", "0 errors, 0 warnings"),
    ("jenkins_failed", "[ERROR]   BalanceTest.overdraftIsRejected:42 expected: <REJECTED> but was: <ACCEPTED>",
     "[INFO] You have 0 Checkstyle violations."),
    ("make_failed", "src/parser.c:57:5: error: 'argv_len' undeclared (first use in this function); did you mean 'argc'?",
     "configure: WARNING: libcurl not found, building without HTTP support"),
]


@pytest.mark.parametrize("name, reason, earlier", REASONS, ids=[r[0] for r in REASONS])
def test_failed_job_reason_is_read_from_the_failed_step_only(real, ci_logs, name, reason, earlier):
    extraction = real.extract(ci_logs[name])
    start = extraction.structure.region[0]
    assert extraction.structure.status == "failed"
    assert reason in texts(extraction)
    assert earlier not in texts(extraction)
    assert all(line.index >= start for line in extraction.lines)
    assert [line.index for line in extraction.lines] == sorted(line.index for line in extraction.lines)


@pytest.mark.parametrize("name", ["github_passed", "gitlab_passed", "travis_passed", "jenkins_passed"])
def test_passed_job_has_no_failure_reason_and_no_evidence(real, ci_logs, name):
    error_lines = [line for line in ci_logs[name].split("\n") if error_count(strip_ansi(line))]
    assert len(error_lines) >= 3  # error words in steps that passed, a retry, console output of tests
    extraction = real.extract(ci_logs[name])
    assert extraction.structure.status == "passed"
    assert extraction.lines == ()
    assert extraction.signals == {}


def travis_job(command: str, output: str, earlier: str = "") -> str:
    """A Travis log whose ``command`` printed ``output`` and failed, after ``earlier`` steps that passed."""
    return (f"travis_fold:start:worker_info\r\x1b[0K\x1b[33;1mWorker information\x1b[0m\nhostname: 1.worker-com-5f6d7c8b9\n"
            f"travis_fold:end:worker_info\r\x1b[0K\n{earlier}"
            f"travis_time:start:1f2e3d4c\r\x1b[0K$ {command}\n{output}\n"
            f"travis_time:end:1f2e3d4c:start=1714644683,finish=1714644690,duration=7,event=script\r\x1b[0K\n"
            f'\x1b[31;1mThe command "{command}" exited with 1.\x1b[0m\n\nDone. Your build exited with 1.')


def github_job(*steps: tuple[str, str]) -> str:
    """A downloaded Actions log of ``(command, output)`` steps; the last one failed."""
    body = "##[group]Run actions/checkout@v4\nwith:\n  fetch-depth: 1\n##[endgroup]\nSyncing repository: acme/app\n"
    for command, output in steps:
        body += f"##[group]Run {command}\n{command}\nshell: /usr/bin/bash -e {{0}}\n##[endgroup]\n{output}\n"
    body += "##[error]Process completed with exit code 1.\nPost job cleanup.\nCleaning up orphan processes"
    return "\n".join(f"2024-05-02T10:11:{i % 60:02d}.{1000000 + i}Z {line}" for i, line in enumerate(body.split("\n")))


# runner, command, its output, the lines that say why it failed
RUNNERS = [
    ("pytest", "python -m pytest", """\
============================= test session starts ==============================
platform linux -- Python 3.12.3, pytest-8.2.0, pluggy-1.5.0
rootdir: /home/travis/build/acme/billing
collected 11 items

tests/test_tax.py .                                                      [  9%]
tests/test_x.py .F........                                               [100%]

=================================== FAILURES ===================================
____________________________________ test_y ____________________________________

    def test_y():
>       assert total([1, 2]) == 4
E       assert 3 == 4
E        +  where 3 = total([1, 2])

tests/test_x.py:7: AssertionError
=========================== short test summary info ============================
FAILED tests/test_x.py::test_y - AssertionError: assert 3 == 4
========================= 1 failed, 10 passed in 2.30s =========================""",
     ["FAILED tests/test_x.py::test_y - AssertionError: assert 3 == 4",
      "========================= 1 failed, 10 passed in 2.30s ========================="]),
    ("surefire", "mvn -B verify", """\
[INFO] --- maven-surefire-plugin:3.2.5:test (default-test) @ ledger ---
[INFO] Running com.acme.ledger.BalanceTest
[ERROR] Tests run: 5, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.05 s <<< FAILURE! - in com.acme.ledger.BalanceTest
[ERROR] com.acme.ledger.BalanceTest.overdraftIsRejected  Time elapsed: 0.01 s  <<< FAILURE!
org.opentest4j.AssertionFailedError: expected: <REJECTED> but was: <ACCEPTED>
\tat com.acme.ledger.BalanceTest.overdraftIsRejected(BalanceTest.java:42)
[INFO]
[INFO] Results:
[INFO]
[ERROR] Failures:
[ERROR]   BalanceTest.overdraftIsRejected:42 expected: <REJECTED> but was: <ACCEPTED>
[INFO]
[ERROR] Tests run: 5, Failures: 1, Errors: 0, Skipped: 0
[INFO]
[INFO] ------------------------------------------------------------------------
[INFO] BUILD FAILURE
[INFO] ------------------------------------------------------------------------
[INFO] Total time:  14.212 s
[INFO] Finished at: 2024-05-02T10:12:13Z
[INFO] ------------------------------------------------------------------------
[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:3.2.5:test (default-test) on project ledger: There are test failures.
[ERROR]
[ERROR] Please refer to /home/travis/build/acme/ledger/target/surefire-reports for the individual test results.
[ERROR] -> [Help 1]""",
     ["[ERROR] Tests run: 5, Failures: 1, Errors: 0, Skipped: 0",
      "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:3.2.5:test (default-test) on "
      "project ledger: There are test failures."]),
    ("gradle", "./gradlew build", """\
> Task :app:compileJava
> Task :app:test

AppTest > greetsByName() FAILED
    org.opentest4j.AssertionFailedError at AppTest.java:14

3 tests completed, 1 failed

> Task :app:test FAILED

FAILURE: Build failed with an exception.

* What went wrong:
Execution failed for task ':app:test'.
> There were failing tests. See the report at: file:///home/travis/build/acme/app/app/build/reports/tests/test/index.html

* Try:
> Run with --scan to get full insights.

BUILD FAILED in 21s
4 actionable tasks: 4 executed""",
     ["FAILURE: Build failed with an exception.", "Execution failed for task ':app:test'."]),
    ("go test", "go test ./...", """\
go: downloading github.com/stretchr/testify v1.9.0
ok  \tgithub.com/acme/y/internal/store\t0.031s
--- FAIL: TestParseDuration (0.00s)
    parse_test.go:21: ParseDuration("1h30") = 1h0m0s, want 1h30m0s
FAIL
FAIL\tgithub.com/acme/y/internal/parse\t0.012s
?   \tgithub.com/acme/y/cmd/y\t[no test files]
FAIL""",
     ["--- FAIL: TestParseDuration (0.00s)", "FAIL\tgithub.com/acme/y/internal/parse\t0.012s"]),
    ("cargo", "cargo build --locked", """\
    Updating crates.io index
   Compiling libc v0.2.154
   Compiling serde v1.0.200
   Compiling acme-cli v0.3.1 (/home/travis/build/acme/cli)
error[E0425]: cannot find value `timeout_ms` in this scope
  --> src/main.rs:42:23
   |
42 |     let deadline = timeout_ms * 2;
   |                    ^^^^^^^^^^ not found in this scope

For more information about this error, try `rustc --explain E0425`.
error: could not compile `acme-cli` (bin "acme-cli") due to 1 previous error""",
     ["error[E0425]: cannot find value `timeout_ms` in this scope",
      "error: could not compile `acme-cli` (bin \"acme-cli\") due to 1 previous error"]),
    ("jest", "npx jest --ci", """\
PASS src/lib/format.test.ts
FAIL src/cart/cart.test.ts
  ● Cart › applies a percentage discount

    expect(received).toBe(expected) // Object.is equality

    Expected: 90
    Received: 100

      at Object.toBe (src/cart/cart.test.ts:13:26)

Test Suites: 1 failed, 1 passed, 2 total
Tests:       1 failed, 4 passed, 5 total
Snapshots:   0 total
Time:        2.113 s
Ran all test suites.""",
     ["● Cart › applies a percentage discount", "Tests:       1 failed, 4 passed, 5 total"]),
    ("mocha", "npx mocha", """\
  Parser
    ✓ parses an empty document
    1) keeps the line number of a nested error

  1 passing (48ms)
  1 failing

  1) Parser
       keeps the line number of a nested error:
      AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:

4 !== 3

      at Context.<anonymous> (test/parser.test.js:41:12)""",
     ["1 failing", "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:"]),
    ("rspec", "bundle exec rspec", """\
Randomized with seed 41234
.....F..

Failures:

  1) Invoice#total includes VAT
     Failure/Error: expect(invoice.total).to eq(120)

       expected: 120
            got: 100

       (compared using ==)
     # ./spec/invoice_spec.rb:12:in `block (3 levels) in <top (required)>'

Finished in 0.04521 seconds (files took 0.31 seconds to load)
8 examples, 1 failure

Failed examples:

rspec ./spec/invoice_spec.rb:12 # Invoice#total includes VAT""",
     ["1) Invoice#total includes VAT", "Failure/Error: expect(invoice.total).to eq(120)", "8 examples, 1 failure"]),
    ("gcc", "make", """\
gcc -O2 -Wall -c src/lexer.c -o build/lexer.o
src/lexer.c:88:13: warning: unused variable 'n' [-Wunused-variable]
gcc -O2 -Wall -c src/parser.c -o build/parser.o
src/parser.c:57:5: error: 'argv_len' undeclared (first use in this function)
make: *** [Makefile:12: build/parser.o] Error 1""",
     ["src/parser.c:57:5: error: 'argv_len' undeclared (first use in this function)"]),
    ("javac", "ant compile", """\
Buildfile: /home/travis/build/acme/ledger/build.xml
compile:
    [javac] Compiling 48 source files to /home/travis/build/acme/ledger/build/classes
    [javac] /home/travis/build/acme/ledger/src/com/acme/Ledger.java:31: error: cannot find symbol
    [javac]         Balance b = Balances.of(account);
    [javac]                     ^
    [javac]   symbol:   variable Balances
    [javac]   location: class Ledger
    [javac] 1 error

BUILD FAILED
/home/travis/build/acme/ledger/build.xml:22: Compile failed; see the compiler error output for details.""",
     ["[javac] /home/travis/build/acme/ledger/src/com/acme/Ledger.java:31: error: cannot find symbol"]),
    ("tsc", "npx tsc --noEmit", """\
src/cart/cart.ts(14,7): error TS2322: Type 'string' is not assignable to type 'number'.

Found 1 error in src/cart/cart.ts:14""",
     ["src/cart/cart.ts(14,7): error TS2322: Type 'string' is not assignable to type 'number'."]),
]


def known_miss(reason: str):
    """An extractor miss reported to the lead (issue 8): strict, so the fix shows up as XPASS."""
    return pytest.mark.xfail(strict=True, reason=f"extractor miss: {reason}")


# Scores at or below zero still fill the ten places (features/extract.py `_select`, floor -inf with a scorer).
FILLER = "lines the scorer ranks as non-reasons fill the budget"
RUNNER_MISSES = {"surefire": "'[INFO]' / '[ERROR]' filler lines are kept, the 'Tests run: 5, Failures: 1' summary is not"}


@pytest.mark.parametrize("runner, command, output, reasons", [
    pytest.param(*runner, id=runner[0], marks=[known_miss(RUNNER_MISSES[runner[0]])] if runner[0] in RUNNER_MISSES
                 else []) for runner in RUNNERS])
def test_runner_summary_is_kept_as_the_failure_reason(real, runner, command, output, reasons):
    extraction = real.extract(travis_job(command, output))
    assert extraction.structure.failed_step == command
    assert [reason for reason in reasons if reason not in texts(extraction)] == []


def herring_patterns(signals: SignalMatcher, herring: str) -> set[str]:
    """The patterns a red-herring line supports when read alone: what must not leak into the evidence."""
    found = {pattern for pattern, _ in signals.scan_line(herring)}
    assert found, f"the catalog no longer matches {herring!r}: this test would pass for nothing"
    return found


def test_npm_peer_dependency_warnings_are_not_evidence(real, catalog_signals):
    herring = "npm warn ERESOLVE overriding peer dependency"
    reason = '[vite]: Rollup failed to resolve import "@acme/ui/Button" from "/home/runner/work/app/app/src/App.tsx".'
    log = github_job(("npm ci && npm run build", f"""\
{herring}
npm warn While resolving: react-dom@18.3.1
npm warn Found: react@18.2.0
npm warn node_modules/react
npm warn   react@"^18.2.0" from the root project
npm warn Could not resolve dependency:
npm warn peer react@"^18.3.1" from react-dom@18.3.1
npm warn Conflicting peer dependency: react@18.3.1
added 812 packages, and audited 813 packages in 14s
found 0 vulnerabilities

> app@1.4.0 build
> vite build

vite v5.2.10 building for production...
transforming...
✓ 212 modules transformed.
x Build failed in 1.02s
error during build:
{reason}
This is most likely unintended because it can break your application at runtime."""))
    extraction = real.extract(log)
    assert reason in texts(extraction)
    assert herring_patterns(catalog_signals, herring) & extraction.signals.keys() == set()
    conflict = "npm warn Conflicting peer dependency: react@18.3.1"
    assert herring_patterns(catalog_signals, conflict) & extraction.signals.keys() == set()


def test_pip_incompatible_notice_after_a_successful_install_is_not_evidence(real, catalog_signals):
    herring = ("types-requests 2.31.0.20240406 requires urllib3>=2, but you have urllib3 1.26.18 which is "
               "incompatible.")
    resolver = ("ERROR: pip's dependency resolver does not currently take into account all the packages that are "
                "installed. This behaviour is the source of the following dependency conflicts.")
    log = github_job(("pip install -r requirements.txt && python scripts/migrate.py", f"""\
Collecting boto3==1.34.90 (from -r requirements.txt (line 1))
  Downloading boto3-1.34.90-py3-none-any.whl.metadata (6.6 kB)
\r     ━━━━━━━━━━━━━━━━━━━                      66.0/139.3 kB 1.9 MB/s eta 0:00:01\r     ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 139.3/139.3 kB 4.1 MB/s eta 0:00:00
Installing collected packages: urllib3, botocore, boto3
  Attempting uninstall: urllib3
    Found existing installation: urllib3 2.2.1
    Uninstalling urllib3-2.2.1:
      Successfully uninstalled urllib3-2.2.1
Successfully installed boto3-1.34.90 botocore-1.34.90 urllib3-1.26.18
{resolver}
{herring}
Traceback (most recent call last):
  File "/home/runner/work/app/app/scripts/migrate.py", line 3, in <module>
    from app.settings import DATABASE_URL
  File "/home/runner/work/app/app/app/settings.py", line 9, in <module>
    DATABASE_URL = os.environ["DATABASE_URL"]
                   ~~~~~~~~~~^^^^^^^^^^^^^^^^
  File "<frozen os>", line 714, in __getitem__
KeyError: 'DATABASE_URL'"""))
    extraction = real.extract(log)
    assert "KeyError: 'DATABASE_URL'" in texts(extraction)
    assert herring_patterns(catalog_signals, herring) & extraction.signals.keys() == set()
    assert herring_patterns(catalog_signals, resolver) & extraction.signals.keys() == set()


def test_kubectl_unknown_field_warning_is_not_the_reason(real):
    herring = 'Warning: unknown field "spec.template.spec.containers[0].resource"'
    reason = 'error: deployment "ledger" exceeded its progress deadline'
    log = github_job(("kubectl apply -f k8s/ && kubectl rollout status deployment/ledger --timeout=120s", f"""\
{herring}
deployment.apps/ledger configured
service/ledger unchanged
configmap/ledger-env unchanged
Waiting for deployment "ledger" rollout to finish: 0 of 2 updated replicas are available...
Waiting for deployment "ledger" rollout to finish: 1 of 2 updated replicas are available...
{reason}"""))
    extraction = real.extract(log)
    assert reason in texts(extraction)
    assert herring not in texts(extraction)


def test_docker_platform_mismatch_warning_is_not_evidence(real, catalog_signals):
    herring = ("WARNING: The requested image's platform (linux/arm64/v8) does not match the detected host platform "
               "(linux/amd64/v3) and no specific platform was requested")
    reason = ('psql: error: connection to server at "localhost" (127.0.0.1), port 5432 failed: FATAL:  password '
              'authentication failed for user "app"')
    log = github_job(("docker run -d --name db -p 5432:5432 ghcr.io/acme/postgres-test:16 && ./scripts/wait-for-db.sh",
                      f"""\
Unable to find image 'ghcr.io/acme/postgres-test:16' locally
16: Pulling from acme/postgres-test
4abcf2066143: Pull complete
b1d1d3c8c5e1: Pull complete
Digest: sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9
Status: Downloaded newer image for ghcr.io/acme/postgres-test:16
{herring}
5f0a9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b
waiting for postgres on localhost:5432 (attempt 1/10)
{reason}"""))
    extraction = real.extract(log)
    assert reason in texts(extraction)
    assert herring_patterns(catalog_signals, herring) & extraction.signals.keys() == set()


def test_echoed_commands_with_error_words_are_not_evidence(real, catalog_signals):
    """Jenkins' ``sh`` traces each command (``set -x``); a grep for error words echoes them, twice."""
    herring = "+ grep -rn 'ECONNREFUSED\\|connection refused' src/"
    reason = "curl: (22) The requested URL returned error: 503"
    log = f"""\
[Pipeline] stage
[Pipeline] {{ (Smoke test)
[Pipeline] sh
{herring}
src/client.ts:41:    if (err.code === "ECONNREFUSED") return retry();
+ true
+ ./scripts/smoke.sh https://staging.acme.dev
smoke: GET https://staging.acme.dev/health
{reason}
[Pipeline] }}
[Pipeline] // stage
[Pipeline] End of Pipeline
ERROR: script returned exit code 22
Finished: FAILURE"""
    extraction = real.extract(log)
    assert extraction.structure.failed_step == "Smoke test"
    assert reason in texts(extraction)
    assert herring_patterns(catalog_signals, herring) & extraction.signals.keys() == set()


def test_echoed_grep_of_an_earlier_command_is_not_the_reason(real):
    """A ``$ cmd`` echo opens a new command in GitLab and Travis: what an earlier command printed is not read."""
    herring = "$ grep -r error src/ || true"
    log = travis_job("npm test", "> app@1.0.0 test\n> jest\n\nTests:       1 failed, 9 passed, 10 total",
                     earlier=f"{herring}\nsrc/api.js:12:  throw new Error('request failed')\n")
    extraction = real.extract(log)
    assert "Tests:       1 failed, 9 passed, 10 total" in texts(extraction)
    assert [t for t in texts(extraction) if "error" in t.lower()] == []


def test_test_names_and_source_snippets_with_error_words_are_not_evidence(real, catalog_signals):
    snippet = '        fake = FakeServer(refuse=3)  # "connection refused" three times, then OK'
    name = "tests/test_client.py::test_connection_refused_is_retried PASSED          [ 25%]"
    reason = "FAILED tests/test_client.py::test_backoff_doubles - assert [1, 1, 1] == [1, 2, 4]"
    log = github_job(("python -m pytest -v", f"""\
============================= test session starts ==============================
collected 4 items

{name}
tests/test_client.py::test_timeout_raises_after_three_attempts PASSED    [ 50%]
tests/test_client.py::test_backoff_doubles FAILED                        [ 75%]
tests/test_client.py::test_permission_denied_is_not_retried PASSED       [100%]

=================================== FAILURES ===================================
_____________________________ test_backoff_doubles _____________________________

    def test_backoff_doubles():
{snippet}
        client = Client(fake.url, retries=3)
        client.get("/health")
>       assert fake.delays == [1, 2, 4]
E       assert [1, 1, 1] == [1, 2, 4]
E         At index 1 diff: 1 != 2

tests/test_client.py:31: AssertionError
=========================== short test summary info ============================
{reason}
========================= 1 failed, 3 passed in 0.42s =========================="""))
    extraction = real.extract(log)
    assert reason in texts(extraction)
    assert name.split()[0] not in " ".join(texts(extraction))
    assert herring_patterns(catalog_signals, snippet) & extraction.signals.keys() == set()


def test_changelog_and_commit_messages_are_not_evidence(real, catalog_signals):
    fixes = ["* fix: handle ECONNREFUSED on startup (3f1c2d4)",
             '* fix: retry on "no space left on device" when pulling layers (9a8b7c6)']
    reason = ('npm ERR! 403 403 Forbidden - PUT https://registry.npmjs.org/acme-widget - You do not have permission '
              'to publish "acme-widget". Are you logged in as the correct user?')
    log = github_job(("git log --oneline --format='* %s (%h)' v2.4.0..HEAD && npm publish", f"""\
* chore(deps): bump eslint from 8.57.0 to 9.1.1 (5d6e7f8)
{fixes[0]}
{fixes[1]}
npm notice
npm notice 📦  acme-widget@2.4.1
npm notice === Tarball Contents ===
npm notice 1.1kB package.json
npm notice 14.2kB dist/index.js
npm notice === Tarball Details ===
npm notice name:          acme-widget
npm notice version:       2.4.1
npm notice Publishing to https://registry.npmjs.org/ with tag latest and default access
npm ERR! code E403
{reason}

npm ERR! A complete log of this run can be found in: /home/runner/.npm/_logs/2024-05-02T10_11_12_123Z-debug-0.log"""))
    extraction = real.extract(log)
    assert reason in texts(extraction)
    for fix in fixes:
        assert herring_patterns(catalog_signals, fix) & extraction.signals.keys() == set()


def test_a_download_retried_then_installed_is_not_evidence(real, catalog_signals):
    herring = ("WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after "
               "connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at "
               "0x7f3b2c1d0e50>: Failed to establish a new connection: [Errno 111] Connection refused')': "
               "/simple/requests/")
    reason = "E   ModuleNotFoundError: No module named 'billing'"
    log = github_job(("pip install -r requirements.txt && python -m pytest -q", f"""\
Collecting pytest==8.2.0 (from -r requirements.txt (line 2))
{herring}
Collecting requests==2.31.0 (from -r requirements.txt (line 1))
  Downloading requests-2.31.0-py3-none-any.whl (62 kB)
Installing collected packages: urllib3, idna, certifi, requests, pytest
Successfully installed certifi-2024.2.2 idna-3.7 pytest-8.2.0 requests-2.31.0 urllib3-2.2.1
==================================== ERRORS ====================================
____________________ ERROR collecting tests/test_invoice.py ____________________
ImportError while importing test module '/home/runner/work/billing/billing/tests/test_invoice.py'.
Hint: make sure your test modules/packages have valid Python names.
Traceback:
tests/test_invoice.py:1: in <module>
    from billing.invoice import Invoice
{reason}
=========================== short test summary info ============================
ERROR tests/test_invoice.py
!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!
1 error in 0.12s"""))
    extraction = real.extract(log)
    assert reason in texts(extraction)
    assert herring_patterns(catalog_signals, herring) & extraction.signals.keys() == set()


@known_miss("the summaries fill places: " + FILLER)
def test_zero_error_summaries_are_not_the_reason(real):
    summaries = ["0 errors, 0 warnings, 0 informations", "Found 0 errors. Watching for file changes."]
    reason = "Error: Cannot find module '/home/runner/work/app/app/dist/server.js'"
    log = github_job(("npx pyright && npx tsc --watch=false && node dist/server.js --check", f"""\
No configuration file found.
Searching for source files
Found 42 source files
pyright 1.1.361
{summaries[0]}
[10:11:12 AM] Starting compilation in watch mode...
[10:11:14 AM] {summaries[1]}
node:internal/modules/cjs/loader:1146
  throw err;
  ^

{reason}
    at Module._resolveFilename (node:internal/modules/cjs/loader:1143:15)
    at node:internal/main/run_main_module:28:49 {{
  code: 'MODULE_NOT_FOUND',
  requireStack: []
}}

Node.js v20.12.2"""))
    extraction = real.extract(log)
    assert reason in texts(extraction)
    assert [summary for summary in summaries if any(summary in text for text in texts(extraction))] == []


def test_output_of_an_earlier_step_that_passed_is_not_evidence(real, catalog_signals):
    herring = "ls: cannot access 'powershell*deb': No such file or directory"
    reason = ("/home/runner/work/api/api/src/Api/Api.csproj : error NU1605: Detected package downgrade: "
              "Microsoft.Extensions.Logging from 8.0.0 to 7.0.0. Reference the package directly from the project to "
              "select a different version.")
    log = github_job(("ls powershell*deb || sudo apt-get install -y powershell", f"""\
{herring}
Reading package lists...
Building dependency tree...
debconf: (TERM is not set, so the dialog frontend is not usable.)
Setting up powershell (7.4.2-1.deb) ..."""), ("dotnet restore", f"""\
  Determining projects to restore...
{reason}
  Failed to restore /home/runner/work/api/api/src/Api/Api.csproj (in 2.1 sec)."""))
    extraction = real.extract(log)
    assert reason in texts(extraction)
    assert extraction.structure.failed_step == "dotnet restore"
    assert herring_patterns(catalog_signals, herring) & extraction.signals.keys() == set()
    assert extraction.signals["build.dependency_conflict"].strength == 1.0


def test_a_restore_warning_in_the_failed_step_is_not_evidence(real, ci_logs):
    """NU1603 (an approximate version was resolved) is printed by restores that pass."""
    extraction = real.extract(ci_logs["github_web_failed"])
    assert set(extraction.signals) == {"build.dependency_conflict"}


@known_miss("the ECONNREFUSED that a passing test suite logs on purpose is strong database.connection_refused evidence")
def test_console_output_of_a_passing_test_suite_is_not_evidence(real, ci_logs):
    """The job failed on an assertion: nothing in it supports a pattern."""
    extraction = real.extract(ci_logs["github_failed"])
    assert "● Cart › applies a percentage discount" in texts(extraction)
    assert extraction.signals == {}


def test_plain_output_without_a_failure_has_no_evidence(real, catalog_signals, ci_logs):
    """Plain output never says it passed (status unknown), but its warnings are still no evidence."""
    assert any(catalog_signals.scan_line(strip_ansi(line)) for line in ci_logs["make_passed"].split("\n"))
    extraction = real.extract(ci_logs["make_passed"])
    assert extraction.structure.status == "unknown"
    assert extraction.signals == {}


def test_test_names_that_contain_a_signal_inside_a_word_are_not_evidence(real):
    """Pandoc's test suite prints one line per case; the job failed on a test, outside the taxonomy."""
    cases = "\n".join(f"      {name}:{' ' * (18 - len(name))}OK" for name in
                      ["Quoted", "NestedQuoted", "SingleQuoted", "Emph", "Strong", "Link"])
    reason = '      Table with caption:  FAIL (0.02s)'
    log = travis_job("stack test", f"""\
pandoc> test (suite: test-pandoc)
  Readers
    Markdown
{cases}
{reason}
        test/Tests/Readers/Markdown.hs:140:
        expected: Table ("",[],[]) (Caption Nothing [Plain [Str "cap"]])
         but got: Table ("",[],[]) (Caption Nothing [])

1 out of 812 tests failed (4.21s)
pandoc> Test suite test-pandoc failed
Error: [S-7282] Stack failed to execute the build plan.""")
    extraction = real.extract(log)
    assert reason.strip() in texts(extraction)
    assert "runtime.disk_full" not in extraction.signals


def test_a_failed_tests_details_follow_its_verdict(real):
    """tasty prints "name: FAIL" and then, indented after a blank line, the diff that says why."""
    passes = "\n".join(f"      case {i}:{' ' * 40}OK (0.0{i % 10}s)" for i in range(60))
    output = (f"  Tests\n    writers\n{passes}\n      tables:{' ' * 40}FAIL (0.06s)\n        \n"
              "        --- tables.custom\n        +++ pandoc --quiet tables.native -t custom\n"
              "        +  29 </table>\n        -  29 </table\n\n1 out of 61 tests failed (4.51s)")
    lines = texts(real.extract(travis_job("stack test", output)))
    assert any(line.startswith("tables:") and line.endswith("FAIL (0.06s)") for line in lines)
    assert "--- tables.custom" in lines
    assert not any(line.endswith("OK (0.01s)") for line in lines)  # a passing test is never the reason


def test_a_ci_log_cut_off_before_its_verdict_still_shows_its_reason(real):
    """A Travis log that ends without "The command ... exited with" (cut off): composer's problem is shown
    although its line carries no error word."""
    log = travis_job("composer update", "")[: -len("Done. Your build exited with 1.")]
    log = log.split("travis_time:end")[0] + (
        "Loading composer repositories with package information\nUpdating dependencies (including require-dev)\n"
        "Your requirements could not be resolved to an installable set of packages.\n\n  Problem 1\n"
        "    - The requested package symfony/phpunit-bridge 4.4@dev exists as symfony/phpunit-bridge[2.7.x-dev, "
        "2.8.x-dev, 3.0.x-dev, 3.1.x-dev, 3.2.x-dev, 3.3.x-dev, 3.4.x-dev, 4.0.x-dev, 4.1.x-dev, 4.2.x-dev]\n")
    extraction = real.extract(log)
    assert extraction.structure.status == "unknown"
    assert any(line.startswith("- The requested package symfony/phpunit-bridge") for line in texts(extraction))
