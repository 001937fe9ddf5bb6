"""The store becomes unreachable in the middle of a CLI command (real MariaDB behind a loopback proxy that cuts
every connection after a byte budget and then refuses new ones): a one-line error, and a rerun completes with
exact row counts and no duplicates."""
from __future__ import annotations

import json
import socket
import threading

import pytest

from autodevops.cli import main

pytestmark = pytest.mark.mariadb


class CuttingProxy:
    """TCP proxy on loopback to ``target_port``; once ``budget`` bytes have crossed it, the store is unreachable."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.budget: int | None = None
        self.moved = 0
        self.down = False
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, database: str, password: str = "") -> str:
        user = f"app:{password}" if password else "root"
        return f"mysql://{user}@127.0.0.1:{self.port}/{database}?tls=false"

    def cut_after(self, budget: int) -> None:
        with self.lock:
            self.budget, self.moved, self.down = budget, 0, False

    def heal(self) -> None:
        with self.lock:
            self.budget, self.down = None, False

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()  # refused: the server is gone for whoever asks now
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                with self.lock:
                    self.moved += len(data)
                    if self.budget is not None and self.moved > self.budget:
                        self._cut()
                        return
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _cut(self) -> None:
        self.down = True
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.sockets.clear()

    def close(self) -> None:
        self.listener.close()
        with self.lock:
            self._cut()


@pytest.fixture
def proxy(mariadb, mariadb_url):
    proxy = CuttingProxy(mariadb.port)
    yield proxy
    proxy.close()


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert err and err[-1].startswith("autodevops: error: ")
    return err[-1]


def test_store_lost_mid_ingest_then_a_rerun_loads_every_row_once(home, proxy, mariadb_url, query, capsys):
    database = mariadb_url.split("/")[-1].split("?")[0]
    url = proxy.url(database)
    proxy.cut_after(1_500_000)  # the patterns and a batch or two of examples get through, then the server is gone
    assert main(["ingest", "--store", url]) == 1
    line = one_line_error(capsys)
    assert "OperationalError" in line
    committed = query(mariadb_url, "SELECT COUNT(*) FROM pattern_examples")[0][0]

    proxy.heal()
    assert main(["ingest", "--store", url]) == 0
    summary = json.loads(capsys.readouterr().out)
    examples = summary["examples"]
    assert examples["new"] + examples["unchanged"] + examples["updated"] == summary["records"]
    assert (examples["new"], examples["unchanged"]) == (summary["records"] - committed, committed)
    ids = [r[0] for r in query(mariadb_url, "SELECT id FROM pattern_examples")]
    assert len(ids) == len(set(ids)) == summary["records"]

    assert main(["ingest", "--store", url]) == 0  # idempotent: a third run adds nothing
    again = json.loads(capsys.readouterr().out)["examples"]
    assert (again["new"], again["updated"], again["unchanged"]) == (0, 0, summary["records"])


def test_store_lost_while_analyze_loads_then_resume_completes(home, proxy, mariadb_url, capsys, tmp_path):
    database = mariadb_url.split("/")[-1].split("?")[0]
    url = proxy.url(database)
    assert main(["ingest", "--store", url]) == 0
    capsys.readouterr()
    logs = tmp_path / "logs"
    logs.mkdir()
    for i in range(3):
        (logs / f"{i}.log").write_text(f"step {i}\nError: listen EADDRINUSE: address already in use :::300{i}\n")
    out = tmp_path / "out.jsonl"

    proxy.cut_after(100_000)  # while the analyzer reads the stored examples
    assert main(["analyze", str(logs), "--store", url, "--output", str(out), "--resume"]) == 1
    assert "OperationalError" in one_line_error(capsys)
    proxy.heal()
    assert main(["analyze", str(logs), "--store", url, "--output", str(out), "--resume"]) == 0
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in results] == [str(logs / f"{i}.log") for i in range(3)]
    assert all(r["error"] is None for r in results)
