"""Small CI logs in the shape of real ones: a failed and a passed job of each CI system.

Each keeps the noise real jobs print: colours, timestamps, folds and sections, echoed commands, progress
redraws with ``\\r``, warnings, retries that succeeded, error words in steps that passed, and test output.
"""
import pytest

ESC = "\x1b"


def github_raw(body: str) -> str:
    """A log as the Actions "download log archive" gives it: every line behind an ISO timestamp."""
    return "\n".join(f"2024-05-02T10:{11 + i // 60:02d}:{i % 60:02d}.{1234567 + i}Z {line}"
                     for i, line in enumerate(body.split("\n")))


GITHUB_SETUP = """\
Current runner version: '2.316.1'
##[group]Operating System
Ubuntu
22.04.4
LTS
##[endgroup]
##[group]Runner Image
Image: ubuntu-22.04
Version: 20240422.1.0
##[endgroup]
##[group]GITHUB_TOKEN Permissions
Contents: read
Metadata: read
##[endgroup]
Secret source: Actions
Prepare workflow directory
Prepare all required actions
Getting action download info
Download action repository 'actions/checkout@v4' (SHA:0ad4b8fadaa221de15dcec353f45205ec38ea70b)
Download action repository 'actions/setup-node@v4' (SHA:60edb5dd545a775178f52524783378180af0d1f8)
Complete job name: test (20.x)
##[group]Run actions/checkout@v4
with:
  repository: acme/shop-web
  token: ***
  fetch-depth: 1
##[endgroup]
Syncing repository: acme/shop-web
##[group]Getting Git version info
Working directory is '/home/runner/work/shop-web/shop-web'
[command]/usr/bin/git version
git version 2.44.0
##[endgroup]
[command]/usr/bin/git log -1 --format='%H'
'3f1c2d4e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d'
##[group]Run actions/setup-node@v4
with:
  node-version: 20.x
  cache: npm
##[endgroup]
Found in cache @ /opt/hostedtoolcache/node/20.12.2/x64
Environment details
  node: v20.12.2
  npm: 10.5.0
Cache restored successfully
##[group]Run npm ci
npm ci
shell: /usr/bin/bash -e {0}
##[endgroup]
npm warn ERESOLVE overriding peer dependency
npm warn While resolving: react-dom@18.3.1
npm warn Found: react@18.2.0
npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory. Do not use it.
added 812 packages, and audited 813 packages in 14s
142 packages are looking for funding
  run `npm fund` for details
found 0 vulnerabilities
##[group]Run npm test
npm test
shell: /usr/bin/bash -e {0}
##[endgroup]

> shop-web@1.4.0 test
> jest --ci
"""

# Both jobs' test suites log a refused connection on purpose before the cart tests run.
_GITHUB_TESTS_HEAD = GITHUB_SETUP + """\

PASS src/api/client.test.ts (4.1 s)
  ● Console

    console.error
      Error: connect ECONNREFUSED 127.0.0.1:6379 (the retry test stops the fake server on purpose)

PASS src/lib/format.test.ts
"""

GITHUB_FAILED = github_raw(_GITHUB_TESTS_HEAD + """\
FAIL src/cart/cart.test.ts
  ● Cart › applies a percentage discount

    expect(received).toBe(expected) // Object.is equality

    Expected: 90
    Received: 100

      11 |     const cart = new Cart([{ sku: "A1", price: 100 }]);
      12 |     cart.apply("SAVE10");
    > 13 |     expect(cart.total()).toBe(90);
         |                          ^
      14 |   });

      at Object.toBe (src/cart/cart.test.ts:13:26)

Test Suites: 1 failed, 2 passed, 3 total
Tests:       1 failed, 23 passed, 24 total
Snapshots:   0 total
Time:        6.482 s
Ran all test suites.
##[error]Process completed with exit code 1.
Post job cleanup.
[command]/usr/bin/git version
git version 2.44.0
Temporarily overriding HOME='/home/runner/work/_temp/5d1f' before making global git config changes
Cleaning up orphan processes""")

GITHUB_PASSED = github_raw(_GITHUB_TESTS_HEAD + """\
PASS src/cart/cart.test.ts
  ✓ retries when the connection is refused (12 ms)
  ✓ fails fast on an invalid coupon (3 ms)

Test Suites: 3 passed, 3 total
Tests:       24 passed, 24 total
Snapshots:   0 total
Time:        6.102 s
Ran all test suites.
##[group]Run npx tsc --noEmit
npx tsc --noEmit
shell: /usr/bin/bash -e {0}
##[endgroup]
Found 0 errors. Watching for file changes.
Post job cleanup.
[command]/usr/bin/git version
git version 2.44.0
Cleaning up orphan processes""")

