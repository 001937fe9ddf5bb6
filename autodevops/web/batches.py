"""Archive batches scored in the background, kept on disk so that a restart loses no finished result.

A batch lives in ``<home>/batches/<id>/``: the uploaded archive, ``status.json`` and the results as JSON
Lines (``results.part`` while it runs, ``results.jsonl`` once done). One worker thread scores the
batches in the order they came; a batch that a restart interrupted is scored again from the start.
"""
from __future__ import annotations

import json
import os
import queue
import re
import secrets
import shutil
import tarfile
import threading
import zipfile
from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Callable

from autodevops.analyzer import LogInput
from autodevops.analyzer import batches as in_batches
from autodevops.inputs import iter_path
from autodevops.records import Analysis
from autodevops.settings import InputLimits

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip", ".gz")
BATCH_ID = re.compile(r"[0-9a-f]{16}")
# Small chunks keep the shared analyzer free for pasted logs between them.
CHUNK = 64

Score = Callable[[list[LogInput]], list[Analysis]]


class BadArchive(ValueError):
    """The upload is not an archive autodevops can read."""


class _Stopped(Exception):
    """The server is stopping: the running batch stays "running" and is scored again at the next start."""


def archive_suffix(filename: str) -> str:
    """The archive kind of an uploaded file name (``.tar.gz``, ``.zip``, ...), or ``BadArchive``."""
    lowered = filename.lower()
    for suffix in ARCHIVE_SUFFIXES:
        if lowered.endswith(suffix):
            return suffix
    raise BadArchive(f"{filename or 'the upload'} is not an archive: send a {', '.join(ARCHIVE_SUFFIXES)} file")


def check_archive(path: Path, suffix: str) -> None:
    """Raise ``BadArchive`` unless ``path`` opens as the archive kind its ``suffix`` names."""
    if suffix == ".zip":
        readable = zipfile.is_zipfile(path)
    elif suffix == ".gz":
        with open(path, "rb") as handle:
            readable = handle.read(2) == b"\x1f\x8b"
    else:
        try:
            readable = tarfile.is_tarfile(path)
        except (OSError, EOFError, tarfile.TarError):
            readable = False
    if not readable:
        raise BadArchive(f"the upload is not a readable {suffix} archive")


