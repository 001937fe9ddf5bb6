"""Log inputs for ``analyze``: files, folders, .gz, .tar.gz/.tgz, .zip, stdin and JSON Lines records.

Everything is streamed: one log is read at a time, and of a log larger than ``InputLimits.max_log_bytes``
only the tail is kept (failures sit at the end), so memory stays flat whatever the input. Archives are
checked against limits on unpacked size, compression ratio and member count; a member beyond them comes
back as an error record and the batch goes on.
"""
from __future__ import annotations

import gzip
import json
import os
import re
import struct
import sys
import tarfile
import zipfile
import zlib
from collections import deque
from pathlib import Path
from typing import BinaryIO, Callable, Collection, Iterable, Iterator

from autodevops.records import LogInput
from autodevops.settings import MIB, InputLimits

# Log text scored at once (characters): what a batch costs in memory, whatever its size in logs.
DEFAULT_BATCH_BYTES = InputLimits().max_batch_bytes

CHUNK = MIB
RATIO_GRACE = 16 * MIB  # small, very regular files compress far beyond any bomb ratio: judge only big ones
READ_ERRORS = (OSError, EOFError, tarfile.TarError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError)


class LimitExceeded(Exception):
    """An archive (member) went past one of the ``InputLimits``."""


def decode(data: bytes) -> str:
    """Text of a log's bytes: invalid UTF-8 and binary never raise (bad bytes become U+FFFD)."""
    return data.decode("utf-8", errors="replace")


def tail(read: Callable[[int], bytes], limit: int, on_chunk: Callable[[int], None] | None = None) -> tuple[bytes, bool]:
    """The last ``limit`` bytes of a stream, holding at most ``limit`` + one chunk; ``True`` when cut.

    A cut log starts at its first whole line, so no half line or half character leads it.

    >>> import io
    >>> tail(io.BytesIO(b"one\\ntwo\\nthree\\n").read, 8)
    (b'three\\n', True)
    """
    keep = limit + 1  # one byte more than the budget tells whether the cut fell on a line start
    chunks: deque[bytes] = deque()
    kept = 0
    while chunk := read(CHUNK):
        if on_chunk is not None:
            on_chunk(len(chunk))
        chunks.append(chunk)
        kept += len(chunk)
        while kept - len(chunks[0]) >= keep:
            kept -= len(chunks.popleft())
    data = b"".join(chunks)
    return (_from_line_start(data[-keep:]), True) if len(data) > limit else (data, False)


def _from_line_start(data: bytes) -> bytes:
    newline = data.find(b"\n")
    return data[newline + 1:] if 0 <= newline < len(data) - 1 else data[1:]


def read_tail(handle: BinaryIO, limit: int, on_chunk: Callable[[int], None] | None = None) -> tuple[str, bool]:
    """The decoded tail of an open binary stream (``tail`` + ``decode``)."""
    data, cut = tail(handle.read, limit, on_chunk)
    return decode(data), cut


def _file_tail(path: Path, limit: int) -> tuple[str, bool]:
    with open(path, "rb") as handle:
        try:
            size = os.fstat(handle.fileno()).st_size
            if path.is_file() and size > limit:
                handle.seek(size - limit - 1)  # one byte more: tells whether the cut fell on a line start
                return decode(_from_line_start(handle.read(limit + 1))), True
        except OSError:  # not seekable (a pipe, a device): stream it
            pass
        return read_tail(handle, limit)


class _Budget:
    """Unpacked bytes and ratio of one archive so far; raises ``LimitExceeded`` past the limits."""

    def __init__(self, name: str, limits: InputLimits, compressed: Callable[[], int]):
        self.name, self.limits, self.compressed, self.unpacked = name, limits, compressed, 0

    def __call__(self, n: int) -> None:
        self.unpacked += n
        if self.unpacked > self.limits.max_archive_bytes:
            raise LimitExceeded(f"{self.name} unpacks to more than {self.limits.max_archive_bytes} bytes "
                                "(AUTODEVOPS_MAX_ARCHIVE_BYTES)")
        ratio = self.unpacked / max(self.compressed(), 1)
        if self.unpacked > RATIO_GRACE and ratio > self.limits.max_archive_ratio:
            raise LimitExceeded(f"{self.name} expands {ratio:.0f}:1, beyond the {self.limits.max_archive_ratio:.0f}:1 "
                                "limit (AUTODEVOPS_MAX_ARCHIVE_RATIO): likely a decompression bomb")


