"""What ``analyze`` pays to read the store: bulk load, one ``examples()`` transfer, then kNN on the client.

The product loads the example matrix once per run and searches it with numpy; the store offers no per-query
search. With TIDB_DSN set, the same rows are also queried one SQL ``VEC_COSINE_DISTANCE ... LIMIT k`` per
log, the server-side alternative that was dropped, so the choice stays measured.

Usage: python benchmarks/store_search.py [--rows 2000,10000,50000] [--queries 1,10,100,1000] [--k 5]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pymysql

from autodevops.store.base import ExampleRow, vector_text
from autodevops.store.connection import ConnectionSettings
from autodevops.store.dialect import TIDB
from autodevops.store.mysql import MySQLStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "store"))
from mariadb_server import MariaDBServer  # noqa: E402  (the test fixture's server, reused, not copied)

# The server-side alternative, kept here only to measure it: TiDB's exact (or HNSW, with TiFlash) top-k.
TIDB_TOP_K_SQL = ("SELECT id, pattern_id, VEC_COSINE_DISTANCE(embedding, %s) AS distance"
                  " FROM pattern_examples ORDER BY VEC_COSINE_DISTANCE(embedding, %s) LIMIT %s")
SERVER_BUDGET_S = 20.0  # per cell: beyond it the per-query path is timed on a prefix and extrapolated


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
    conn = pymysql.connect(**ConnectionSettings.from_url(server_url).pymysql_kwargs())
    try:
        conn.cursor().execute(f"CREATE DATABASE {name}")
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        conn.cursor().execute(f"DROP DATABASE IF EXISTS {name}")
        conn.close()


def top_k(matrix: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Exact cosine top-k on the client (unit rows): what the matcher does with the loaded matrix."""
    return np.argsort(-(queries @ matrix.T), axis=1)[:, :k]


def time_server(store: MySQLStore, queries: np.ndarray, k: int) -> tuple[float, int]:
    """Seconds for one SQL top-k query per log (extrapolated past the budget) and how many were really run."""
    start = time.perf_counter()
    for done, q in enumerate(queries, start=1):
        text = vector_text(q)
        store._query(TIDB_TOP_K_SQL, (text, text, k))
        elapsed = time.perf_counter() - start
        if elapsed > SERVER_BUDGET_S and done < len(queries):
            return elapsed / done * len(queries), done
    return time.perf_counter() - start, len(queries)


def run_backend(label: str, server_url: str, sizes: list[int], query_counts: list[int], k: int) -> None:
    print(f"\n### {label}\n\n| rows | bulk load (rows/s) | examples() (ms) | per row (us) | queries |"
          " load + local kNN (ms) | per-query SQL (ms) |\n|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        rows = example_rows(n)
        for url in scratch_database(server_url):
            with MySQLStore.from_url(url) as store:
                start = time.perf_counter()
                store.upsert_examples(rows)
                load_s = time.perf_counter() - start
                start = time.perf_counter()
                matrix = store.examples().vectors
                fetch_s = time.perf_counter() - start
                for q in query_counts:
                    queries = unit_vectors(q, seed=10_000 + q)
                    start = time.perf_counter()
                    top_k(matrix, queries, k)
                    local_s = fetch_s + time.perf_counter() - start
                    server = "n/a"
                    if store.dialect is TIDB:
                        server_s, measured = time_server(store, queries, k)
                        server = f"{'~' if measured < q else ''}{server_s * 1e3:,.1f}"
                    print(f"| {n:,} | {n / load_s:,.0f} | {fetch_s * 1e3:,.0f} | {fetch_s / n * 1e6:.1f} | {q:,}"
                          f" | {local_s * 1e3:,.1f} | {server} |", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="2000,10000,50000")
    parser.add_argument("--queries", default="1,10,100,1000")
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.rows.split(",")]
    query_counts = [int(x) for x in args.queries.split(",")]
    with tempfile.TemporaryDirectory(prefix="autodevops-bench-") as tmp:
        server = MariaDBServer(Path(tmp)).start()
        try:
            run_backend("MariaDB 10.11, loopback", server.url("mysql"), sizes, query_counts, args.k)
        finally:
            server.stop()
    dsn = os.environ.get("TIDB_DSN")
    if dsn:
        run_backend("TiDB (TIDB_DSN)", dsn, sizes, query_counts, args.k)
    else:
        print("\nTIDB_DSN not set: the per-query SQL path (TiDB only) was not measured.")


if __name__ == "__main__":
    main()
