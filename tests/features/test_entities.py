"""Entities read from failure lines: one real-shaped line per kind, secrets never taken, hostile names refused or quoted."""
import pytest

from autodevops.features.entities import KINDS, extract_entities, looks_secret

# (kind, failure line, expected value): each line is shaped like the tool's own report.
CASES = [
    ("namespace", 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "payments"',
     "payments"),
    ("namespace", "+ kubectl rollout status deployment/ledger-api -n payments --timeout=120s", "payments"),
    ("namespace", "payments/ledger-api-7d9f8b6c5-x2x8q   0/1   CrashLoopBackOff   5   3m", "payments"),
    ("pod", 'Error from server (BadRequest): container "api" in pod "ledger-api-7d9f8b6c5-x2x8q" is waiting to start',
     "ledger-api-7d9f8b6c5-x2x8q"),
    ("pod", "Back-off restarting failed container api in pod ledger-api-7d9f8b6c5-x2x8q_payments(0a1b2c)",
     "ledger-api-7d9f8b6c5-x2x8q"),
    ("deployment", 'error: deployment "ledger-api" exceeded its progress deadline', "ledger-api"),
    ("deployment", "Warning  BackOff  pod/ledger-api-7d9f8b6c5-x2x8q  Back-off restarting failed container", "ledger-api"),
    ("container", 'Error response from daemon: Conflict. The container name "/web" is already in use by container '
                  '"3f2a9c1b7e4d". You have to remove (or rename) that container', "web"),
    ("image", 'Failed to pull image "registry.example.com:5000/team/app:1.4.2": rpc error: code = NotFound',
     "registry.example.com:5000/team/app:1.4.2"),
    ("tag", "Error response from daemon: manifest for ghcr.io/acme/api:v2.0.1 not found: manifest unknown", "v2.0.1"),
    ("registry", 'Error response from daemon: Get "https://registry.acme.io/v2/": unauthorized: authentication required',
     "registry.acme.io"),
    ("host", 'psql: error: connection to server at "db.internal" (10.0.0.5), port 5432 failed: Connection refused',
     "db.internal"),
    ("host", "Error: getaddrinfo ENOTFOUND redis-master.cache.svc", "redis-master.cache.svc"),
    ("port", "Error response from daemon: driver failed programming external connectivity on endpoint web: "
             "Bind for 0.0.0.0:8080 failed: port is already allocated", "8080"),
    ("port", "Error: listen EADDRINUSE: address already in use :::3000", "3000"),
    ("database", 'FATAL:  database "orders" does not exist', "orders"),
    ("database", "ERROR 1049 (42000): Unknown database 'shop'", "shop"),
    ("user", 'FATAL:  password authentication failed for user "shop"', "shop"),
    ("user", "ERROR 1045 (28000): Access denied for user 'app'@'172.18.0.5' (using password: YES)", "app"),
    ("service", 'Error from server (NotFound): services "checkout" not found', "checkout"),
    ("service", "Job for nginx.service failed because the control process exited with error code.", "nginx"),
    ("secret", 'Error: secret "db-credentials" not found', "db-credentials"),
    ("configmap", 'Error: configmap "app-config" not found', "app-config"),
    ("path", "Error: ENOENT: no such file or directory, open '/app/config/settings.json'", "/app/config/settings.json"),
    ("path", "panic: open /etc/ledger/config.yaml: no such file or directory", "/etc/ledger/config.yaml"),
    ("package", "ERROR: No matching distribution found for torch==9.9.9", "torch"),
    ("version", "ERROR: No matching distribution found for torch==9.9.9", "9.9.9"),
    ("package", "npm ERR! notarget No matching version found for left-pad@^9.0.0.", "left-pad"),
    ("resource", "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: s3:PutObject on resource: "
                 "arn:aws:s3:::acme-artifacts/build.zip", "arn:aws:s3:::acme-artifacts/build.zip"),
    ("release", 'Error: UPGRADE FAILED: "shop" has no deployed releases', "shop"),
    ("node", 'Warning  FailedScheduling  node "worker-3" not ready', "worker-3"),
    ("pvc", 'Warning  FailedMount  persistentvolumeclaim "data-postgres-0" not found', "data-postgres-0"),
    ("region", "Error: operation error S3: PutObject, https response error StatusCode: 301, region us-east-1", "us-east-1"),
    ("project", "Cloud Resource Manager API has not been used in project 123456789012 before or it is disabled",
     "123456789012"),
    ("bucket", "upload failed: ./dist/app.zip to s3://acme-artifacts/app.zip An error occurred (AccessDenied)",
     "acme-artifacts"),
    ("pid", 'LISTEN 0 511 0.0.0.0:8080 0.0.0.0:* users:(("node",pid=4242,fd=19))', "4242"),
    ("verb", 'User "system:serviceaccount:ci:deployer" cannot patch resource "deployments" in API group "apps"', "patch"),
    ("serviceaccount", 'User "system:serviceaccount:ci:deployer" cannot patch resource "deployments"', "deployer"),
]