def count_logs(path: Path, suffix: str) -> int:
    """How many logs an archive holds (one per regular member; a plain ``.gz`` is one log)."""
    if suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            return sum(not info.is_dir() for info in archive.infolist())
    if suffix == ".gz":
        return 1
    with tarfile.open(path, "r|*") as archive:
        return sum(member.isfile() for member in archive)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Batches:
    """Archive batches: upload, background scoring, status and results (see the module docstring)."""

    def __init__(self, root: Path, score: Score, limits: InputLimits = InputLimits(), use_prefect: bool = False):
        self.root = root
        self._score = score
        self._limits = limits
        self._use_prefect = use_prefect
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._live: dict[str, dict] = {}  # status of the running batch, updated chunk by chunk
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._worker = threading.Thread(target=self._work, name="autodevops-batches", daemon=True)

    def start(self) -> None:
        """Queue the batches a restart interrupted again, then start the worker."""
        self.root.mkdir(parents=True, exist_ok=True)
        unfinished = []
        for folder in self.root.iterdir():
            status = self._read_status(folder.name)
            if status is not None and status["status"] in ("queued", "running"):
                unfinished.append((status["created"], folder.name))
        for _, batch_id in sorted(unfinished):
            self._write_status(batch_id, {**self._read_status(batch_id), "status": "queued", "done": 0})
            self._queue.put(batch_id)
        self._worker.start()

    def close(self) -> None:
        """Stop after the current chunk; the running and queued batches resume at the next start."""
        self._stopping.set()
        self._queue.put(None)
        self._worker.join()

    def create(self, upload: BinaryIO, filename: str) -> str:
        """Store an uploaded archive and queue it; returns the batch id (``BadArchive`` when unreadable)."""
        suffix = archive_suffix(filename)
        batch_id = secrets.token_hex(8)
        folder = self.root / batch_id
        folder.mkdir(parents=True)
        archive = folder / f"archive{suffix}"
        try:
            with open(archive, "wb") as out:
                shutil.copyfileobj(upload, out, 1024 * 1024)
            check_archive(archive, suffix)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        name = Path(filename).name
        self._write_status(batch_id, {"id": batch_id, "name": name, "status": "queued", "done": 0, "total": None,
                                      "created": _now(), "finished": None, "counts": {}, "error": None})
        self._queue.put(batch_id)
        return batch_id

    def status(self, batch_id: str) -> dict | None:
        """The batch's status (``queued``, ``running``, ``done`` or ``failed``), or None if unknown."""
        if not BATCH_ID.fullmatch(batch_id):
            return None
        with self._lock:
            live = self._live.get(batch_id)
            if live is not None:
                return {**live, "counts": dict(live["counts"])}
        status = self._read_status(batch_id)
        if status is not None and status["status"] == "running" and self._use_prefect:
            # The flow run writes the results file; its lines are the progress.
            part = self.root / batch_id / "results.part"
            status["done"] = sum(1 for _ in open(part, "rb")) if part.exists() else 0
        return status

    def results(self, batch_id: str) -> Path | None:
        """The finished batch's JSON Lines file, or None while it runs or when unknown."""
        status = self.status(batch_id)
        if status is None or status["status"] != "done":
            return None
        return self.root / batch_id / "results.jsonl"

    def _status_path(self, batch_id: str) -> Path:
        return self.root / batch_id / "status.json"

    def _read_status(self, batch_id: str) -> dict | None:
        try:
            return json.loads(self._status_path(batch_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _write_status(self, batch_id: str, status: dict) -> None:
        # Write then rename: a crash never leaves a half-written status behind.
        path = self._status_path(batch_id)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(status), encoding="utf-8")
        os.replace(temporary, path)

    def _work(self) -> None:
        while (batch_id := self._queue.get()) is not None:
            status = self._read_status(batch_id)
            if self._stopping.is_set():
                return
            try:
                self._run(batch_id, status)
            except _Stopped:
                return
            except Exception as exc:  # one bad archive must not stop the worker
                with self._lock:
                    self._live.pop(batch_id, None)
                self._write_status(batch_id, {**status, "status": "failed", "finished": _now(),
                                              "error": f"{type(exc).__name__}: {exc}"})

    def _run(self, batch_id: str, status: dict) -> None:
        folder = self.root / batch_id
        archive = next(folder.glob("archive*"))
        suffix = archive_suffix(archive.name)
        status = {**status, "status": "running", "done": 0, "counts": {},
                  "total": count_logs(archive, suffix)}
        self._write_status(batch_id, status)
        part = folder / "results.part"
        results = folder / "results.jsonl"
        if self._use_prefect:
            counts = self._run_flow(archive, part, results, status["name"])
        else:
            counts = self._run_here(batch_id, status, archive, part)
            os.replace(part, results)
        done = sum(counts.values())
        with self._lock:
            self._live.pop(batch_id, None)
        self._write_status(batch_id, {**status, "status": "done", "done": done, "total": done,
                                      "counts": dict(counts), "finished": _now()})

    def _run_here(self, batch_id: str, status: dict, archive: Path, part: Path) -> Counter:
        live = {**status, "counts": Counter()}
        with self._lock:
            self._live[batch_id] = live
        items = (replace(item, id=_shown_id(item.id, archive, status["name"]))
                 for item in iter_path(str(archive), self._limits))
        with open(part, "w", encoding="utf-8") as out:
            for chunk in in_batches(items, CHUNK, self._limits.max_batch_bytes):
                if self._stopping.is_set():
                    raise _Stopped
                records = [result.to_json() for result in self._score(chunk)]
                out.write("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))
                out.flush()
                with self._lock:
                    live["done"] += len(records)
                    live["counts"].update(_outcome(record) for record in records)
        return live["counts"]

    def _run_flow(self, archive: Path, part: Path, results: Path, name: str) -> Counter:
        # A configured Prefect API makes the batch a flow run of the CLI's own analyze flow (which also
        # journals it); after a restart it resumes from the results it had written.
        from autodevops.flows.analyze import analyze

        analyze(paths=[str(archive)], output=str(part), fmt="jsonl", resume=True)
        counts: Counter = Counter()
        with open(part, encoding="utf-8") as scored, open(results, "w", encoding="utf-8") as out:
            for line in scored:
                if line.strip():
                    record = json.loads(line)
                    record["id"] = _shown_id(record["id"], archive, name)
                    counts[_outcome(record)] += 1
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
        part.unlink()
        return counts


def _shown_id(log_id: str, archive: Path, name: str) -> str:
    """A member's id under the uploaded file's name, not the server's disk path."""
    prefix = f"{archive}:"
    return f"{name}:{log_id[len(prefix):]}" if log_id.startswith(prefix) else log_id


def _outcome(record: dict) -> str:
    return "error" if record.get("error") else ("abstained" if record.get("pattern_id") is None else "answered")
