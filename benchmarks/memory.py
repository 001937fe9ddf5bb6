"""Peak memory of `autodevops analyze` on big inputs, with default settings (a script, not a test).

    python benchmarks/memory.py [--workdir /tmp/autodevops-memory] [--records ../shared/realworld/logchunks-dev.jsonl.gz]

Generates, in the work folder (never committed), the inputs of ``tests/test_reliability_memory.py`` (its
``write_log``):
- a .zip whose one member unpacks to 1 GiB of build noise with a port clash on its last lines;
- a single 300 MB plain log with the same failure at its end;
and, when given, gunzips the real-log set to a ``--records`` file. Each input runs in a fresh
`autodevops analyze` process (default engine and limits; ``AUTODEVOPS_HOME`` must hold an ingested
store) under ``/usr/bin/time -v``; prints peak RSS, wall time, what was found and whether the log was cut.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_reliability_memory import GIB, write_log  # noqa: E402  (the memory test's inputs, reused, not copied)


def make_zip(path: Path, size: int = GIB) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("build/huge.log", "w", force_zip64=True) as member:
            write_log(member, size)
    return path


def make_log(path: Path, size: int = 300 * 10 ** 6) -> Path:
    with open(path, "wb") as handle:
        write_log(handle, size)
    return path


def gunzip(source: Path, target: Path) -> Path:
    with gzip.open(source, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return target


def measure(args: list[str]) -> dict:
    """Run ``autodevops analyze ARGS`` under ``/usr/bin/time -v``: peak RSS, seconds, the results."""
    cli = Path(sys.executable).with_name("autodevops")
    started = time.monotonic()
    done = subprocess.run(["/usr/bin/time", "-v", str(cli), "analyze", *args], capture_output=True, text=True)
    seconds = time.monotonic() - started
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)[1])
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {"exit": done.returncode, "peak_rss_mib": peak_kb / 1024, "seconds": seconds, "results": results,
            "stderr_tail": done.stderr.strip().splitlines()[-25:] if done.returncode else []}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="/tmp/autodevops-memory")
    parser.add_argument("--records", help="the real-log set (.jsonl or .jsonl.gz) to analyze with --records")
    parser.add_argument("--keep", action="store_true", help="keep the generated inputs")
    args = parser.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    inputs = {"zip member of 1 GiB": [str(make_zip(work / "huge-member.zip"))],
              "plain log of 300 MB": [str(make_log(work / "huge.log"))]}
    if args.records:
        source = Path(args.records)
        records = gunzip(source, work / "records.jsonl") if source.suffix == ".gz" else source
        inputs[f"--records {source.name} ({records.stat().st_size / 1e6:.0f} MB)"] = ["--records", str(records)]
    try:
        for name, cli_args in inputs.items():
            run = measure(cli_args)
            first = run["results"][0] if run["results"] else {}
            print(f"{name:45} peak RSS {run['peak_rss_mib']:7.0f} MiB  {run['seconds']:6.1f} s  exit {run['exit']}  "
                  f"logs {len(run['results'])}  first: pattern={first.get('pattern_id')} "
                  f"truncated={first.get('truncated', False)} error={first.get('error')}")
            for line in run["stderr_tail"]:
                print("    " + line)
    finally:
        if not args.keep:
            for path in work.glob("*"):
                path.unlink()


if __name__ == "__main__":
    main()