@pytest.mark.parametrize(("kind", "line", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_kind_is_read_from_its_real_shaped_line(kind, line, expected):
    assert extract_entities([line], [kind]) == {kind: expected}


def test_every_kind_has_a_case():
    assert sorted({kind for kind, _, _ in CASES}) == sorted(KINDS)


def test_a_python_import_is_not_a_dockerfile_from():
    assert extract_entities(["    from ledger.store import Journal"], ["image"]) == {}
    assert extract_entities(["#5 [2/6] FROM docker.io/library/node:18-alpine"], ["image", "tag"]) == {
        "image": "docker.io/library/node:18-alpine", "tag": "18-alpine"}


def test_the_first_line_that_names_a_kind_wins_and_kinds_are_only_those_asked():
    lines = ['FATAL:  password authentication failed for user "first"', 'role "second" does not exist']
    assert extract_entities(lines, ["user"]) == {"user": "first"}
    assert extract_entities(lines, ["host"]) == {}
    assert extract_entities(lines, ["no-such-kind"]) == {}


def test_a_url_names_user_host_port_and_database_but_never_the_password():
    found = extract_entities(["could not connect: postgres://app:s3cr3t-pw@db.prod:5432/orders?sslmode=require"])
    assert found == {"user": "app", "host": "db.prod", "port": "5432", "database": "orders"}
    assert "s3cr3t-pw" not in found.values()


@pytest.mark.parametrize("line", [
    "Error: secret \"ghp_abcdefghijklmnopqrstuvwxyz0123456789\" not found",          # a token as a name
    "Error: secret \"wJalrXUtnFEMI7K7MDENGbPxRfiCYzEXAMPLEKEY\" not found",         # a long random string
    "FATAL: password authentication failed for user \"AKIAABCDEFGHIJKLMNOP\"",      # an access key id
    "open /home/ci/.ssh/id_rsa: token=abc123def456: permission denied",             # key=value redacted first
])
def test_nothing_that_looks_secret_is_ever_taken(line):
    found = extract_entities([line])
    assert all(not looks_secret(v) for v in found.values())
    for secret in ("ghp_", "wJalrXUtnFEMI", "AKIA", "abc123def456"):
        assert not any(secret in v for v in found.values())


def test_values_that_could_be_read_as_options_or_ports_out_of_range_are_refused():
    assert extract_entities(['Error: secret "--kubeconfig=/tmp/evil" not found'], ["secret"]) == {}
    assert extract_entities(["Error: listen EADDRINUSE: address already in use :::99999"], ["port"]) == {}


def test_hostile_characters_survive_as_data_for_the_renderer_to_quote():
    # Quoted names are taken verbatim (the renderer quotes them); they never end a value early into a command.
    found = extract_entities(["Error: ENOENT: no such file or directory, open '/tmp/x; rm -rf ~ $(id)'"], ["path"])
    assert found == {"path": "/tmp/x; rm -rf ~ $(id)"}


def test_looks_secret_spares_ordinary_names():
    for name in ("ledger-api-7d9f8b6c5-x2x8q", "registry.example.com:5000/team/app:1.4.2", "payments",
                 "3f2a9c1b7e4d5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"):
        assert not looks_secret(name), name
