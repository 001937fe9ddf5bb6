"""Reading logs: tails of logs over the budget, safe decoding, archive guards, bounded JSON Lines records, skips."""
from __future__ import annotations

import bz2
import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from autodevops.inputs import iter_inputs, iter_path, iter_records, tail, zip_entry_count
from autodevops.settings import InputLimits

FAILURE = "Error: listen EADDRINUSE: address already in use :::3000\n"


def numbered(n: int) -> bytes:
    return "".join(f"line {i:05d}\n" for i in range(n)).encode()  # 11 bytes a line


def test_tail_keeps_the_last_whole_lines_within_the_budget():
    data, cut = tail(io.BytesIO(numbered(100)).read, 50)
    assert cut is True
    assert data == numbered(100)[-44:]  # 50 bytes end mid-line: the partial first line is dropped
    assert data.decode().splitlines() == [f"line {i:05d}" for i in range(96, 100)]


def test_tail_of_a_log_within_the_budget_is_the_whole_log():
    assert tail(io.BytesIO(numbered(3)).read, 33) == (numbered(3), False)
    assert tail(io.BytesIO(b"").read, 10) == (b"", False)


def test_tail_holds_no_more_than_the_budget_plus_one_chunk():
    held = []

    def read(n: int, state={"left": 40}) -> bytes:  # 40 chunks of 1 MiB, never materialised together
        if state["left"] == 0:
            return b""
        state["left"] -= 1
        return b"x" * (n - 1) + b"\n"

    data, cut = tail(read, 3 * 1024 * 1024, on_chunk=held.append)
    assert cut and len(held) == 40 and len(data) == 3 * 1024 * 1024


@pytest.mark.parametrize("kind", ["plain", "gz", "zip", "tgz", "stdin"])
def test_a_log_over_the_budget_keeps_its_tail_and_says_so(tmp_path, kind, monkeypatch):
    body = numbered(10_000) + FAILURE.encode()
    limits = InputLimits(max_log_bytes=4096)
    path = write_as(tmp_path, kind, body, monkeypatch)
    [item] = list(iter_path(path, limits))
    assert item.truncated is True and item.error is None
    assert item.text.endswith(FAILURE)
    assert len(item.text.encode()) <= 4096
    assert item.text.startswith("line ")  # starts on a whole line


@pytest.mark.parametrize("kind", ["plain", "gz", "zip", "tgz", "stdin"])
def test_a_log_within_the_budget_is_read_whole(tmp_path, kind, monkeypatch):
    body = numbered(10) + FAILURE.encode()
    [item] = list(iter_path(write_as(tmp_path, kind, body, monkeypatch), InputLimits(max_log_bytes=4096)))
    assert (item.text, item.truncated, item.error) == (body.decode(), False, None)


def write_as(tmp_path: Path, kind: str, body: bytes, monkeypatch) -> str:
    if kind == "plain":
        (tmp_path / "ci.log").write_bytes(body)
        return str(tmp_path / "ci.log")
    if kind == "gz":
        (tmp_path / "ci.log.gz").write_bytes(gzip.compress(body))
        return str(tmp_path / "ci.log.gz")
    if kind == "zip":
        with zipfile.ZipFile(tmp_path / "logs.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("ci.log", body)
        return str(tmp_path / "logs.zip")
    if kind == "tgz":
        with tarfile.open(tmp_path / "logs.tgz", "w:gz") as archive:
            info = tarfile.TarInfo("ci.log")
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
        return str(tmp_path / "logs.tgz")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(body)))
    return "-"


def test_bad_utf8_and_binary_decode_without_raising(tmp_path):
    (tmp_path / "bad.log").write_bytes(b"caf\xe9 \xff\xfe\x00\x01 ok\n\xf0\x9f")
    [item] = list(iter_path(str(tmp_path / "bad.log")))
    assert item.text == "caf\ufffd \ufffd\ufffd\x00\x01 ok\n\ufffd"