# The web page's copy of a job: no timestamps, no group markers, "Run <cmd>" opens each step.
GITHUB_WEB_FAILED = """\
Run actions/checkout@v4
  with:
    repository: acme/orders-api
    token: ***
Syncing repository: acme/orders-api
Getting Git version info
Fetching the repository
  /usr/bin/git -c protocol.version=2 fetch --no-tags --prune --no-recurse-submodules --depth=1 origin +refs/heads/main*:refs/remotes/origin/main*
Run sudo apt-get install -y ./powershell*.deb || ls powershell*deb
  sudo apt-get install -y ./powershell*.deb || ls powershell*deb
  shell: /usr/bin/bash -e {0}
E: Unsupported file ./powershell*.deb given on commandline
ls: cannot access 'powershell*deb': No such file or directory
Run actions/setup-dotnet@v4
  with:
    dotnet-version: 8.0.x
/home/runner/work/_actions/actions/setup-dotnet/v4/externals/install-dotnet.sh --skip-non-versioned-files --runtime dotnet --channel LTS
dotnet-install: .NET Core Runtime with version '8.0.4' is already installed.
Run dotnet restore
  dotnet restore
  shell: /usr/bin/bash -e {0}
  env:
    DOTNET_ROOT: /usr/share/dotnet
  Determining projects to restore...
  Restored /home/runner/work/orders-api/orders-api/src/Orders.Domain/Orders.Domain.csproj (in 1.2 sec).
Warning: /home/runner/work/orders-api/orders-api/src/Orders.Api/Orders.Api.csproj : warning NU1603: Orders.Api depends on Serilog (>= 3.1.0) but Serilog 3.1.0 was not found. An approximate best match of Serilog 3.1.1 was resolved.
Error: /home/runner/work/orders-api/orders-api/src/Orders.Api/Orders.Api.csproj : error NU1605: Detected package downgrade: Microsoft.Extensions.Logging from 8.0.0 to 7.0.0. Reference the package directly from the project to select a different version.
  Orders.Api -> Orders.Infrastructure -> Microsoft.Extensions.Logging (>= 8.0.0)
  Orders.Api -> Microsoft.Extensions.Logging (>= 7.0.0)
  Failed to restore /home/runner/work/orders-api/orders-api/src/Orders.Api/Orders.Api.csproj (in 2.1 sec).
Error: Process completed with exit code 1."""


def coloured(body: str) -> str:
    """The log with its ``{ESC}`` placeholders turned into the escape character of its ANSI colours."""
    return body.replace("{ESC}", ESC)


