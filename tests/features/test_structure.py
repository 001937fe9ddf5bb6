"""read_structure on whole CI logs (tests/features/conftest.py) and on each CI system's edge cases."""
import pytest

from autodevops.features.normalize import strip_ansi
from autodevops.features.structure import FAILED, PASSED, UNKNOWN_STATUS, Structure, read_structure


def lines_of(text: str) -> list[str]:
    return [strip_ansi(line) for line in text.split("\n")]


def at(lines: list[str], fragment: str, after: int = 0) -> int:
    """Index of the first line from ``after`` on that contains ``fragment``."""
    return next(i for i in range(after, len(lines)) if fragment in lines[i])


# name, system, failed step, the line that opens the step's output, the line that closes it, the CI's
# wrapper line, a line of an earlier step that passed
FAILED_JOBS = [
    ("github_failed", "github", "npm test", "##[endgroup]", "##[error]Process completed",
     "##[error]Process completed with exit code 1.", "npm warn ERESOLVE"),
    ("github_web_failed", "github", "dotnet restore", "DOTNET_ROOT:", "Error: Process completed",
     "Error: Process completed with exit code 1.", "ls: cannot access 'powershell*deb'"),
    ("gitlab_failed", "gitlab", "pytest -q", "$ pytest -q", "section_end:1714644700:step_script",
     "ERROR: Job failed: exit code 1", "Successfully installed"),
    ("travis_failed", "travis", "npm test", "$ npm test", "travis_time:end:4d5e6f70",
     'The command "npm test" exited with 1.', "0 errors, 0 warnings"),
    ("jenkins_failed", "jenkins", "Build", "[Pipeline] sh", "[Pipeline] // stage",
     "ERROR: script returned exit code 1", "0 Checkstyle violations"),
    ("make_failed", None, "build/parser.o", "$ make -j2", "make: ***",
     "make: *** [Makefile:12: build/parser.o] Error 1", "configure: WARNING"),
]
STEP_HEADERS = {"github_failed": "##[group]Run npm test", "jenkins_failed": "[Pipeline] { (Build)"}


@pytest.mark.parametrize("name, system, step, opener, closer, wrapper, earlier", FAILED_JOBS,
                         ids=[job[0] for job in FAILED_JOBS])
def test_failed_job_names_its_failed_step_and_region(ci_logs, name, system, step, opener, closer, wrapper, earlier):
    lines = lines_of(ci_logs[name])
    start = at(lines, opener, after=at(lines, STEP_HEADERS.get(name, ""))) + 1
    structure = read_structure(lines)
    assert structure.system == system
    assert structure.status == FAILED
    assert structure.failed_step == step
    assert structure.region == (start, at(lines, closer, after=start))
    assert lines[structure.wrapper].rstrip().endswith(wrapper)
    assert at(lines, earlier) < start


def test_gitlab_region_is_the_failed_command_up_to_the_end_of_the_script_section(ci_logs):
    """The runner's after-failure sections (artifact upload, cleanup) print errors of their own."""
    lines = lines_of(ci_logs["gitlab_failed"])
    structure = read_structure(lines)
    assert structure.region == (at(lines, "$ pytest -q") + 1, at(lines, "section_end:1714644700:step_script"))
    assert at(lines, "ERROR: No files to upload") > structure.region[1]


def test_jenkins_region_is_the_last_stage_that_ran_not_the_skipped_or_post_stages(ci_logs):
    lines = lines_of(ci_logs["jenkins_failed"])
    structure = read_structure(lines)
    build = at(lines, "[Pipeline] { (Build)")
    assert structure.region == (at(lines, "[Pipeline] sh", after=build) + 1, at(lines, "[Pipeline] // stage", after=build))
    assert structure.wrapper == len(lines) - 2


@pytest.mark.parametrize("name, system", [("github_passed", "github"), ("gitlab_passed", "gitlab"),
                                          ("travis_passed", "travis"), ("jenkins_passed", "jenkins")])