def test_unreadable_inputs_are_error_records_and_the_batch_goes_on(tmp_path):
    (tmp_path / "broken.gz").write_bytes(gzip.compress(numbered(1000))[:200])
    (tmp_path / "fake.zip").write_bytes(b"not a zip")
    (tmp_path / "ok.log").write_text(FAILURE)
    items = list(iter_inputs([str(tmp_path / n) for n in ("missing.log", "broken.gz", "fake.zip", "ok.log")]))
    assert [i.id for i in items] == [str(tmp_path / n) for n in ("missing.log", "broken.gz", "fake.zip", "ok.log")]
    assert [i.error is not None for i in items] == [True, True, True, False]
    assert items[1].error.startswith(f"cannot read {tmp_path / 'broken.gz'}: ")


def zip_of(path: Path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_zip_members_past_the_unpacked_limit_are_error_records(tmp_path):
    archive = zip_of(tmp_path / "a.zip", {"1.log": b"a\n" * 400, "2.log": b"b\n" * 400, "3.log": b"c\n" * 100})
    items = list(iter_path(str(archive), InputLimits(max_archive_bytes=1000)))
    assert [i.id.rsplit(":", 1)[1] for i in items] == ["1.log", "2.log", "3.log"]
    assert items[0].text == "a\n" * 400 and items[2].text == "c\n" * 100
    assert items[1].text is None
    assert items[1].error == f"not read: {archive} unpacks to more than 1000 bytes (AUTODEVOPS_MAX_ARCHIVE_BYTES)"


def test_a_zip_bomb_member_is_refused_by_its_ratio_before_it_is_inflated(tmp_path):
    # bzip2 packs 40 MiB of one byte into ~100 bytes: far past what deflate (at most 1032:1) can do.
    archive = zip_of(tmp_path / "bomb.zip", {"bomb.log": b"\0" * (40 << 20), "ok.log": FAILURE.encode()},
                     zipfile.ZIP_BZIP2)
    bomb, ok = list(iter_path(str(archive)))
    assert bomb.text is None and "likely a decompression bomb" in bomb.error
    assert "AUTODEVOPS_MAX_ARCHIVE_RATIO" in bomb.error
    assert (ok.text, ok.error) == (FAILURE, None)


def test_highly_compressible_text_within_deflate_ratio_is_read(tmp_path):
    # A repeated line deflates ~1000:1, the most deflate can: the default ratio limit admits it.
    archive = zip_of(tmp_path / "big.zip", {"big.log": b"INFO all good\n" * (2 << 20) + FAILURE.encode()})
    [item] = list(iter_path(str(archive)))
    assert item.error is None and item.truncated is True and item.text.endswith(FAILURE)


def test_a_zip_with_more_members_than_the_limit_is_refused_before_its_directory_is_read(tmp_path):
    archive = zip_of(tmp_path / "many.zip", {f"{i}.log": b"x" for i in range(12)})
    assert zip_entry_count(archive) == 12
    [item] = list(iter_path(str(archive), InputLimits(max_archive_members=10)))
    assert item.id == str(archive)
    assert item.error == f"not read: {archive} has 12 members, more than 10 (AUTODEVOPS_MAX_ARCHIVE_MEMBERS)"


def test_a_tar_stops_with_an_error_record_past_its_member_limit(tmp_path):
    with tarfile.open(tmp_path / "many.tgz", "w:gz") as archive:
        for i in range(5):
            info = tarfile.TarInfo(f"{i}.log")
            info.size = 2
            archive.addfile(info, io.BytesIO(b"x\n"))
    items = list(iter_path(str(tmp_path / "many.tgz"), InputLimits(max_archive_members=3)))
    assert [i.text for i in items] == ["x\n", "x\n", "x\n", None]
    assert items[3].error.endswith("has more than 3 members (AUTODEVOPS_MAX_ARCHIVE_MEMBERS); the rest are skipped")


def test_a_gz_past_the_unpacked_limit_is_an_error_record(tmp_path):
    (tmp_path / "big.log.gz").write_bytes(gzip.compress(numbered(50_000)))
    [item] = list(iter_path(str(tmp_path / "big.log.gz"), InputLimits(max_archive_bytes=100_000)))
    assert item.text is None and "unpacks to more than 100000 bytes" in item.error


def write_jsonl(path: Path, lines: list[str]) -> str:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def test_records_with_bad_rows_give_error_records_in_place(tmp_path):
    path = write_jsonl(tmp_path / "r.jsonl", [
        json.dumps({"id": "a", "log": FAILURE}), "{not json", json.dumps({"id": "b"}),
        json.dumps({"id": "c", "log": 42}), "", json.dumps([1, 2]), json.dumps({"id": 7, "log": "ok"})])
    items = list(iter_records(path))
    assert [i.id for i in items] == ["a", f"{path}:2", f"{path}:3", f"{path}:4", f"{path}:6", "7"]
    assert [i.error is None for i in items] == [True, False, False, False, False, True]
    assert items[3].error.startswith("bad record at line 4: TypeError('log is int, not a string')")


def test_a_record_line_over_the_limit_is_skipped_without_being_held(tmp_path):
    huge = json.dumps({"id": "huge", "log": "x" * 5000})
    path = write_jsonl(tmp_path / "r.jsonl", [huge, json.dumps({"id": "next", "log": FAILURE})])
    items = list(iter_records(path, InputLimits(max_record_bytes=1000)))
    assert [i.id for i in items] == [f"{path}:1", "next"]
    assert items[0].error == (f"record at line 1 is {len(huge) + 1} bytes, more than the 1000 byte limit "
                              "(AUTODEVOPS_MAX_RECORD_BYTES): not read")
    assert items[1].text == FAILURE


def test_a_record_log_over_the_budget_keeps_its_tail(tmp_path):
    log = numbered(1000).decode() + FAILURE
    path = write_jsonl(tmp_path / "r.jsonl", [json.dumps({"id": "big", "log": log})])
    [item] = list(iter_records(path, InputLimits(max_log_bytes=500)))
    assert item.truncated and item.text.endswith(FAILURE) and len(item.text) <= 500
    assert item.text.startswith("line ")


def test_lone_surrogates_in_records_become_replacement_characters(tmp_path):
    path = write_jsonl(tmp_path / "r.jsonl", ['{"id": "s\\ud800", "log": "bad \\udc00 char"}'])
    [item] = list(iter_records(path))
    assert (item.id, item.text) == ("s\ufffd", "bad \ufffd char")
    item.text.encode("utf-8")  # every writer can write it


def test_skipped_ids_are_not_read(tmp_path):
    (tmp_path / "a.log").write_text("a")
    (tmp_path / "b.log").write_text("b")
    archive = zip_of(tmp_path / "c.zip", {"1.log": b"one", "2.log": b"two"})
    records = write_jsonl(tmp_path / "r.jsonl", [json.dumps({"id": "r1", "log": "x"}), json.dumps({"id": "r2", "log": "y"})])
    skip = {str(tmp_path / "a.log"), f"{archive}:1.log", "r2"}
    items = iter_inputs([str(tmp_path / "a.log"), str(tmp_path / "b.log"), str(archive)], records, skip=skip)
    assert [i.text for i in items] == ["b", "two", "x"]


def test_sizes_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("AUTODEVOPS_MAX_LOG_BYTES", "2M")
    monkeypatch.setenv("AUTODEVOPS_MAX_ARCHIVE_BYTES", "1GiB")
    monkeypatch.setenv("AUTODEVOPS_MAX_ARCHIVE_MEMBERS", "10")
    limits = InputLimits.from_env()
    assert (limits.max_log_bytes, limits.max_archive_bytes, limits.max_archive_members) == (2 << 20, 1 << 30, 10)
    assert limits.max_record_bytes == InputLimits().max_record_bytes
    monkeypatch.setenv("AUTODEVOPS_MAX_LOG_BYTES", "lots")
    with pytest.raises(ValueError, match="AUTODEVOPS_MAX_LOG_BYTES='lots' is not a positive size"):
        InputLimits.from_env()
