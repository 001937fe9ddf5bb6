"""End-to-end throughput of the ``autodevops analyze`` command, process start included (a script, not a test).

    python benchmarks/end_to_end.py --docs 2000 --workers 1            # the >= 300 docs/s acceptance figure
    python benchmarks/end_to_end.py --docs 6000 --workers 1 2          # one process against --dask local:2
    python benchmarks/end_to_end.py --records ../shared/realworld/logchunks-dev.jsonl.gz --workers 1 2

It reuses the generated archive and the ingested, tuned home of ``benchmarks/analyze.py`` (same
``--workdir``), warms the embedding cache with one run, then times each run of the real command in a fresh
process: 1 worker is the default in-process engine, N > 1 is ``--dask local:N``, in interleaved rounds. No
Prefect API is set, so no orchestration is involved. Prints the median of ``--repeats`` runs (docs/s, MB/s of
log text, speed-up over one worker) and fails if any run wrote different answers from the first.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from analyze import generate  # noqa: E402  (the archive generator of the sibling benchmark script)

AUTODEVOPS = [sys.executable, "-m", "autodevops.cli"]


def prepare_home(home: Path, env: dict[str, str]) -> None:
    """Ingest the shipped corpus and tune once, as ``benchmarks/analyze.py`` does."""
    if not (home / "patterns.duckdb").exists():
        subprocess.run([*AUTODEVOPS, "ingest"], env=env, check=True, stdout=subprocess.DEVNULL)
    if '"tuned"' not in (home / "tuned.json").read_text():
        subprocess.run([*AUTODEVOPS, "tune", "--trials", "100"], env=env, check=True, stdout=subprocess.DEVNULL)


def input_of(args: argparse.Namespace, work: Path) -> tuple[list[str], int, int]:
    """The analyze arguments for the input, its number of logs and its bytes of log text."""
    if args.records:
        source = Path(args.records)
        plain = work / source.name.removesuffix(".gz")
        if not plain.exists():
            with gzip.open(source, "rb") as zipped, plain.open("wb") as out:
                shutil.copyfileobj(zipped, out)
        logs = [json.loads(line)["log"] for line in plain.read_text().splitlines() if line.strip()]
        return ["--records", str(plain)], len(logs), sum(len(log.encode()) for log in logs)
    archive = work / f"archive-{args.docs}.tar.gz"
    if not archive.exists():
        generate(archive, args.docs)
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
    return [str(archive)], len(members), sum(m.size for m in members)


def timed_run(command: list[str], env: dict[str, str], out: Path) -> float:
    start = time.perf_counter()
    subprocess.run([*command, "--output", str(out)], env=env, check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def first_difference(expected: str, got: str) -> str:
    for want, have in zip(expected.splitlines(), got.splitlines()):
        if want != have:
            a, b = json.loads(want), json.loads(have)
            return f"{a['id']}: " + ", ".join(f"{k} {a[k]!r} -> {b.get(k)!r}" for k in a if a[k] != b.get(k))
    return "different number of results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=2000, help="logs in the generated archive")
    parser.add_argument("--records", help="a JSON Lines (.gz) file of {id, log} records instead of an archive")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", default="benchmarks/out")
    args = parser.parse_args()
    work = Path(args.workdir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    home = work / "home"
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "AUTODEVOPS_DASK")}
    env.update(AUTODEVOPS_HOME=str(home), HF_HUB_OFFLINE="1")
    os.environ["AUTODEVOPS_HOME"] = str(home)
    prepare_home(home, env)
    inputs, docs, size = input_of(args, work)
    command = [*AUTODEVOPS, "analyze", *inputs]
    stem = Path(inputs[-1]).name.split(".")[0]
    reference = work / f"{stem}-reference.jsonl"
    timed_run(command, env, reference)  # warms the embedding cache: every timed run below is a warm run
    expected = reference.read_text()

    outputs = {w: work / f"{stem}-{w}-workers.jsonl" for w in args.workers}
    seconds: dict[int, list[float]] = {w: [] for w in args.workers}
    # Rounds, not one engine after the other: every run adds to the analysis journal, and the machine's load
    # drifts; interleaved, each engine meets the same conditions.
    for _ in range(args.repeats):
        for workers in args.workers:
            engine = [] if workers == 1 else ["--dask", f"local:{workers}"]
            seconds[workers].append(timed_run(command + engine, env, outputs[workers]))
            if outputs[workers].read_text() != expected:
                raise SystemExit(f"{workers} worker(s) wrote different answers from the reference run: "
                                 f"{first_difference(expected, outputs[workers].read_text())}")

    results = {}
    for workers in args.workers:
        median = statistics.median(seconds[workers])
        results[workers] = {"docs": docs, "mb": round(size / 1e6, 1), "median_seconds": round(median, 2),
                            "runs": [round(s, 2) for s in seconds[workers]], "docs_per_s": round(docs / median, 1),
                            "mb_per_s": round(size / 1e6 / median, 2)}
        if 1 in results:
            results[workers]["speedup"] = round(results[1]["median_seconds"] / median, 2)
        print(f"{workers} worker(s): {json.dumps(results[workers])}", file=sys.stderr)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