def test_passed_job_is_passed_without_a_step(ci_logs, name, system):
    assert read_structure(lines_of(ci_logs[name])) == Structure(system, PASSED, None, None, None)


def test_plain_output_that_did_not_fail_is_unknown_never_passed(ci_logs):
    assert read_structure(lines_of(ci_logs["make_passed"])) == Structure(None, UNKNOWN_STATUS, None, None, None)


def test_github_action_that_fails_without_an_exit_code_line():
    """A JavaScript action reports its failure with ##[error] alone; nested groups do not rename the step."""
    lines = [f"2024-05-02T10:11:{i:02d}.0000000Z {line}" for i, line in enumerate([
        "##[group]Run actions/checkout@v4", "with:", "##[endgroup]", "Syncing repository: acme/private",
        "##[group]Getting Git version info", "git version 2.44.0", "##[endgroup]",
        "##[error]fatal: could not read Username for 'https://github.com': terminal prompts disabled",
        "##[error]The process '/usr/bin/git' failed with exit code 128", "Post job cleanup."])]
    assert read_structure(lines) == Structure("github", FAILED, "actions/checkout@v4", (3, 9), None)


def test_github_exit_code_zero_is_not_a_failure():
    lines = ["##[group]Run ./lint.sh", "##[endgroup]", "Process completed with exit code 0.", "##[group]Run ./test.sh"]
    assert read_structure(lines) == Structure("github", PASSED, None, None, None)


def test_gitlab_runner_setup_failure_names_that_section():
    lines = ["Running with gitlab-runner 16.11.0 (91a27b2a)",
             'section_start:1714644660:prepare_executor\rPreparing the "docker" executor',
             "Pulling docker image registry.example.com/acme/ci:latest ...",
             'WARNING: Failed to pull image with policy "always": manifest unknown (manager.go:237:0s)',
             'ERROR: Job failed: failed to pull image "registry.example.com/acme/ci:latest" with specified policies '
             "[always]: manifest unknown (manager.go:237:0s)"]
    assert read_structure(lines) == Structure("gitlab", FAILED, "prepare_executor", (2, 4), 4)


def test_gitlab_user_sections_and_after_script_do_not_hide_the_failed_command():
    lines = ["section_start:1:step_script\rExecuting \"step_script\" stage of the job script",
             "$ make deps",
             "section_start:2:build_app[collapsed=true]\rBuilding the app",
             "$ make app", "cc -o app main.c",
             "section_end:3:build_app\r",
             "$ make check", "FAIL: test_parser",
             "section_end:4:step_script\rsection_start:4:after_script\rRunning after_script",
             "$ docker compose logs db",
             'db  | FATAL: password authentication failed for user "app"',
             "section_end:5:after_script\r",
             "ERROR: Job failed: exit code 2"]
    assert read_structure(lines) == Structure("gitlab", FAILED, "make check", (7, 8), 12)


def test_gitlab_job_page_copy_without_sections_reads_the_last_command():
    lines = ["Running with gitlab-runner 16.11.0 (91a27b2a)", "  on shared-runner-7 ZxY9aBcD",
             'Preparing the "docker" executor', "Using Docker executor with image node:20 ...",
             "Getting source from Git repository", 'Executing "step_script" stage of the job script',
             "$ npm ci", "added 812 packages in 14s", "$ npm run lint", "/builds/acme/web/src/cart.ts",
             "  14:7  error  'total' is assigned a value but never used  @typescript-eslint/no-unused-vars",
             "✖ 1 problem (1 error, 0 warnings)", "Cleaning up project directory and file based variables",
             "ERROR: Job failed: exit code 1"]
    assert read_structure(lines) == Structure("gitlab", FAILED, "npm run lint", (9, 13), 13)