def iter_path(path: str, limits: InputLimits = InputLimits(), skip: Collection[str] = ()) -> Iterator[LogInput]:
    """The logs behind one command-line PATH (``-`` is stdin); ids in ``skip`` are not read."""
    if path == "-":
        if "-" not in skip:
            text, cut = read_tail(sys.stdin.buffer, limits.max_log_bytes)
            yield LogInput("-", text, truncated=cut)
        return
    p = Path(path)
    try:
        if p.is_dir():
            for child in sorted(c for c in p.rglob("*") if c.is_file()):
                yield from iter_path(str(child), limits, skip)
        elif p.name.endswith((".tar.gz", ".tgz", ".tar")):
            yield from _tar(p, limits, skip)
        elif p.suffix == ".zip":
            yield from _zip(p, limits, skip)
        elif path in skip:
            return
        elif p.suffix == ".gz":
            with open(p, "rb") as raw, gzip.open(raw, "rb") as handle:
                text, cut = read_tail(handle, limits.max_log_bytes, _Budget(path, limits, raw.tell))
            yield LogInput(path, text, truncated=cut)
        else:
            text, cut = _file_tail(p, limits.max_log_bytes)
            yield LogInput(path, text, truncated=cut)
    except LimitExceeded as exc:
        yield LogInput(path, None, f"not read: {exc}")
    except READ_ERRORS as exc:
        yield LogInput(path, None, f"cannot read {path}: {exc}")


def _tar(p: Path, limits: InputLimits, skip: Collection[str]) -> Iterator[LogInput]:
    # Stream mode ("r|*") reads members in order without an index: constant memory for big archives.
    with open(p, "rb") as raw, tarfile.open(fileobj=raw, mode="r|*") as archive:
        budget = _Budget(str(p), limits, raw.tell)
        members = 0
        for member in archive:
            if not member.isfile():
                continue
            members += 1
            name = f"{p}:{member.name}"
            if members > limits.max_archive_members:
                yield LogInput(name, None, f"not read: {p} has more than {limits.max_archive_members} members "
                                           "(AUTODEVOPS_MAX_ARCHIVE_MEMBERS); the rest are skipped")
                return
            if name in skip:
                continue
            handle = archive.extractfile(member)
            if handle is None:
                continue
            try:
                text, cut = read_tail(handle, limits.max_log_bytes, budget)
            except LimitExceeded as exc:
                # The stream cannot be trusted past this point: report the member and stop the archive.
                yield LogInput(name, None, f"not read: {exc}; the rest of the archive is skipped")
                return
            yield LogInput(name, text, truncated=cut)


def _zip(p: Path, limits: InputLimits, skip: Collection[str]) -> Iterator[LogInput]:
    entries = zip_entry_count(p)
    if entries is not None and entries > limits.max_archive_members:
        # The directory is read whole on open: refuse before building it.
        raise LimitExceeded(f"{p} has {entries} members, more than {limits.max_archive_members} "
                            "(AUTODEVOPS_MAX_ARCHIVE_MEMBERS)")
    with zipfile.ZipFile(p) as archive:
        unpacked = 0
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = f"{p}:{info.filename}"
            if name in skip:
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            if unpacked + info.file_size > limits.max_archive_bytes:
                yield LogInput(name, None, f"not read: {p} unpacks to more than {limits.max_archive_bytes} bytes "
                                           "(AUTODEVOPS_MAX_ARCHIVE_BYTES)")
                continue
            if info.file_size > RATIO_GRACE and ratio > limits.max_archive_ratio:
                yield LogInput(name, None, f"not read: {name} expands {ratio:.0f}:1, beyond the "
                                           f"{limits.max_archive_ratio:.0f}:1 limit (AUTODEVOPS_MAX_ARCHIVE_RATIO): "
                                           "likely a decompression bomb")
                continue
            unpacked += info.file_size  # the declared size is enforced while reading: zipfile stops there
            try:
                with archive.open(info) as handle:
                    text, cut = read_tail(handle, limits.max_log_bytes)
            except READ_ERRORS as exc:
                yield LogInput(name, None, f"cannot read {name}: {exc}")
                continue
            yield LogInput(name, text, truncated=cut)