_GITLAB_HEAD = """\
{ESC}[0KRunning with gitlab-runner 16.11.0 (91a27b2a){ESC}[0;m
{ESC}[0K  on shared-runner-7 ZxY9aBcD, system ID: s_8f7e6d5c4b3a{ESC}[0;m
section_start:1714644660:prepare_executor\r{ESC}[0K{ESC}[0K{ESC}[36;1mPreparing the "docker" executor{ESC}[0;m{ESC}[0;m
{ESC}[0KUsing Docker executor with image python:3.12-slim ...{ESC}[0;m
{ESC}[0KPulling docker image python:3.12-slim ...{ESC}[0;m
{ESC}[0KUsing docker image sha256:5f0a9c1d2e3f for python:3.12-slim with digest python@sha256:0a1b2c3d4e5f ...{ESC}[0;m
section_end:1714644664:prepare_executor\r{ESC}[0Ksection_start:1714644664:prepare_script\r{ESC}[0K{ESC}[0K{ESC}[36;1mPreparing environment{ESC}[0;m{ESC}[0;m
Running on runner-zxy9abcd-project-4211-concurrent-0 via gitlab-runner-7...
section_end:1714644665:prepare_script\r{ESC}[0Ksection_start:1714644665:get_sources\r{ESC}[0K{ESC}[0K{ESC}[36;1mGetting source from Git repository{ESC}[0;m{ESC}[0;m
{ESC}[32;1mFetching changes with git depth set to 20...{ESC}[0;m
Initialized empty Git repository in /builds/acme/billing/.git/
{ESC}[32;1mCreated fresh repository.{ESC}[0;m
{ESC}[32;1mChecking out 9c1d2e3f as detached HEAD (ref is main)...{ESC}[0;m
{ESC}[32;1mSkipping Git submodules setup{ESC}[0;m
section_end:1714644667:get_sources\r{ESC}[0Ksection_start:1714644667:restore_cache\r{ESC}[0K{ESC}[0K{ESC}[36;1mRestoring cache{ESC}[0;m{ESC}[0;m
{ESC}[32;1mChecking cache for pip-main-protected...{ESC}[0;m
{ESC}[0;33mWARNING: file does not exist                      {ESC}[0;m
{ESC}[0;33mFailed to extract cache{ESC}[0;m
section_end:1714644668:restore_cache\r{ESC}[0Ksection_start:1714644668:step_script\r{ESC}[0K{ESC}[0K{ESC}[36;1mExecuting "step_script" stage of the job script{ESC}[0;m{ESC}[0;m
{ESC}[0KUsing docker image sha256:5f0a9c1d2e3f for python:3.12-slim with digest python@sha256:0a1b2c3d4e5f ...{ESC}[0;m
{ESC}[32;1m$ pip install -r requirements.txt{ESC}[0;m
Collecting requests==2.31.0 (from -r requirements.txt (line 1))
  Downloading requests-2.31.0-py3-none-any.whl (62 kB)
\r     ━━━━━━━━━━━━━━━━━━━━                     31.0/62.6 kB 2.0 MB/s eta 0:00:01\r     ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 62.6/62.6 kB 4.1 MB/s eta 0:00:00
WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'ProtocolError('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))': /simple/psycopg2-binary/
Collecting psycopg2-binary==2.9.9 (from -r requirements.txt (line 2))
  Downloading psycopg2_binary-2.9.9-cp312-cp312-manylinux_2_17_x86_64.whl (3.0 MB)
Installing collected packages: urllib3, idna, charset-normalizer, certifi, requests, psycopg2-binary
Successfully installed certifi-2024.2.2 charset-normalizer-3.3.2 idna-3.7 psycopg2-binary-2.9.9 requests-2.31.0 urllib3-2.2.1
ERROR: pip's dependency resolver does not currently take into account all the packages that are installed. This behaviour is the source of the following dependency conflicts.
botocore 1.34.90 requires urllib3<2.1,>=1.25.4; python_version >= "3.10", but you have urllib3 2.2.1 which is incompatible.
{ESC}[32;1m$ flake8 src{ESC}[0;m
{ESC}[32;1m$ mypy src{ESC}[0;m
Success: no issues found in 42 source files
{ESC}[32;1m$ pytest -q{ESC}[0;m
"""

_GITLAB_CLEANUP = """\
section_start:1714644701:cleanup_file_variables\r{ESC}[0K{ESC}[0K{ESC}[36;1mCleaning up project directory and file based variables{ESC}[0;m{ESC}[0;m
section_end:1714644702:cleanup_file_variables\r{ESC}[0K
"""

GITLAB_FAILED = coloured(_GITLAB_HEAD + """\
........F.....                                                            [100%]
=================================== FAILURES ===================================
_______________________ test_invoice_total_includes_vat ________________________

    def test_invoice_total_includes_vat():
        invoice = Invoice(lines=[Line(amount=100)], vat=0.2)
>       assert invoice.total() == 120
E       assert 100 == 120
E        +  where 100 = <bound method Invoice.total of Invoice(lines=[Line(amount=100)], vat=0.2)>()

tests/test_invoice.py:14: AssertionError
=========================== short test summary info ============================
FAILED tests/test_invoice.py::test_invoice_total_includes_vat - assert 100 == 120
1 failed, 13 passed in 0.84s
section_end:1714644700:step_script\r{ESC}[0Ksection_start:1714644700:upload_artifacts_on_failure\r{ESC}[0K{ESC}[0K{ESC}[36;1mUploading artifacts for failed job{ESC}[0;m{ESC}[0;m
{ESC}[32;1mUploading artifacts...{ESC}[0;m
{ESC}[0;33mWARNING: report.xml: no matching files. Ensure that the artifact path is relative to the working directory (/builds/acme/billing){ESC}[0;m
{ESC}[31;1mERROR: No files to upload                         {ESC}[0;m
section_end:1714644701:upload_artifacts_on_failure\r{ESC}[0K
""" + _GITLAB_CLEANUP + """\
{ESC}[31;1mERROR: Job failed: exit code 1
{ESC}[0;m
""")