def test_gitlab_section_left_open_by_the_failed_command_ends_with_the_script():
    lines = ["section_start:1:step_script\rExecuting \"step_script\" stage of the job script",
             "section_start:2:tests[collapsed=true]\rRunning tests", "$ make check", "FAIL: test_parser",
             "section_end:4:step_script\r", "section_start:4:cleanup_file_variables\rCleaning up project directory",
             "section_end:5:cleanup_file_variables\r", "ERROR: Job failed: exit code 2"]
    assert read_structure(lines) == Structure("gitlab", FAILED, "make check", (3, 4), 7)


def test_gitlab_trace_without_a_verdict_is_unknown():
    lines = ["section_start:1:step_script\rExecuting \"step_script\" stage of the job script", "$ make", "ok"]
    assert read_structure(lines) == Structure("gitlab", UNKNOWN_STATUS, None, (0, 3), None)


def test_travis_install_failure_during_a_phase():
    lines = ["travis_fold:start:before_install\rtravis_time:start:0a1b\r$ sudo apt-get install -y libgeos-dev",
             "Reading package lists...", "E: Unable to locate package libgeos-dev",
             'The command "sudo apt-get install -y libgeos-dev" failed and exited with 100 during .',
             "Your build has been stopped."]
    assert read_structure(lines) == Structure("travis", FAILED, "sudo apt-get install -y libgeos-dev", (1, 3), 3)


def test_travis_multi_line_command_and_the_echoes_inside_its_output():
    """A script block is echoed over many lines; yarn echoes its own "$ cmd" inside the timed command."""
    lines = ['travis_time:start:13c0654e\r$ bash -c "', "  if [ '$RUN_LINT' == '1' ]; then", "    npx lefthook run lints",
             "  fi", '"', "  EXECUTE > eslint-assets", "yarn run v1.3.2",
             "$ /home/travis/build/acme/app/node_modules/.bin/eslint app/assets/javascripts",
             "app/assets/javascripts/cart.js", "  14:7  error  'total' is never used  no-unused-vars",
             "🥊  eslint-assets",
             'travis_time:end:13c0654e:start=1564586322,finish=1564586434,duration=112\rThe command "bash -c "',
             "  if [ '$RUN_LINT' == '1' ]; then", "    npx lefthook run lints", "  fi", '"', '" exited with 1.',
             "Done. Your build exited with 1."]
    assert read_structure(lines) == Structure("travis", FAILED, 'bash -c "', (1, 11), 16)


def test_travis_region_spans_every_failing_command_of_the_script_phase():
    """Travis runs every script command; the hand-marked reason is often in the last one to fail."""
    lines = ["travis_time:start:1\r$ flake8 .", "./a.py:3:1: E305 expected 2 blank lines", "travis_time:end:1\r",
             'The command "flake8 ." exited with 1.', "travis_time:start:2\r$ python -m pytest", "F.",
             "FAILED tests/test_a.py::test_b - assert 1 == 2", "travis_time:end:2\r",
             'The command "python -m pytest" exited with 1.', "Done. Your build exited with 1."]
    assert read_structure(lines) == Structure("travis", FAILED, "flake8 .", (1, 7), 8)


def test_travis_build_that_passed_despite_a_failing_after_success_command_passed():
    lines = ["$ npm test", "  3 passing (51ms)", 'The command "npm test" exited with 0.',
             "travis_fold:start:after_success\r$ npx codecov",
             "[error] There was an error running the uploader: Error uploading to https://codecov.io: 503",
             'The command "npx codecov" exited with 1.', "travis_fold:end:after_success\r",
             "Done. Your build exited with 0."]
    assert read_structure(lines) == Structure("travis", PASSED, None, None, None)


def test_travis_log_cut_before_its_verdict_is_unknown():
    lines = ["travis_fold:start:install\r$ npm ci", "added 10 packages"] + [f"test {i} ok" for i in range(500)]
    assert read_structure(lines) == Structure("travis", UNKNOWN_STATUS, None, (102, 502), None)


