"""The REST API over real HTTP: a real server on loopback, the real analyzer over the ingested corpus."""
from __future__ import annotations

import http.client
import json
import subprocess
import sys

import pytest

from autodevops.analyzer import analysis_id_of
from autodevops.store.base import next_success_rate
from autodevops.web.access import check_binding, is_loopback

from .conftest import (PORT_CLASH, LiveServer, ServeProcess, copy_home, multipart, post_json, request, tar_gz,
                       wait_for_batch)

CONTRACT_KEYS = ["id", "analysis_id", "pattern_id", "category", "confidence", "source", "matched_lines",
                 "failed_step", "job_status", "solution", "error"]
PYTEST_FAILURE = "============ 1 failed, 12 passed in 0.31s ============\nFAILED tests/test_cart.py::test_total\n"


def test_openapi_lists_every_route(served):
    status, _, body = request(f"{served.url}/openapi.json")

    assert status == 200
    paths = json.loads(body)["paths"]
    assert {"/api/analyze", "/api/batches", "/api/batches/{batch_id}", "/api/batches/{batch_id}/results",
            "/api/feedback", "/api/patterns", "/api/stats", "/api/report"} <= set(paths)
    assert set(paths["/api/analyze"]["post"]["requestBody"]["content"]) == {"application/json", "multipart/form-data"}


def test_analyze_json_returns_the_cli_record(served):
    status, record = post_json(f"{served.url}/api/analyze", {"log": PORT_CLASH, "id": "shop-ci#12"})

    assert status == 200
    assert list(record)[:len(CONTRACT_KEYS)] == CONTRACT_KEYS
    assert record["id"] == "shop-ci#12"
    assert record["analysis_id"] == analysis_id_of(PORT_CLASH)
    assert record["pattern_id"] == "docker.port_already_allocated"
    assert record["category"] == "docker"
    assert record["source"] == "pattern"
    assert any("port is already allocated" in line for line in record["matched_lines"])
    assert record["solution"]["commands"] and record["error"] is None


def test_analyze_multipart_upload_is_named_by_its_file(served):
    body, headers = multipart("file", "deploy.log", PORT_CLASH.encode())

    status, _, answer = request(f"{served.url}/api/analyze", body, headers)

    record = json.loads(answer)
    assert status == 200
    assert (record["id"], record["pattern_id"]) == ("deploy.log", "docker.port_already_allocated")


@pytest.mark.parametrize("body, headers, expected", [
    (b'{"log": "   \\n"}', {"content-type": "application/json"}, 400),
    (b'{"log": 42}', {"content-type": "application/json"}, 422),
    (b'{"text": "x"}', {"content-type": "application/json"}, 422),
    (b'{"log": ', {"content-type": "application/json"}, 422),
    (b"Bind failed", {"content-type": "text/plain"}, 415),
    (b"--b\r\nContent-Disposition: form-data; name=\"log\"\r\n\r\nx\r\n--b--\r\n",
     {"content-type": "multipart/form-data; boundary=b"}, 400),
])
def test_analyze_refuses_bad_input_with_a_reason(served, body, headers, expected):
    status, _, answer = request(f"{served.url}/api/analyze", body, headers)

    assert status == expected
    assert json.loads(answer)["detail"]