GITLAB_PASSED = coloured(_GITLAB_HEAD + """\
..............                                                            [100%]
=============================== warnings summary ===============================
tests/test_client.py::test_connection_refused_is_retried
  /builds/acme/billing/billing/client.py:41: ResourceWarning: unclosed socket after [Errno 111] Connection refused
    sock = socket.create_connection((host, port), timeout=2)

-- Docs: https://docs.pytest.org/en/stable/how-to/capture-warnings.html
14 passed, 2 warnings in 0.91s
section_end:1714644700:step_script\r{ESC}[0Ksection_start:1714644700:archive_cache\r{ESC}[0K{ESC}[0K{ESC}[36;1mSaving cache for successful job{ESC}[0;m{ESC}[0;m
{ESC}[32;1mCreating cache pip-main-protected...{ESC}[0;m
.cache/pip: found 212 matching artifact files and directories{ESC}[0;m
Uploading cache.zip to https://storage.googleapis.com/runners-cache/project/4211/pip-main-protected{ESC}[0;m
{ESC}[32;1mCreated cache{ESC}[0;m
section_end:1714644701:archive_cache\r{ESC}[0K
""" + _GITLAB_CLEANUP + """\
{ESC}[32;1mJob succeeded{ESC}[0;m
""")


_TRAVIS_HEAD = """\
travis_fold:start:worker_info\r{ESC}[0K{ESC}[33;1mWorker information{ESC}[0m
hostname: 9c1f2e7a-1b2c-4d5e-8f9a-0b1c2d3e4f5a@1.worker-com-5f6d7c8b9-abcde.gce-production-2
version: v6.2.8 https://github.com/travis-ci/worker/tree/5e5ee2bd0e1d2bbf0d6b7bbcad4e6e3a0c8f1a2b
instance: travis-job-0a1b2c3d travis-ci-sardonyx-xenial-1593004276-4d46c6b3 (via amqp)
startup: 6.128430707s
travis_fold:end:worker_info\r{ESC}[0K{ESC}[33;1mBuild system information{ESC}[0m
Build language: node_js
Build dist: xenial
travis_time:start:0b9c2a10\r{ESC}[0Ktravis_time:end:0b9c2a10:start=1714644660,finish=1714644661,duration=1,event=no_world_writable_dirs\r{ESC}[0K
travis_fold:start:git.checkout\r{ESC}[0Ktravis_time:start:02f8b6f4\r{ESC}[0K$ git clone --depth=50 --branch=master https://github.com/acme/widget.git acme/widget
Cloning into 'acme/widget'...
remote: Enumerating objects: 812, done.
remote: Counting objects:  50% (406/812)\rremote: Counting objects: 100% (812/812), done.
Receiving objects:  41% (333/812)\rReceiving objects: 100% (812/812), 1.02 MiB | 9.40 MiB/s, done.
travis_time:end:02f8b6f4:start=1714644661,finish=1714644663,duration=2,event=checkout\r{ESC}[0K$ cd acme/widget
$ git checkout -qf 3f1c2d4e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d
travis_fold:end:git.checkout\r{ESC}[0K
{ESC}[33;1mUpdating gimme{ESC}[0m
travis_time:start:1a2b3c4d\r{ESC}[0K$ nvm install 18
Downloading and installing node v18.20.2...
Now using node v18.20.2 (npm v10.5.0)
travis_time:end:1a2b3c4d:start=1714644663,finish=1714644670,duration=7,event=configure\r{ESC}[0K
$ node --version
v18.20.2
travis_fold:start:install\r{ESC}[0Ktravis_time:start:2b3c4d5e\r{ESC}[0K$ npm ci
npm WARN deprecated glob@7.2.3: Glob versions prior to v9 are no longer supported
npm WARN deprecated request@2.88.2: request has been deprecated, see https://github.com/request/request/issues/3142
added 501 packages, and audited 502 packages in 9s
found 0 vulnerabilities
travis_time:end:2b3c4d5e:start=1714644670,finish=1714644679,duration=9,event=install\r{ESC}[0K
travis_fold:end:install\r{ESC}[0K
travis_time:start:3c4d5e6f\r{ESC}[0K$ npm run lint

> widget@2.0.0 lint
> eslint src && echo "0 errors, 0 warnings"

0 errors, 0 warnings
travis_time:end:3c4d5e6f:start=1714644679,finish=1714644683,duration=4,event=script\r{ESC}[0K
{ESC}[32;1mThe command "npm run lint" exited with 0.{ESC}[0m
travis_time:start:4d5e6f70\r{ESC}[0K$ npm test

> widget@2.0.0 test
> mocha --reporter spec

  Parser
    ✓ parses an empty document
    ✓ rejects an unterminated string with a syntax error
"""