def test_travis_build_that_exited_with_zero_passed_despite_error_words():
    lines = ["$ npm test", "  ✓ rejects an invalid token with an error", "Error: connect ECONNREFUSED (expected)",
             'The command "npm test" exited with 0.', "Done. Your build exited with 0."]
    assert read_structure(lines) == Structure("travis", PASSED, None, None, None)


def test_jenkins_freestyle_job_reads_its_failed_build_step():
    lines = ["Started by an SCM change", "Building in workspace /var/lib/jenkins/workspace/api",
             "[api] $ /bin/sh -xe /tmp/jenkins4521.sh", "+ npm ci", "added 10 packages in 2s", "+ npm test",
             "Error: Cannot find module 'supertest'", "Build step 'Execute shell' marked build as failure",
             "Finished: FAILURE"]
    assert read_structure(lines) == Structure("jenkins", FAILED, "Execute shell", (6, 7), 7)


def test_jenkins_timestamps_and_docker_exit_lines_do_not_hide_the_stage():
    """The timestamper plugin prefixes every line; 'exited with code' from docker is not Travis's wrapper."""
    lines = [f"[2024-05-02T10:11:{i:02d}.000Z] {line}" for i, line in enumerate([
        "[Pipeline] stage", "[Pipeline] { (Integration)", "[Pipeline] sh",
        "+ docker compose up --abort-on-container-exit", 'db-1   | FATAL:  role "app" does not exist',
        "db-1 exited with code 1", "[Pipeline] }", "[Pipeline] // stage", "[Pipeline] End of Pipeline",
        "ERROR: script returned exit code 1", "Finished: FAILURE"])]
    assert read_structure(lines) == Structure("jenkins", FAILED, "Integration", (3, 7), 9)


def test_jenkins_error_reported_inside_the_stage_closes_the_region():
    """catchError prints the step's error where it happened, inside the stage."""
    lines = ["[Pipeline] stage", "[Pipeline] { (Test)", "[Pipeline] catchError", "[Pipeline] {", "[Pipeline] sh",
             "+ go test ./...", "--- FAIL: TestParse (0.00s)", "FAIL\tgithub.com/acme/y\t0.012s", "[Pipeline] }",
             "ERROR: script returned exit code 1", "[Pipeline] // catchError", "[Pipeline] }", "[Pipeline] // stage",
             "[Pipeline] End of Pipeline", "Finished: FAILURE"]
    assert read_structure(lines) == Structure("jenkins", FAILED, "Test", (5, 9), 9)


def test_recursive_make_stops_at_the_innermost_failure():
    lines = ["make -C src all", "make[1]: Entering directory '/build/src'", "cc -c util.c",
             "util.c:3:10: fatal error: zlib.h: No such file or directory", "compilation terminated.",
             "make[1]: *** [Makefile:8: util.o] Error 1", "make[1]: Leaving directory '/build/src'",
             "make: *** [Makefile:3: all] Error 2"]
    assert read_structure(lines) == Structure(None, FAILED, "util.o", (0, 5), 5)


def test_go_test_verdict_closes_the_region_after_the_exit_status():
    lines = ["$ go test ./...", "ok  \tgithub.com/acme/y/store\t0.031s", "--- FAIL: TestParse (0.00s)",
             '    parse_test.go:21: Parse("1h30") = 1h0m0s, want 1h30m0s', "FAIL", "exit status 1",
             "FAIL\tgithub.com/acme/y/parse\t0.012s"]
    assert read_structure(lines) == Structure(None, FAILED, None, (1, 6), 6)


def test_make_without_a_target_still_fails():
    lines = ["$ make tset", "make: *** No rule to make target 'tset'.  Stop."]
    assert read_structure(lines) == Structure(None, FAILED, None, (1, 1), 1)


def test_shell_output_without_markers_is_unknown():
    lines = ["Connecting to db...", "error: retrying in 1s", "connected", "migrations applied"]
    assert read_structure(lines) == Structure(None, UNKNOWN_STATUS, None, None, None)
