"""Log inputs for ``analyze``: files, folders, .gz, .tar.gz/.tgz, .zip, stdin and JSON Lines records.

Everything is a generator: one log is read at a time, so memory does not grow with the archive.
"""
from __future__ import annotations

import gzip
import json
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Iterable, Iterator

from autodevops.analyzer import LogInput

MAX_BYTES = 32 * 1024 * 1024  # a larger log keeps its last 32 MiB: failures sit at the end


def decode(data: bytes) -> str:
    return data[-MAX_BYTES:].decode("utf-8", errors="replace")


def iter_path(path: str) -> Iterator[LogInput]:
    """The logs behind one command-line PATH (``-`` is stdin)."""
    if path == "-":
        yield LogInput("-", decode(sys.stdin.buffer.read()))
        return
    p = Path(path)
    try:
        if p.is_dir():
            for child in sorted(c for c in p.rglob("*") if c.is_file()):
                yield from iter_path(str(child))
        elif p.name.endswith((".tar.gz", ".tgz", ".tar")):
            yield from _tar(p)
        elif p.suffix == ".zip":
            yield from _zip(p)
        elif p.suffix == ".gz":
            with gzip.open(p, "rb") as handle:
                yield LogInput(path, decode(handle.read()))
        else:
            yield LogInput(path, decode(p.read_bytes()))
    except (OSError, EOFError, tarfile.TarError, zipfile.BadZipFile) as exc:
        yield LogInput(path, None, f"cannot read {path}: {exc}")


def _tar(p: Path) -> Iterator[LogInput]:
    # Stream mode ("r|*") reads members in order without an index: constant memory for big archives.
    with tarfile.open(p, "r|*") as archive:
        for member in archive:
            if not member.isfile():
                continue
            handle = archive.extractfile(member)
            if handle is not None:
                yield LogInput(f"{p}:{member.name}", decode(handle.read()))


def _zip(p: Path) -> Iterator[LogInput]:
    with zipfile.ZipFile(p) as archive:
        for info in archive.infolist():
            if not info.is_dir():
                yield LogInput(f"{p}:{info.filename}", decode(archive.read(info)))


def iter_records(path: str) -> Iterator[LogInput]:
    """Logs from a JSON Lines file whose records have ``id`` and ``log`` (``-`` is stdin)."""
    handle = sys.stdin if path == "-" else open(path, encoding="utf-8")
    try:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                yield LogInput(str(record["id"]), str(record["log"]))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                yield LogInput(f"{path}:{number}", None, f"bad record at line {number}: {exc!r}")
    finally:
        if handle is not sys.stdin:
            handle.close()


def iter_inputs(paths: Iterable[str], records: str | None = None) -> Iterator[LogInput]:
    """Every log named on the command line, in order: paths first, then records."""
    for path in paths:
        yield from iter_path(path)
    if records:
        yield from iter_records(records)