TRAVIS_FAILED = coloured(_TRAVIS_HEAD + """\
    1) keeps the line number of a nested error

  2 passing (48ms)
  1 failing

  1) Parser
       keeps the line number of a nested error:

      AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:

4 !== 3

      + expected - actual

      -4
      +3

      at Context.<anonymous> (test/parser.test.js:41:12)
      at processImmediate (node:internal/timers:478:21)



travis_time:end:4d5e6f70:start=1714644683,finish=1714644690,duration=7,event=script\r{ESC}[0K
{ESC}[31;1mThe command "npm test" exited with 1.{ESC}[0m
travis_fold:start:cache.2\r{ESC}[0Kstore build cache
$ bundle clean
travis_fold:end:cache.2\r{ESC}[0K

Done. Your build exited with 1.""")

TRAVIS_PASSED = coloured(_TRAVIS_HEAD + """\
    ✓ keeps the line number of a nested error
  Client
    ✓ retries on ECONNREFUSED (102ms)
    ✓ gives up after 3 failed attempts
Error: connect ECONNREFUSED 127.0.0.1:5432 (logged by the retry test)

  5 passing (153ms)

travis_time:end:4d5e6f70:start=1714644683,finish=1714644690,duration=7,event=script\r{ESC}[0K
{ESC}[32;1mThe command "npm test" exited with 0.{ESC}[0m
travis_fold:start:cache.2\r{ESC}[0Kstore build cache
travis_fold:end:cache.2\r{ESC}[0K

Done. Your build exited with 0.""")

_JENKINS_HEAD = """\
Started by user Ada Admin
Obtained Jenkinsfile from git https://git.example.com/acme/ledger.git
[Pipeline] Start of Pipeline
[Pipeline] node
Running on agent-2 in /var/lib/jenkins/workspace/ledger_main
[Pipeline] {
[Pipeline] stage
[Pipeline] { (Declarative: Checkout SCM)
[Pipeline] checkout
The recommended git tool is: NONE
 > git rev-parse --resolve-git-dir /var/lib/jenkins/workspace/ledger_main/.git # timeout=10
Fetching changes from the remote Git repository
 > git fetch --tags --force --progress -- https://git.example.com/acme/ledger.git +refs/heads/*:refs/remotes/origin/* # timeout=10
Checking out Revision 7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b (refs/remotes/origin/main)
Commit message: "fix: handle ECONNREFUSED on startup"
[Pipeline] }
[Pipeline] // stage
[Pipeline] withEnv
[Pipeline] {
[Pipeline] stage
[Pipeline] { (Lint)
[Pipeline] sh
+ ./mvnw -B -q checkstyle:check
[INFO] You have 0 Checkstyle violations.
[Pipeline] }
[Pipeline] // stage
[Pipeline] stage
[Pipeline] { (Build)
[Pipeline] sh
+ ./mvnw -B verify
[INFO] Scanning for projects...
[INFO] ------------------------< com.acme:ledger >-------------------------
[INFO] Building ledger 2.3.0-SNAPSHOT
[WARNING] The requested profile "ci" could not be activated because it does not exist.
[INFO] --- maven-compiler-plugin:3.11.0:compile (default-compile) @ ledger ---
[INFO] Compiling 48 source files with javac [debug release 17] to target/classes
[INFO] --- maven-surefire-plugin:3.2.5:test (default-test) @ ledger ---
[INFO] -------------------------------------------------------
[INFO]  T E S T S
[INFO] -------------------------------------------------------
"""

# The last stage closes, then the blocks around every stage: the ``withEnv`` and the ``node``.
_JENKINS_END = """\
[Pipeline] }
[Pipeline] // stage
[Pipeline] }
[Pipeline] // withEnv
[Pipeline] }
[Pipeline] // node
[Pipeline] End of Pipeline
"""

