"""Real servers for the store tests: a MariaDB started here, TiDB when ``TIDB_DSN`` is set, DuckDB files in tmp."""
from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import pymysql
import pytest

from autodevops.store.base import PatternStore
from autodevops.store.embedded import EmbeddedStore
from autodevops.store.connection import ConnectionSettings
from autodevops.store.mysql import MySQLStore


def _load_server_module():
    # Test folders are not packages (pytest runs with --import-mode=importlib), so load the helper by path.
    name = "autodevops_tests_mariadb_server"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("mariadb_server.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


mariadb_server = _load_server_module()


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory) -> Iterator["mariadb_server.MariaDBServer"]:
    """One real MariaDB server for the session; tests may ``kill()`` and ``start()`` it on the same datadir and port."""
    binaries = mariadb_server.find_binaries()
    if binaries is None:
        pytest.skip("MariaDB tests skipped: mariadbd / mariadb-install-db not found (apt-get install mariadb-server)")
    server = mariadb_server.MariaDBServer(tmp_path_factory.mktemp("mariadb"), binaries=binaries).start()
    try:
        yield server
    finally:
        server.stop()


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _query(url: str, sql: str) -> list[tuple]:
    conn = pymysql.connect(**ConnectionSettings.from_url(url).pymysql_kwargs())
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())
    finally:
        conn.close()


@pytest.fixture(scope="session")
def query() -> Callable[[str, str], list[tuple]]:
    """``query(url, sql)``: the rows of one statement run over a connection of its own (never the store's)."""
    return _query


def _fresh_database(server_url: str) -> Iterator[str]:
    database = f"autodevops_test_{uuid.uuid4().hex[:12]}"
    _query(server_url, f"CREATE DATABASE {database}")
    try:
        yield with_database(server_url, database)
    finally:
        _query(server_url, f"DROP DATABASE IF EXISTS {database}")


@pytest.fixture
def mariadb_url(mariadb) -> Iterator[str]:
    """A URL to a new, empty database on the session's MariaDB (dropped afterwards)."""
    if mariadb.process is None:  # a previous test killed it and failed before restarting
        mariadb.start()
    yield from _fresh_database(mariadb.url("mysql"))


@pytest.fixture
def tidb_url() -> Iterator[str]:
    """A URL to a new, empty database on the TiDB named by ``TIDB_DSN`` (dropped afterwards)."""
    dsn = os.environ.get("TIDB_DSN")
    if not dsn:
        pytest.skip("TiDB tests skipped: set TIDB_DSN=tidb://user:password@host:4000/test to run them")
    yield from _fresh_database(dsn)


@pytest.fixture(params=["duckdb", pytest.param("mariadb", marks=pytest.mark.mariadb),
                        pytest.param("tidb", marks=pytest.mark.tidb)])
def store_opener(request, tmp_path) -> Iterator[Callable[[], PatternStore]]:
    """Opens a store of each backend on the same location every call (so close + reopen tests persistence)."""
    if request.param == "duckdb":
        path = tmp_path / "patterns.duckdb"
        opener: Callable[[bool], PatternStore] = lambda read_only: EmbeddedStore(path, read_only=read_only)
    else:
        url = request.getfixturevalue(f"{request.param}_url")
        opener = lambda read_only: MySQLStore.from_url(url, read_only=read_only)
    opened: list[PatternStore] = []

    def open_(read_only: bool = False) -> PatternStore:
        opened.append(opener(read_only))
        return opened[-1]

    open_.backend = request.param  # type: ignore[attr-defined]
    yield open_
    for store in opened:
        try:
            store.close()
        except Exception:  # DuckDB raises on a second close; closing is best effort here
            pass
