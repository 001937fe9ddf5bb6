"""`autodevops analyze` as CONTRACT.md writes it: inputs, formats, order, errors, the Prefect batch path."""
import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
import urllib.request
import zipfile

import pytest

from autodevops.cli import main
from autodevops.corpus import datasets_dir

LOGS = {
    "a.log": "2024-01-01T00:00:00Z starting\nError response from daemon: Bind for 0.0.0.0:80 failed: port is already allocated\n",
    "b.log": "FATAL:  password authentication failed for user \"shop\"\n",
    "c.log": "all good\ndeployed\n",
}
KEYS = {"id", "analysis_id", "pattern_id", "category", "confidence", "source", "matched_lines", "failed_step",
        "job_status", "solution", "error"}


@pytest.fixture
def env(ingested_home, monkeypatch):
    monkeypatch.setenv("AUTODEVOPS_HOME", str(ingested_home))
    return ingested_home


def run(capsys, *args) -> list[dict]:
    assert main(["analyze", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_records_give_one_line_per_record_same_ids_same_order(env, tmp_path, capsys, prefect_api):
    records = tmp_path / "r.jsonl"
    ids = ["z-9", "a-1", "m-5"]
    records.write_text("".join(json.dumps({"id": i, "log": log}) + "\n" for i, log in zip(ids, LOGS.values())))
    for engine in ("local", "prefect"):
        out = run(capsys, "--records", str(records), "--engine", engine)
        assert [o["id"] for o in out] == ids
        assert all(set(o) == KEYS for o in out)
        assert [o["pattern_id"] for o in out] == ["docker.port_already_allocated", "database.auth_failed", None]
        assert out[2]["source"] == "none" and out[2]["solution"] is None and out[2]["category"] is None


def api(url: str, path: str, body: dict):
    request = urllib.request.Request(f"{url}{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def records_file(path) -> list[str]:
    ids = ["z-9", "a-1", "m-5"]
    path.write_text("".join(json.dumps({"id": i, "log": log}) + "\n" for i, log in zip(ids, LOGS.values())))
    return ids


def test_with_an_api_a_batch_is_a_flow_run_with_one_task_per_batch_and_a_summary(env, tmp_path, capsys, prefect_api):
    ids = records_file(tmp_path / "r.jsonl")
    out = run(capsys, "--records", str(tmp_path / "r.jsonl"), "--batch-size", "2")
    assert [o["id"] for o in out] == ids
    flow_run = api(prefect_api, "/flow_runs/filter", {"flows": {"name": {"any_": ["analyze"]}},
                                                      "sort": "START_TIME_DESC", "limit": 1})[0]
    assert flow_run["state"]["type"] == "COMPLETED"
    assert flow_run["parameters"]["store_url"] is None  # the store URL travels in the environment, never here
    tasks = api(prefect_api, "/task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run["id"]]}}})
    assert sorted(t["name"].split("-")[0] for t in tasks) == ["score_batch", "score_batch"]
    artifact = api(prefect_api, "/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [flow_run["id"]]}}})[0]
    assert artifact["key"] == "analyze-summary"
    assert {row["outcome"]: row["logs"] for row in json.loads(artifact["data"])} == {"pattern": 2, "none": 1}


def test_dask_task_runner_gives_the_local_answers_in_order(env, tmp_path, capsys, prefect_api):
    records_file(tmp_path / "r.jsonl")
    local = run(capsys, "--records", str(tmp_path / "r.jsonl"), "--engine", "local")
    on_dask = run(capsys, "--records", str(tmp_path / "r.jsonl"), "--dask", "local:2", "--batch-size", "1")
    assert on_dask == local
    flow_run = api(prefect_api, "/flow_runs/filter", {"flows": {"name": {"any_": ["analyze"]}},
                                                      "sort": "START_TIME_DESC", "limit": 1})[0]
    assert flow_run["state"]["type"] == "COMPLETED"
    tasks = api(prefect_api, "/task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run["id"]]}}})
    assert len(tasks) == 3 and all(t["state"]["type"] == "COMPLETED" for t in tasks)


def test_files_folders_gz_tar_zip_and_stdin(env, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "logs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.log").write_text(LOGS["a.log"])
    (folder / "sub" / "b.log").write_text(LOGS["b.log"])
    gz = tmp_path / "a.log.gz"
    gz.write_bytes(gzip.compress(LOGS["a.log"].encode()))
    tgz = tmp_path / "logs.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        for name, text in LOGS.items():
            info = tarfile.TarInfo(name)
            info.size = len(text.encode())
            tar.addfile(info, io.BytesIO(text.encode()))
    zf = tmp_path / "logs.zip"
    with zipfile.ZipFile(zf, "w") as z:
        z.writestr("b.log", LOGS["b.log"])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(LOGS["b.log"].encode())))
    out = run(capsys, str(folder), str(gz), str(tgz), str(zf), "-", "--engine", "local")
    assert [o["id"] for o in out] == [f"{folder}/a.log", f"{folder}/sub/b.log", str(gz), f"{tgz}:a.log", f"{tgz}:b.log",
                                      f"{tgz}:c.log", f"{zf}:b.log", "-"]
    assert [o["pattern_id"] for o in out] == ["docker.port_already_allocated", "database.auth_failed",
                                              "docker.port_already_allocated", "docker.port_already_allocated",
                                              "database.auth_failed", None, "database.auth_failed", "database.auth_failed"]


def test_an_unreadable_log_is_reported_in_its_own_record(env, tmp_path, capsys):
    good = tmp_path / "a.log"
    good.write_text(LOGS["a.log"])
    broken = tmp_path / "broken.tgz"
    broken.write_bytes(b"not a tar archive")
    out = run(capsys, str(broken), str(good), "--engine", "local")
    assert out[0]["id"] == str(broken) and out[0]["error"].startswith("cannot read")
    assert out[0]["pattern_id"] is None and out[1]["pattern_id"] == "docker.port_already_allocated"


def test_table_and_markdown_views(env, tmp_path, capsys):
    log = tmp_path / "a.log"
    log.write_text(LOGS["a.log"])
    assert main(["analyze", str(log), "--format", "table"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["LOG", "PATTERN", "CONF"] and "docker.port_already_allocated" in lines[1]
    assert main(["analyze", str(log), "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert "**docker.port_already_allocated** (docker)" in md and "```sh" in md and "\n1. " in md


def test_output_file(env, tmp_path, capsys):
    log = tmp_path / "a.log"
    log.write_text(LOGS["a.log"])
    target = tmp_path / "out.jsonl"
    assert main(["analyze", str(log), "--output", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert json.loads(target.read_text())["pattern_id"] == "docker.port_already_allocated"


def test_the_shipped_sample_archive_gives_one_result_per_log(env, capsys):
    archive = datasets_dir() / "samples" / "deploy-logs.tar.gz"
    with tarfile.open(archive) as tar:
        members = [m.name for m in tar.getmembers() if m.isfile()]
    out = run(capsys, str(archive))
    assert [o["id"] for o in out] == [f"{archive}:{m}" for m in members]
    labels = {json.loads(l)["file"]: json.loads(l)["pattern_id"]
              for l in (datasets_dir() / "samples" / "labels.jsonl").read_text().splitlines()}
    expected = [labels[o["id"].rsplit(":", 1)[1]] for o in out]
    right = sum(o["pattern_id"] == (None if y == "unknown" else y) for o, y in zip(out, expected))
    assert right >= len(out) - 1


def test_one_log_path_needs_neither_prefect_nor_torch(env, tmp_path):
    log = tmp_path / "a.log"
    log.write_text(LOGS["a.log"])
    code = ("import sys; from autodevops.cli import main; rc = main(['analyze', sys.argv[1]]); "
            "print(rc, 'prefect' in sys.modules, 'torch' in sys.modules, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code, str(log)], capture_output=True, text=True,
                          env={**os.environ, "AUTODEVOPS_HOME": str(env)}, timeout=120)
    assert proc.stderr.strip().splitlines()[-1] == "0 False False"
    assert json.loads(proc.stdout)["pattern_id"] == "docker.port_already_allocated"


def test_missing_input_fails_with_one_line(env, capsys):
    assert main(["analyze"]) == 1
    assert capsys.readouterr().err.strip() == "autodevops: error: ValueError: give a PATH, - for stdin, or --records FILE"


def test_empty_store_fails_with_one_line(home, tmp_path, capsys):
    log = tmp_path / "a.log"
    log.write_text("x")
    assert main(["analyze", str(log)]) == 1
    assert capsys.readouterr().err.count("\n") == 1
