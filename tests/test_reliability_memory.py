"""Bounded memory: the real CLI, default settings, big inputs generated here; peak RSS measured in a subprocess.

Each test writes its input into tmp (a 1 GiB zip member compresses to a few MB; a 300 MB log is written
in about a second), runs ``autodevops analyze`` in a child process and reads the child's peak RSS from
``getrusage(RUSAGE_CHILDREN)`` in a small wrapper process, so nothing else this session ran is counted.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

GIB = 1024 ** 3
LIMIT_KIB = 1024 * 1024  # 1 GiB, in the unit ru_maxrss uses on Linux
REAL_LOGS = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "logchunks-dev.jsonl.gz"
NOISE = "".join(f"2024-03-05T10:{i // 60:02d}:{i % 60:02d}.123Z INFO [worker-{i % 7}] Downloading layer "
                f"{i * 7919:08x} ({i % 97}.{i % 10} MB) from registry.example.com/app/base\n" for i in range(120))
FAILURE = ("Step 7/9 : RUN docker run -p 5432:5432 postgres\n"
           "docker: Error response from daemon: driver failed programming external connectivity on endpoint db: "
           "Bind for 0.0.0.0:5432 failed: port is already allocated.\n"
           "ERROR: Job failed: exit code 125\n")
PEAK_RSS = ("import resource, subprocess, sys\n"
            "done = subprocess.run(sys.argv[1:])\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode, file=sys.stderr)\n")


def write_log(handle, size: int) -> None:
    """``size`` bytes: repeated build noise, then the failure on the last lines (benchmarks/memory.py uses it too)."""
    block = (NOISE * (1 + (1 << 20) // len(NOISE))).encode()
    written = 0
    while written + len(block) < size - len(FAILURE):
        handle.write(block)
        written += len(block)
    handle.write(b"#" * (size - len(FAILURE) - written - 1) + b"\n" + FAILURE.encode())


def analyze(home: Path, *args: str) -> tuple[list[dict], int, int, str]:
    """Run the real CLI with default settings: (results, exit code, peak RSS in KiB, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTODEVOPS_", "PREFECT_API_URL"))}
    env["AUTODEVOPS_HOME"] = str(home)
    cli = Path(sys.executable).with_name("autodevops")
    done = subprocess.run([sys.executable, "-c", PEAK_RSS, str(cli), "analyze", *args], env=env,
                          capture_output=True, text=True, timeout=600)
    peak, code = map(int, done.stderr.strip().splitlines()[-1].split())
    return [json.loads(line) for line in done.stdout.splitlines()], code, peak, done.stderr


def test_a_zip_member_of_1_gib_answers_within_1_gib(cli_home, tmp_path):
    archive = tmp_path / "huge.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("ci/huge.log", "w", force_zip64=True) as m:
        write_log(m, GIB)
    results, code, peak, stderr = analyze(cli_home, str(archive))
    assert code == 0, stderr
    [result] = results
    assert result["id"] == f"{archive}:ci/huge.log" and result["error"] is None
    assert result["truncated"] is True
    assert result["pattern_id"] == "docker.port_already_allocated"
    assert peak <= LIMIT_KIB, f"peak RSS {peak // 1024} MiB"


def test_a_300_mb_log_answers_within_1_gib(cli_home, tmp_path):
    log = tmp_path / "huge.log"
    with open(log, "wb") as handle:
        write_log(handle, 300 * 10 ** 6)
    results, code, peak, stderr = analyze(cli_home, str(log))
    assert code == 0, stderr
    [result] = results
    assert (result["id"], result["error"], result["truncated"]) == (str(log), None, True)
    assert result["pattern_id"] == "docker.port_already_allocated"
    assert any("port is already allocated" in line for line in result["matched_lines"])
    assert peak <= LIMIT_KIB, f"peak RSS {peak // 1024} MiB"


def test_a_300_mb_json_line_is_an_error_record_and_the_next_record_is_answered(cli_home, tmp_path):
    records = tmp_path / "records.jsonl"
    escaped = json.dumps(NOISE * (1 + (1 << 20) // len(NOISE)))[1:-1].encode()  # one JSON string: no raw newline
    with open(records, "wb") as handle:
        handle.write(b'{"id": "huge", "log": "')
        for _ in range(300 * 10 ** 6 // len(escaped)):
            handle.write(escaped)
        handle.write(json.dumps(FAILURE)[1:].encode() + b'}\n')
        handle.write(json.dumps({"id": "next", "log": FAILURE}).encode() + b"\n")
    results, code, peak, stderr = analyze(cli_home, "--records", str(records), "--strict")
    assert code == 1 and "1 of 2 logs could not be read (--strict)" in stderr
    assert [r["id"] for r in results] == [f"{records}:1", "next"]
    assert "more than the 67108864 byte limit (AUTODEVOPS_MAX_RECORD_BYTES)" in results[0]["error"]
    assert results[1]["pattern_id"] == "docker.port_already_allocated"
    assert peak <= LIMIT_KIB, f"peak RSS {peak // 1024} MiB"


@pytest.mark.skipif(not REAL_LOGS.exists(), reason=f"the real-log set is not at {REAL_LOGS}")
def test_the_real_log_set_answers_within_1_gib(cli_home, tmp_path):
    import gzip

    records = tmp_path / "real.jsonl"
    with gzip.open(REAL_LOGS, "rb") as src, open(records, "wb") as dst:
        shutil.copyfileobj(src, dst)
    with open(records, encoding="utf-8") as handle:
        ids = [json.loads(line)["id"] for line in handle]
    results, code, peak, stderr = analyze(cli_home, "--records", str(records))
    assert code == 0, stderr
    assert [r["id"] for r in results] == ids
    assert all(r["error"] is None for r in results)
    assert peak <= LIMIT_KIB, f"peak RSS {peak // 1024} MiB"
