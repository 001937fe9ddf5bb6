"""Bulk-load speed and per-query SQL search vs load-once local search, on a MariaDB started here (and TiDB if set).

Usage: python benchmarks/store_search.py [--rows 2000,10000,50000] [--queries 1,10,100,1000] [--k 5]
With TIDB_DSN=tidb://user:pw@host:4000/db set, the same runs against TiDB too (in a scratch database).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pymysql

from autodevops.store.base import ExampleRow, vector_text
from autodevops.store.mysql import TIDB, ConnectionSettings, MySQLStore, nearest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "store"))
from mariadb_server import MariaDBServer  # noqa: E402  (the test fixture's server, reused, not copied)

REMOTE_BUDGET_S = 20.0  # per cell: beyond it the per-query path is timed on a prefix and extrapolated


@dataclass
class Cell:
    rows: int
    queries: int
    remote_s: float
    remote_measured: int
    local_s: float


def unit_vectors(n: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, 384)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def example_rows(n: int) -> list[ExampleRow]:
    vectors = unit_vectors(n, seed=n)
    return [ExampleRow(f"ex-{i:06d}", f"hash-{i:06d}", f"pattern.{i % 50}", "docker", f"src-{i}",
                       f"template line {i}", "bench", vectors[i]) for i in range(n)]


def scratch_database(server_url: str) -> Iterator[str]:
    """A fresh database on the server of ``server_url``, dropped afterwards."""
    name = f"autodevops_bench_{uuid.uuid4().hex[:8]}"
    kwargs = ConnectionSettings.from_url(server_url).pymysql_kwargs()
    conn = pymysql.connect(**kwargs)
    try:
        conn.cursor().execute(f"CREATE DATABASE {name}")
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        conn.cursor().execute(f"DROP DATABASE IF EXISTS {name}")
        conn.close()


def time_remote(store: MySQLStore, queries: np.ndarray, k: int) -> tuple[float, int]:
    """Seconds for one ``search`` call per query (extrapolated past the budget) and how many were really run."""
    start = time.perf_counter()
    for done, q in enumerate(queries, start=1):
        store.search(q[None], k)
        elapsed = time.perf_counter() - start
        if elapsed > REMOTE_BUDGET_S and done < len(queries):
            return elapsed / done * len(queries), done
    return time.perf_counter() - start, len(queries)


def time_local(store: MySQLStore, queries: np.ndarray, k: int) -> float:
    start = time.perf_counter()
    store.search_local(queries, k)
    return time.perf_counter() - start


def run_backend(label: str, server_url: str, sizes: list[int], query_counts: list[int], k: int) -> list[Cell]:
    cells = []
    for n in sizes:
        rows = example_rows(n)
        for url in scratch_database(server_url):
            with MySQLStore.from_url(url) as store:
                start = time.perf_counter()
                store.upsert_examples(rows)
                load_s = time.perf_counter() - start
                start = time.perf_counter()
                matrix = store.examples()
                fetch_s = time.perf_counter() - start
                print(f"[{label}] {n:>6} rows: bulk load {n / load_s:,.0f} rows/s ({load_s:.2f} s);"
                      f" examples() {fetch_s * 1e3:.0f} ms = {fetch_s / n * 1e6:.1f} us/row", flush=True)
                for q in query_counts:
                    queries = unit_vectors(q, seed=10_000 + q)
                    remote_s, measured = time_remote(store, queries, k)
                    cells.append(Cell(n, q, remote_s, measured, time_local(store, queries, k)))
                    print(f"[{label}]   Q={q:>5}: per-query {cells[-1].remote_s * 1e3:>10.1f} ms"
                          f"{'' if measured == q else f' (est. from {measured})'}"
                          f"  local {cells[-1].local_s * 1e3:>8.1f} ms", flush=True)
                del matrix
    return cells


def client_costs(n: int = 10_000, k: int = 5) -> None:
    """Client CPU costs that do not depend on the server: TiDB vector text parsing and numpy kNN."""
    vectors = unit_vectors(n, seed=1)
    texts = [vector_text(v) for v in vectors]
    TIDB.decode(texts[:1])  # warm-up: the first call imports the parser
    start = time.perf_counter()
    TIDB.decode(texts)
    parse = (time.perf_counter() - start) / n
    print(f"TiDB vector text: {sum(map(len, texts)) / n:,.0f} bytes/row, parse {parse * 1e6:.1f} us/row")
    from autodevops.store.base import ExampleMatrix

    matrix = ExampleMatrix([f"{i}" for i in range(n)], ["p"] * n, vectors)
    for q in (1, 1000):
        start = time.perf_counter()
        nearest(matrix, unit_vectors(q, seed=2), k)
        print(f"numpy exact kNN, {q} queries x {n} rows: {(time.perf_counter() - start) * 1e3:.1f} ms")


def print_table(label: str, cells: list[Cell]) -> None:
    print(f"\n### {label}\n")
    print("| rows | queries | per-query path (ms) | per query (ms) | load-once local (ms) | faster |")
    print("|---:|---:|---:|---:|---:|---|")
    for c in cells:
        estimate = "~" if c.remote_measured < c.queries else ""
        print(f"| {c.rows:,} | {c.queries:,} | {estimate}{c.remote_s * 1e3:,.1f} | {c.remote_s / c.queries * 1e3:,.2f}"
              f" | {c.local_s * 1e3:,.1f} | {'local' if c.local_s < c.remote_s else 'per-query'} |")
    for n in sorted({c.rows for c in cells}):
        wins = [c.queries for c in cells if c.rows == n and c.local_s < c.remote_s]
        print(f"- {n:,} rows: local path wins from {min(wins):,} queries" if wins else
              f"- {n:,} rows: per-query path wins at every batch size measured")


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="2000,10000,50000")
    parser.add_argument("--queries", default="1,10,100,1000")
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.rows.split(",")]
    query_counts = [int(x) for x in args.queries.split(",")]
    client_costs()
    with tempfile.TemporaryDirectory(prefix="autodevops-bench-") as tmp:
        server = MariaDBServer(Path(tmp)).start()
        try:
            print_table("MariaDB 10.11, loopback (no server-side vectors: search() loads the matrix per call)",
                        run_backend("mariadb", server.url("mysql"), sizes, query_counts, args.k))
        finally:
            server.stop()
    dsn = os.environ.get("TIDB_DSN")
    if dsn:
        print_table("TiDB (TIDB_DSN)", run_backend("tidb", dsn, sizes, query_counts, args.k))
    else:
        print("\nTIDB_DSN not set: TiDB not measured.")


if __name__ == "__main__":
    main()
