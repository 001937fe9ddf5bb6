"""Throughput benchmark of `analyze` on a generated archive of CI/deploy logs (a script, not a test).

    python benchmarks/analyze.py [--docs 10000] [--workdir benchmarks/out]

It generates N logs of 50-150 lines: build, install and rollout noise with one real error (a held-out
corpus log with fresh ids, addresses and numbers) buried near the end. Each phase runs in a fresh process:

- cold: empty embedding cache;  warm: the cache left by the cold run;
- reference: raw ``SentenceTransformer.encode`` (torch) on the same failure lines, no dedup, no cache.

Reports docs/s, lines/s, embedded lines/s, cache hit ratio, peak RSS and top-1 on the buried errors.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tarfile
import time
from pathlib import Path

NOISE = [
    "#{n} [builder {a}/9] RUN pip install --no-cache-dir -r requirements.txt",
    "#{n} {t}.{a} Collecting {pkg}=={a}.{b}.{c}",
    "#{n} {t}.{a} Downloading {pkg}-{a}.{b}.{c}-py3-none-any.whl ({a}{b}.{c} kB)",
    "#{n} DONE {t}.{a}s",
    "Step {a}/{b} : COPY . /app",
    " ---> Using cache",
    " ---> {hex}",
    "{hex}: Pulling fs layer",
    "{hex}: Download complete",
    "{hex}: Pull complete",
    "npm WARN deprecated {pkg}@{a}.{b}.{c}: this package is no longer supported",
    "added {a}{b}{c} packages, and audited {a}{c}{b} packages in {a}s",
    "[INFO] Downloading from central: https://repo.maven.apache.org/maven2/org/{pkg}/{pkg}/{a}.{b}/{pkg}-{a}.{b}.pom",
    "[INFO] Building jar: /builds/app/target/{pkg}-{a}.{b}.{c}.jar",
    "> Task :{pkg}:compileJava UP-TO-DATE",
    "deployment.apps/{pkg} configured",
    "service/{pkg} unchanged",
    "Waiting for deployment \"{pkg}\" rollout to finish: {a} of {b} updated replicas are available...",
    "INFO  [main] c.a.{pkg}.Application : Started Application in {a}.{b} seconds (process running for {c}.{a})",
    "{ts} INFO  Processed {a}{b}{c} events in {c}ms",
    "{ts} DEBUG cache hit ratio {a}.{b}",
    "Run actions/setup-node@v4",
    "##[group]Run npm ci",
    "##[endgroup]",
    "$ terraform plan -out=tfplan",
    "  + resource \"aws_s3_bucket\" \"{pkg}\" {{",
    "Plan: {a} to add, {b} to change, 0 to destroy.",
    "[{a}/{b}] Compiling src/{pkg}.rs",
    "   Compiling {pkg} v{a}.{b}.{c}",
    "Successfully tagged registry.example.com/{pkg}:{a}.{b}.{c}",
]
PACKAGES = ["requests", "urllib3", "flask", "lodash", "react", "spring-core", "jackson", "serde", "tokio", "boto3",
            "numpy", "pydantic", "express", "webpack", "guava", "netty", "zod", "axios", "gunicorn", "celery"]


def fresh_values(text: str, rng: random.Random) -> str:
    """The same error with other ids and addresses, as another run would print it (ports keep their meaning)."""
    text = re.sub(r"\b\d{1,3}(?:\.\d{1,3}){3}\b", lambda m: ".".join(str(rng.randint(1, 254)) for _ in range(4)), text)
    return re.sub(r"\b[0-9a-f]{12,64}\b", lambda m: "".join(rng.choice("0123456789abcdef") for _ in m.group()), text)


def generate(path: Path, docs: int, seed: int = 7) -> list[dict]:
    from autodevops.corpus import load_corpus

    rng = random.Random(seed)
    heldout = load_corpus("heldout")
    labels = []
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for i in range(docs):
            source = rng.choice(heldout)
            error = fresh_values(source.log, rng).splitlines()
            total = rng.randint(50, 150)
            before = max(total - len(error) - rng.randint(1, 4), 5)
            lines = []
            for n in range(before):
                v = {"n": n, "a": rng.randint(1, 9), "b": rng.randint(0, 9), "c": rng.randint(0, 99),
                     "t": rng.randint(1, 300), "pkg": rng.choice(PACKAGES),
                     "hex": "%012x" % rng.getrandbits(48), "ts": f"2025-02-{rng.randint(1, 28):02d}T10:{n % 60:02d}:{rng.randint(0, 59):02d}Z"}
                lines.append(rng.choice(NOISE).format(**v))
            lines += error + ["Cleaning up project directory and file based variables", "ERROR: Job failed: exit code 1"][: total - before - len(error) + 2]
            data = ("\n".join(lines) + "\n").encode()
            info = tarfile.TarInfo(f"logs/job-{i:05d}.log")
            info.size = len(data)
            import io

            tar.addfile(info, io.BytesIO(data))
            labels.append({"id": f"{path}:logs/job-{i:05d}.log", "pattern_id": source.pattern_id, "lines": len(lines)})
    (path.parent / "labels.jsonl").write_text("".join(json.dumps(l) + "\n" for l in labels))
    return labels


def phase(archive: Path, home: Path, out: Path) -> dict:
    """One timed analyze run in this process (called in a fresh subprocess)."""
    from autodevops.analyzer import Analyzer
    from autodevops.inputs import iter_inputs
    from autodevops.settings import Settings

    start = time.perf_counter()
    analyzer = Analyzer.load(Settings.from_env())
    loaded = time.perf_counter()
    lines = 0
    results = []

    def counted():
        nonlocal lines
        for item in iter_inputs([str(archive)]):
            lines += item.text.count("\n") if item.text else 0
            yield item

    embed_seconds = 0.0
    inner = analyzer.encoder.encoder
    original = inner.encode

    def timed(texts):
        nonlocal embed_seconds
        t = time.perf_counter()
        try:
            return original(texts)
        finally:
            embed_seconds += time.perf_counter() - t

    inner.encode = timed
    for r in analyzer.analyze(counted(), batch_size=512):
        results.append((r.id, r.pattern_id))
    end = time.perf_counter()
    enc = analyzer.encoder
    labels = {json.loads(l)["id"]: json.loads(l)["pattern_id"] for l in (archive.parent / "labels.jsonl").read_text().splitlines()}
    known = [(p, labels[i]) for i, p in results if labels[i] != "unknown"]
    unknown = [p for i, p in results if labels[i] == "unknown"]
    seconds = end - loaded
    return {
        "docs": len(results), "lines": lines, "load_seconds": round(loaded - start, 2), "seconds": round(seconds, 2),
        "docs_per_s": round(len(results) / seconds, 1), "lines_per_s": round(lines / seconds),
        "embedded_lines": enc.misses, "embed_seconds": round(embed_seconds, 2),
        "embedded_lines_per_s": round(enc.misses / embed_seconds, 1) if embed_seconds else None,
        "cache_hit_ratio": round(enc.hits / max(enc.hits + enc.misses, 1), 4),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "top1_known": round(sum(p == y for p, y in known) / max(len(known), 1), 4),
        "abstained_unknown": round(sum(p is None for p in unknown) / max(len(unknown), 1), 4),
    }


def reference(archive: Path, limit: int) -> dict:
    """Raw SentenceTransformer.encode (torch) on the failure lines of the first ``limit`` logs."""
    from autodevops.analyzer import signal_matcher
    from autodevops.features.encoder import TorchEncoder
    from autodevops.features.extract import FailureExtractor
    from autodevops.inputs import iter_inputs
    from autodevops.settings import Settings
    from autodevops.store import open_store

    with open_store(Settings.from_env(), read_only=True) as store:
        extractor = FailureExtractor(signal_matcher(store.patterns()))
    texts = []
    for n, item in enumerate(iter_inputs([str(archive)])):
        if n >= limit:
            break
        texts.extend(line.template for line in extractor.extract(item.text).lines)
    encoder = TorchEncoder()
    start = time.perf_counter()
    encoder.model.encode(texts, batch_size=32)
    seconds = time.perf_counter() - start
    return {"docs": limit, "lines": len(texts), "seconds": round(seconds, 2), "lines_per_s": round(len(texts) / seconds, 1),
            "docs_per_s": round(limit / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--workdir", default="benchmarks/out")
    parser.add_argument("--reference-docs", type=int, default=1000, help="logs for the raw torch comparison")
    parser.add_argument("--phase", choices=("cold", "warm", "reference"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = Path(args.workdir).resolve()
    archive = work / f"archive-{args.docs}.tar.gz"
    home = work / "home"
    if args.phase:
        result = reference(archive, args.reference_docs) if args.phase == "reference" else phase(archive, home, work)
        print(json.dumps(result))
        return
    os.environ["AUTODEVOPS_HOME"] = str(home)
    os.environ["HF_HUB_OFFLINE"] = "1"
    if not archive.exists():
        t = time.perf_counter()
        generate(archive, args.docs)
        print(f"generated {args.docs} logs in {time.perf_counter() - t:.1f}s -> {archive}", file=sys.stderr)
    if not (home / "patterns.duckdb").exists():
        subprocess.run([sys.executable, "-m", "autodevops.cli", "ingest"], check=True, stdout=subprocess.DEVNULL)
    if '"tuned"' not in (home / "tuned.json").read_text():
        subprocess.run([sys.executable, "-m", "autodevops.cli", "tune", "--trials", "100"], check=True,
                       stdout=subprocess.DEVNULL)
    results = {}
    for suffix in ("", "-wal", "-shm"):
        (home / f"embeddings.sqlite{suffix}").unlink(missing_ok=True)
    # The store's examples were embedded at ingest; the cold phase starts with an empty query cache.
    for name in ("cold", "warm", "reference"):
        proc = subprocess.run([sys.executable, __file__, "--docs", str(args.docs), "--workdir", str(work),
                               "--reference-docs", str(args.reference_docs), "--phase", name],
                              capture_output=True, text=True, check=True)
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{name:9} {json.dumps(results[name])}", file=sys.stderr)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
