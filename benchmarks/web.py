"""Latency of the REST API over real HTTP, and the time to score the sample archive through it (a script).

    AUTODEVOPS_HOME=.autodevops python benchmarks/web.py [--requests 200]

Starts ``autodevops serve`` on a free loopback port over a temporary copy of an ingested home, without
its embedding cache (``tune`` embedded the held-out logs: with the cache, every request would be a hit), then:
1. posts held-out corpus logs to ``/api/analyze`` one at a time (a person pasting logs; each log is
   new to the server, so each pays extraction and embedding) and reports p50/p95/max;
2. uploads ``datasets/samples/deploy-logs.tar.gz`` to ``/api/batches`` and polls until it is done,
   which is what the page does; reports the time from upload to the last result.
Run it after ``autodevops ingest`` and ``tune``; the home itself is left as it was.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "datasets" / "samples" / "deploy-logs.tar.gz"
HELDOUT = ROOT / "datasets" / "corpus" / "heldout"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(url: str, data: bytes | None = None, headers: dict | None = None) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers or {}), timeout=300) as r:
        return r.read()


def heldout_logs(count: int) -> list[str]:
    logs: list[str] = []
    for path in sorted(HELDOUT.glob("*.jsonl")):
        logs += [json.loads(line)["log"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    # Distinct texts only: a repeat would be answered from the embedding cache.
    return list(dict.fromkeys(logs))[:count]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="one-log requests to time")
    args = parser.parse_args()
    source = Path(os.environ.get("AUTODEVOPS_HOME", ".autodevops")).resolve()
    scratch = Path(tempfile.mkdtemp(prefix="autodevops-web-"))
    home = scratch / "home"
    shutil.copytree(source, home, symlinks=True, ignore=shutil.ignore_patterns("embeddings.sqlite*", "batches"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "autodevops.cli", "serve", "--port", str(port)],
                              env={**os.environ, "AUTODEVOPS_HOME": str(home), "AUTODEVOPS_TOKEN": ""})
    try:
        while True:
            try:
                call(f"{url}/api/health")
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit("autodevops serve exited: run `autodevops ingest` first?")
                time.sleep(0.1)
        start_up = time.perf_counter() - started

        logs = heldout_logs(args.requests)
        latencies = []
        for log in logs:
            body = json.dumps({"log": log}).encode()
            t0 = time.perf_counter()
            call(f"{url}/api/analyze", body, {"content-type": "application/json"})
            latencies.append((time.perf_counter() - t0) * 1000)

        boundary = "autodevops-benchmark"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{SAMPLE.name}\"\r\n"
                "Content-Type: application/gzip\r\n\r\n")
        upload = head.encode() + SAMPLE.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        t0 = time.perf_counter()
        batch = json.loads(call(f"{url}/api/batches", upload,
                                {"content-type": f"multipart/form-data; boundary={boundary}"}))["id"]
        while (status := json.loads(call(f"{url}/api/batches/{batch}")))["status"] not in ("done", "failed"):
            time.sleep(0.05)
        call(f"{url}/api/batches/{batch}/results")
        archive_seconds = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(scratch, ignore_errors=True)

    print(json.dumps({
        "server_start_s": round(start_up, 2),
        "one_log_requests": len(latencies),
        "one_log_ms": {"p50": round(statistics.median(latencies), 1), "p95": round(percentile(latencies, 0.95), 1),
                       "max": round(max(latencies), 1)},
        "sample_archive": {"logs": status["done"], "status": status["status"], "seconds": round(archive_seconds, 2)},
    }, indent=2))


if __name__ == "__main__":
    main()