JENKINS_FAILED = _JENKINS_HEAD + """\
[INFO] Running com.acme.ledger.RetryPolicyTest
[INFO] Tests run: 3, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.21 s - in com.acme.ledger.RetryPolicyTest
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
[ERROR] Tests run: 8, Failures: 1, Errors: 0, Skipped: 0
[INFO]
[INFO] BUILD FAILURE
[INFO] ------------------------------------------------------------------------
[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:3.2.5:test (default-test) on project ledger: There are test failures.
[ERROR]
[ERROR] Please refer to /var/lib/jenkins/workspace/ledger_main/target/surefire-reports for the individual test results.
[ERROR] -> [Help 1]
[Pipeline] }
[Pipeline] // stage
[Pipeline] stage
[Pipeline] { (Deploy)
Stage "Deploy" skipped due to earlier failure(s)
[Pipeline] }
[Pipeline] // stage
[Pipeline] stage
[Pipeline] { (Declarative: Post Actions)
[Pipeline] junit
Recording test results
[Checks API] No suitable checks publisher found.
""" + _JENKINS_END + """\
ERROR: script returned exit code 1
Finished: FAILURE"""

JENKINS_PASSED = _JENKINS_HEAD + """\
[INFO] Running com.acme.ledger.RetryPolicyTest
[INFO] Tests run: 3, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.21 s - in com.acme.ledger.RetryPolicyTest
[INFO] Running com.acme.ledger.BalanceTest
[INFO] Tests run: 5, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.05 s - in com.acme.ledger.BalanceTest
[INFO]
[INFO] Results:
[INFO]
[INFO] Tests run: 8, Failures: 0, Errors: 0, Skipped: 0
[INFO]
[INFO] BUILD SUCCESS
[INFO] ------------------------------------------------------------------------
[Pipeline] }
[Pipeline] // stage
[Pipeline] stage
[Pipeline] { (Deploy)
[Pipeline] sh
+ kubectl apply -f k8s/
Warning: unknown field "spec.template.spec.containers[0].resource"
deployment.apps/ledger configured
""" + _JENKINS_END + "Finished: SUCCESS"

_MAKE_HEAD = """\
$ ./configure --prefix=/usr
checking for a BSD-compatible install... /usr/bin/install -c
checking whether build environment is sane... yes
checking for a thread-safe mkdir -p... /usr/bin/mkdir -p
checking for gawk... no
checking for mawk... mawk
checking whether make sets $(MAKE)... yes
checking for gcc... gcc
checking whether the C compiler works... yes
checking for C compiler default output file name... a.out
checking for suffix of executables...
checking whether we are cross compiling... no
checking for suffix of object files... o
checking whether the compiler supports GNU C... yes
checking for stdio.h... yes
checking for stdlib.h... yes
checking for strerror_r... yes
checking whether strerror_r returns char *... yes
checking for libcurl... no
configure: WARNING: libcurl not found, building without HTTP support
config.status: creating Makefile
$ make -j2
mkdir -p build
gcc -O2 -Wall -Iinclude -c src/main.c -o build/main.o
gcc -O2 -Wall -Iinclude -c src/lexer.c -o build/lexer.o
src/lexer.c: In function 'next_token':
src/lexer.c:88:13: warning: unused variable 'error_count' [-Wunused-variable]
   88 |         int error_count = 0;
      |             ^~~~~~~~~~~
gcc -O2 -Wall -Iinclude -c src/parser.c -o build/parser.o
"""

MAKE_FAILED = _MAKE_HEAD + """\
src/parser.c: In function 'parse_args':
src/parser.c:57:5: error: 'argv_len' undeclared (first use in this function); did you mean 'argc'?
   57 |     argv_len = strlen(argv[0]);
      |     ^~~~~~~~
      |     argc
src/parser.c:57:5: note: each undeclared identifier is reported only once for each function it appears in
make: *** [Makefile:12: build/parser.o] Error 1"""

MAKE_PASSED = _MAKE_HEAD + """\
gcc -O2 -Wall -Iinclude -o build/calc build/main.o build/lexer.o build/parser.o
$ make test
./build/calc --self-test
test_unterminated_string_is_an_error ... ok
test_division_by_zero_raises_error ... ok
42 tests, 0 failures, 0 errors"""

CI_LOGS = {
    "github_failed": GITHUB_FAILED, "github_passed": GITHUB_PASSED, "github_web_failed": GITHUB_WEB_FAILED,
    "gitlab_failed": GITLAB_FAILED, "gitlab_passed": GITLAB_PASSED,
    "travis_failed": TRAVIS_FAILED, "travis_passed": TRAVIS_PASSED,
    "jenkins_failed": JENKINS_FAILED, "jenkins_passed": JENKINS_PASSED,
    "make_failed": MAKE_FAILED, "make_passed": MAKE_PASSED,
}


@pytest.fixture(scope="session")
def ci_logs() -> dict[str, str]:
    """The logs above by name (``<system>_failed`` / ``<system>_passed``)."""
    return CI_LOGS