def test_a_body_over_the_limit_is_refused_declared_or_streamed(served):
    too_big = json.dumps({"log": "x" * (300 * 1024)}).encode()

    status, _, answer = request(f"{served.url}/api/analyze", too_big, {"content-type": "application/json"})
    assert (status, json.loads(answer)["detail"].split(":")[0]) == (413, "request body larger than 256 KiB")

    # Chunked transfer declares no length: the body is counted as it arrives.
    connection = http.client.HTTPConnection(served.url.removeprefix("http://"), timeout=60)
    connection.request("POST", "/api/analyze", body=iter([too_big[i:i + 65536] for i in range(0, len(too_big), 65536)]),
                       headers={"content-type": "application/json"}, encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 413
    connection.close()


def test_a_batch_runs_in_the_background_to_complete_json_lines(served):
    archive = tar_gz({"a/port.log": PORT_CLASH, "b/pytest.log": PYTEST_FAILURE, "c/empty.log": ""})
    body, headers = multipart("file", "nightly.tar.gz", archive)

    status, _, answer = request(f"{served.url}/api/batches", body, headers)
    assert status == 202
    batch_id = json.loads(answer)["id"]
    state = wait_for_batch(served.url, batch_id)

    assert (state["status"], state["done"], state["total"], state["name"]) == ("done", 3, 3, "nightly.tar.gz")
    status, headers, results = request(f"{served.url}/api/batches/{batch_id}/results")
    assert status == 200 and headers["content-type"] == "application/x-ndjson"
    records = [json.loads(line) for line in results.decode().splitlines()]
    assert [r["id"] for r in records] == ["nightly.tar.gz:a/port.log", "nightly.tar.gz:b/pytest.log",
                                          "nightly.tar.gz:c/empty.log"]
    assert records[0]["pattern_id"] == "docker.port_already_allocated"
    assert all(list(r)[:len(CONTRACT_KEYS)] == CONTRACT_KEYS for r in records)
    assert sum(state["counts"].values()) == 3


@pytest.mark.parametrize("filename, content, detail", [
    ("logs.txt", b"hello", "logs.txt is not an archive"),
    ("logs.tar.gz", b"not a tar at all", "the upload is not a readable .tar.gz archive"),
    ("logs.zip", b"PK no zip", "the upload is not a readable .zip archive"),
    ("one.gz", b"plain text", "the upload is not a readable .gz archive"),
])
def test_a_bad_archive_is_refused(served, filename, content, detail):
    body, headers = multipart("file", filename, content)

    status, _, answer = request(f"{served.url}/api/batches", body, headers)

    assert status == 400
    assert json.loads(answer)["detail"].startswith(detail)


def test_unknown_and_unfinished_batches(served):
    assert request(f"{served.url}/api/batches/0123456789abcdef")[0] == 404
    assert request(f"{served.url}/api/batches/..%2F..%2Fetc")[0] == 404
    assert request(f"{served.url}/api/batches/0123456789abcdef/results")[0] == 404
    assert request(f"{served.url}/api/batches", b"{}", {"content-type": "application/json"})[0] == 415


def test_an_archive_over_the_upload_limit_is_refused(served):
    body, headers = multipart("file", "big.tar.gz", b"\0" * (3 * 1024 * 1024))

    status, _, answer = request(f"{served.url}/api/batches", body, headers)

    assert status == 413
    assert json.loads(answer)["detail"].startswith("request body larger than 2 MiB")


def test_outcome_feedback_moves_the_success_rate(served):
    before = {p["id"]: p for p in json.loads(request(f"{served.url}/api/patterns")[2])}["docker.image_not_found"]

    status, answer = post_json(f"{served.url}/api/feedback", {"pattern_id": "docker.image_not_found",
                                                              "outcome": "success"})

    assert status == 200
    after = {p["id"]: p for p in json.loads(request(f"{served.url}/api/patterns")[2])}["docker.image_not_found"]
    assert after["success_rate"] == pytest.approx(next_success_rate(before["success_rate"], 1.0), abs=1e-4)
    assert (before["prior"], after["prior"]) == (True, False)
    assert after["feedback_count"] == before["feedback_count"] + 1


def test_a_taught_correction_is_used_by_the_next_analysis(served):
    log = "step 4/9 : deploy\nERROR: the frobnicator refused the widget manifest (code 7781)\n"
    first = post_json(f"{served.url}/api/analyze", {"log": log})[1]

    status, _ = post_json(f"{served.url}/api/feedback", {"pattern_id": "kubernetes.invalid_manifest",
                                                         "analysis_id": first["analysis_id"]})

    assert status == 200
    again = post_json(f"{served.url}/api/analyze", {"log": log})[1]
    assert again["pattern_id"] == "kubernetes.invalid_manifest"


@pytest.mark.parametrize("payload, expected", [
    ({"pattern_id": "docker.no_such_thing", "outcome": "success"}, 404),
    ({"pattern_id": "docker.image_not_found", "outcome": 1.5}, 422),
    ({"pattern_id": "docker.image_not_found", "outcome": "maybe"}, 422),
    ({"pattern_id": "docker.image_not_found"}, 422),
    ({"pattern_id": "docker.image_not_found", "outcome": "success", "log": "x"}, 422),
    ({"pattern_id": "docker.no_such_thing", "log": "x"}, 404),
    ({"pattern_id": "docker.image_not_found", "analysis_id": "0000000000000000"}, 404),
])
def test_feedback_refuses_bad_input(served, payload, expected):
    status, answer = post_json(f"{served.url}/api/feedback", payload)

    assert status == expected, answer
    assert answer["detail"]


def test_stats_count_the_recorded_analyses_by_day(served):
    before = json.loads(request(f"{served.url}/api/stats")[2])
    post_json(f"{served.url}/api/analyze", {"log": PORT_CLASH})
    post_json(f"{served.url}/api/analyze", {"log": PORT_CLASH + "\nretrying\n"})

    after = json.loads(request(f"{served.url}/api/stats")[2])

    assert after["total"] == before["total"] + 2
    assert after["per_pattern"]["docker.port_already_allocated"] == \
        before["per_pattern"].get("docker.port_already_allocated", 0) + 2
    assert after["per_category"]["docker"] == before["per_category"].get("docker", 0) + 2
    assert after["per_day"][-1]["per_category"]["docker"] >= 2


def test_patterns_list_the_catalog_with_success_rates(served):
    patterns = json.loads(request(f"{served.url}/api/patterns")[2])

    ids = [p["id"] for p in patterns]
    assert ids == sorted(ids) and "docker.port_already_allocated" in ids
    entry = patterns[ids.index("docker.port_already_allocated")]
    assert set(entry) == {"id", "category", "title", "success_rate", "feedback_count", "prior", "success_rate_note",
                          "solution"}
    assert 0.0 < entry["success_rate"] <= 1.0 and entry["solution"]["steps"]


def test_the_page_and_its_files_are_served_locally(served):
    status, headers, page = request(f"{served.url}/")

    assert status == 200 and "script-src 'self'" in headers["content-security-policy"]
    assert b'src="/static/app.js"' in page and b"http" not in page.split(b"<body>")[0]
    for asset in ("/static/app.js", "/static/style.css"):
        assert request(f"{served.url}{asset}")[0] == 200


def test_finished_batches_survive_a_restart_and_interrupted_ones_are_scored_again(ingested_home, tmp_path):
    home = copy_home(ingested_home, tmp_path / "home")
    archive = tar_gz({"port.log": PORT_CLASH})
    with LiveServer(home) as first:
        body, headers = multipart("file", "kept.tar.gz", archive)
        kept = json.loads(request(f"{first.url}/api/batches", body, headers)[2])["id"]
        wait_for_batch(first.url, kept)
        results = request(f"{first.url}/api/batches/{kept}/results")[2]
    # A batch the server was scoring when it stopped: its status still says "running".
    interrupted = home / "batches" / "00000000000000aa"
    interrupted.mkdir()
    (interrupted / "archive.tar.gz").write_bytes(archive)
    (interrupted / "status.json").write_text(json.dumps({
        "id": interrupted.name, "name": "cut.tar.gz", "status": "running", "done": 0, "total": 1,
        "created": "2026-01-01T00:00:00+00:00", "finished": None, "counts": {}, "error": None}))

    with LiveServer(home) as second:
        assert request(f"{second.url}/api/batches/{kept}/results")[2] == results
        state = wait_for_batch(second.url, interrupted.name)

    assert (state["status"], state["done"]) == ("done", 1)


def test_autodevops_serve_answers_then_stops_cleanly_on_ctrl_c(ingested_home, tmp_path):
    with ServeProcess(copy_home(ingested_home, tmp_path / "home")) as server:
        page = request(f"{server.url}/")
        status, record = post_json(f"{server.url}/api/analyze", {"log": PORT_CLASH})
        code, printed = server.stop()

    assert page[0] == 200 and b"autodevops" in page[2]
    assert (status, record["pattern_id"]) == (200, "docker.port_already_allocated")
    assert code == 0
    assert printed.splitlines()[0] == f"autodevops: serving the page and the API on {server.url}/"


def test_with_a_prefect_api_a_batch_is_a_flow_run_of_the_analyze_flow(prefect_api, ingested_home, tmp_path):
    from prefect.client.orchestration import get_client

    home = copy_home(ingested_home, tmp_path / "home")
    with ServeProcess(home, PREFECT_API_URL=prefect_api, PREFECT_HOME=str(tmp_path / "prefect")) as server:
        body, headers = multipart("file", "flow.tar.gz", tar_gz({"port.log": PORT_CLASH}))
        batch_id = json.loads(request(f"{server.url}/api/batches", body, headers)[2])["id"]
        state = wait_for_batch(server.url, batch_id)
        records = [json.loads(line) for line in request(f"{server.url}/api/batches/{batch_id}/results")[2].splitlines()]

    assert (state["status"], state["done"], state["counts"]) == ("done", 1, {"answered": 1}), state["error"]
    assert [(r["id"], r["pattern_id"]) for r in records] == [("flow.tar.gz:port.log", "docker.port_already_allocated")]
    with get_client(sync_client=True) as client:
        runs = [run for run in client.read_flow_runs() if batch_id in json.dumps(run.parameters)]
    assert [run.state.type.value for run in runs] == ["COMPLETED"]


def test_a_token_guards_every_endpoint(ingested_home, tmp_path):
    home = copy_home(ingested_home, tmp_path / "home")
    with LiveServer(home, token="s3cret-token") as server:
        assert request(f"{server.url}/")[0] == 401
        assert request(f"{server.url}/api/patterns")[0] == 401
        assert request(f"{server.url}/openapi.json")[0] == 401
        assert request(f"{server.url}/api/patterns", headers={"authorization": "Bearer wrong"})[0] == 401
        assert request(f"{server.url}/api/patterns", headers={"authorization": "Bearer s3cret-token"})[0] == 200

        status, headers, _ = request(f"{server.url}/?token=s3cret-token")
        cookie = headers["set-cookie"].split(";")[0]
        assert status == 200 and "HttpOnly" in headers["set-cookie"] and "SameSite=Strict" in headers["set-cookie"]
        assert request(f"{server.url}/api/stats", headers={"cookie": cookie})[0] == 200


def test_the_benchmark_report_shows_when_one_exists(ingested_home, tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "metrics.json").write_text(json.dumps({
        "generated": "2026-12-01 10:00 UTC", "summary": "tuned hybrid top-1 0.91", "warnings": [],
        "approaches": {"tuned hybrid": {"top1": 0.91, "coverage": 0.95}}}))
    (reports / "report.html").write_text("<!doctype html><h1>report</h1>")
    with LiveServer(copy_home(ingested_home, tmp_path / "home"), reports=reports) as server:
        report = json.loads(request(f"{server.url}/api/report")[2])
        page = request(f"{server.url}/report")
    with LiveServer(copy_home(ingested_home, tmp_path / "other"), reports=tmp_path / "none") as server:
        missing = json.loads(request(f"{server.url}/api/report")[2])

    assert (report["available"], report["summary"], report["html"]) == (True, "tuned hybrid top-1 0.91", True)
    assert report["approaches"]["tuned hybrid"]["top1"] == 0.91
    assert page[0] == 200 and page[2] == b"<!doctype html><h1>report</h1>"
    assert missing == {"available": False, "folder": str(tmp_path / "none")}


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                            ("[::1]", True), ("0.0.0.0", False), ("192.168.1.20", False),
                                            ("example.org", False)])
def test_only_loopback_addresses_count_as_this_machine(host, loopback):
    assert is_loopback(host) is loopback


def test_serving_beyond_loopback_needs_a_token():
    check_binding("0.0.0.0", "t0ken")
    with pytest.raises(ValueError, match="listening on 0.0.0.0 needs an access token"):
        check_binding("0.0.0.0", None)

    done = subprocess.run([sys.executable, "-m", "autodevops.cli", "serve", "--host", "0.0.0.0"],
                          capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})

    assert done.returncode == 1
    assert done.stderr.strip() == ("autodevops: error: ValueError: listening on 0.0.0.0 needs an access token "
                                   "(--token or AUTODEVOPS_TOKEN)")
