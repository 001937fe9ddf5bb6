"""Speed and memory of `autodevops analyze` on real, complete CI logs: MB/s, logs/s and peak RSS.

Each run is a fresh process (`autodevops analyze --records FILE --output ...`), timed from outside; peak RSS
is the child's maximum resident set (getrusage). `--copies N` repeats the set with new ids, so that a set of
the size of the held-back one (208 MB) can be measured from the 55 MB development set. The first run starts
from an empty embedding cache (cold); the next ones reuse it (warm).

    python benchmarks/real_logs.py ../shared/realworld/logchunks-dev.jsonl.gz --copies 4 --runs 3

Needs an ingested (and ideally tuned) AUTODEVOPS_HOME.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def write_records(source: Path, copies: int, target: Path) -> tuple[int, int]:
    """The set as `--records` input, repeated `copies` times with distinct ids; returns (logs, bytes of log text)."""
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    count = size = 0
    with target.open("w", encoding="utf-8") as out:
        for copy in range(copies):
            for row in rows:
                out.write(json.dumps({"id": f"{copy}/{row['id']}", "log": row["log"]}) + "\n")
                count += 1
                size += len(row["log"].encode("utf-8"))
    return count, size


def run_once(records: Path, output: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one `autodevops analyze` process."""
    binary = Path(sys.executable).with_name("autodevops")
    started = time.perf_counter()
    subprocess.run([str(binary), "analyze", "--records", str(records), "--output", str(output)], check=True,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, peak_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="real-log set (JSON Lines with id and log, .gz ok)")
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="warm runs after the cold one")
    args = parser.parse_args()
    home = Path(os.environ.get("AUTODEVOPS_HOME", ".autodevops"))
    cache = home / "embeddings.sqlite"
    with tempfile.TemporaryDirectory() as tmp:
        records = Path(tmp) / "records.jsonl"
        logs, size = write_records(args.source, args.copies, records)
        if cache.exists():  # cold: no embedding cached yet (kept aside and restored afterwards)
            shutil.move(cache, Path(tmp) / "cache.sqlite")
        try:
            cold = run_once(records, Path(tmp) / "cold.jsonl")
            warm = [run_once(records, Path(tmp) / f"warm{i}.jsonl") for i in range(args.runs)]
        finally:
            if (Path(tmp) / "cache.sqlite").exists():
                cache.unlink(missing_ok=True)
                shutil.move(Path(tmp) / "cache.sqlite", cache)
        answers = sum(1 for line in (Path(tmp) / "cold.jsonl").open() if json.loads(line)["pattern_id"])
    megabytes = size / 1e6
    median = statistics.median(w for w, _ in warm) if warm else cold[0]
    print(json.dumps({
        "logs": logs, "megabytes": round(megabytes, 1), "answers": answers,
        "cold": {"seconds": round(cold[0], 2), "mb_per_s": round(megabytes / cold[0], 2),
                 "logs_per_s": round(logs / cold[0], 1)},
        "warm_median": {"seconds": round(median, 2), "mb_per_s": round(megabytes / median, 2),
                        "logs_per_s": round(logs / median, 1)},
        "peak_rss_mib": round(max([cold[1]] + [p for _, p in warm]), 1),
    }, indent=2))


if __name__ == "__main__":
    main()