def zip_entry_count(path: Path) -> int | None:
    """Members a zip declares in its end-of-central-directory record (zip64 too); ``None`` if not found."""
    with open(path, "rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        start = max(0, size - 65_557)  # the record (22 bytes) + the longest comment
        handle.seek(start)
        data = handle.read()
        at = data.rfind(b"PK\x05\x06")
        if at < 0 or at + 22 > len(data):
            return None
        count = struct.unpack("<H", data[at + 10:at + 12])[0]
        locator = at - 20
        if count == 0xFFFF and locator >= 0 and data[locator:locator + 4] == b"PK\x06\x07":
            handle.seek(struct.unpack("<Q", data[locator + 8:locator + 16])[0])
            record = handle.read(56)
            if record[:4] == b"PK\x06\x06":
                count = struct.unpack("<Q", record[32:40])[0]
        return count


def iter_records(path: str, limits: InputLimits = InputLimits(), skip: Collection[str] = ()) -> Iterator[LogInput]:
    """Logs from a JSON Lines file whose records have ``id`` and ``log`` (``-`` is stdin).

    A line longer than ``max_record_bytes`` is skipped without being held, with an error record; a log
    longer than ``max_log_bytes`` keeps its tail.
    """
    handle = sys.stdin.buffer if path == "-" else open(path, "rb")
    try:
        number = 0
        while line := handle.readline(limits.max_record_bytes + 1):
            number += 1
            if len(line) > limits.max_record_bytes and not line.endswith(b"\n"):
                size = len(line) + _skip_line(handle)
                yield LogInput(f"{path}:{number}", None,
                               f"record at line {number} is {size} bytes, more than the {limits.max_record_bytes} "
                               "byte limit (AUTODEVOPS_MAX_RECORD_BYTES): not read")
                continue
            if not line.strip():
                continue
            item = _record(line, path, number, limits.max_log_bytes)
            del line  # the raw line is the largest thing held: free it before the log is analyzed
            if item.id not in skip:
                yield item
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def _skip_line(handle: BinaryIO) -> int:
    skipped = 0
    while chunk := handle.readline(CHUNK):
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return skipped


def _record(line: bytes, path: str, number: int, limit: int) -> LogInput:
    try:
        record = json.loads(decode(line))
        log_id, log = _valid_utf8(str(record["id"])), record["log"]
        if not isinstance(log, str):
            raise TypeError(f"log is {type(log).__name__}, not a string")
    except (json.JSONDecodeError, KeyError, TypeError, RecursionError) as exc:
        return LogInput(f"{path}:{number}", None, f"bad record at line {number}: {exc!r}")
    log = _valid_utf8(log)
    data = log.encode("utf-8")
    if len(data) <= limit:
        return LogInput(log_id, log)
    return LogInput(log_id, decode(_from_line_start(data[-limit - 1:])), truncated=True)


_SURROGATES = re.compile("[\ud800-\udfff]")


def _valid_utf8(text: str) -> str:
    # JSON may escape lone surrogates ("\\ud800"), which no UTF-8 writer accepts: they become U+FFFD.
    return _SURROGATES.sub("\ufffd", text)


def iter_inputs(paths: Iterable[str], records: str | None = None, limits: InputLimits = InputLimits(),
                skip: Collection[str] = ()) -> Iterator[LogInput]:
    """Every log named on the command line, in order: paths first, then records; ids in ``skip`` are left out."""
    for path in paths:
        yield from iter_path(path, limits, skip)
    if records:
        yield from iter_records(records, limits, skip)


def batches(items: Iterable[LogInput], size: int, max_bytes: int = DEFAULT_BATCH_BYTES) -> Iterator[list[LogInput]]:
    """Consecutive batches of at most ``size`` logs and, beyond their first log, ``max_bytes`` of text.

    >>> [len(b) for b in batches([LogInput(str(i), "x" * 40) for i in range(5)], size=3, max_bytes=100)]
    [2, 2, 1]
    """
    batch: list[LogInput] = []
    held = 0
    for item in items:
        length = len(item.text or "")
        if batch and (len(batch) >= size or held + length > max_bytes):
            yield batch
            batch, held = [], 0
        batch.append(item)
        held += length
    if batch:
        yield batch
