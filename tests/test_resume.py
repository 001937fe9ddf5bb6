"""``analyze --resume``: an interrupted run (its output cut mid-record) is completed without losing or repeating a log;
``--strict`` turns unreadable logs into a non-zero exit."""
from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from autodevops.cli import main


@pytest.fixture
def archive(tmp_path) -> Path:
    lines = ["Bind for 0.0.0.0:{n} failed: port is already allocated", "Error: Cannot find module 'left-pad-{n}'",
             "FATAL: password authentication failed for user \"app{n}\"", "no space left on device ({n})"]
    path = tmp_path / "logs.tgz"
    with tarfile.open(path, "w:gz") as tar:
        for i in range(40):
            data = f"step {i}\n{lines[i % len(lines)].format(n=1000 + i)}\nexit 1\n".encode()
            info = tarfile.TarInfo(f"job-{i:03d}.log")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_an_interrupted_run_resumes_to_the_same_output(cli_home, archive, tmp_path, capsys):
    full = tmp_path / "full.jsonl"
    assert main(["analyze", str(archive), "--output", str(full), "--batch-size", "8"]) == 0
    lines = full.read_text().splitlines(keepends=True)
    assert len(lines) == 40

    # What a run killed mid-write leaves: 13 whole records and half of the 14th.
    out = tmp_path / "out.jsonl"
    out.write_text("".join(lines[:13]) + lines[13][: len(lines[13]) // 2])
    capsys.readouterr()
    assert main(["analyze", str(archive), "--output", str(out), "--resume", "--batch-size", "8"]) == 0
    assert "analyzed 27 logs (13 already in" in capsys.readouterr().err
    # The embedding cache holds every template from the full run, so the answers are identical, byte for byte.
    assert out.read_text() == full.read_text()

    assert main(["analyze", str(archive), "--output", str(out), "--resume"]) == 0  # nothing left to do
    assert "analyzed 0 logs (40 already in" in capsys.readouterr().err
    assert out.read_text() == full.read_text()


def test_resume_needs_a_jsonl_output_file(cli_home, archive, capsys):
    assert main(["analyze", str(archive), "--resume"]) == 1
    assert "--resume needs --output FILE in the jsonl format" in capsys.readouterr().err


def test_strict_makes_unreadable_logs_a_failure(cli_home, tmp_path, capsys):
    good = tmp_path / "good.log"
    good.write_text("Bind for 0.0.0.0:80 failed: port is already allocated\n")
    missing = tmp_path / "missing.log"
    assert main(["analyze", str(good), str(missing)]) == 0
    capsys.readouterr()
    assert main(["analyze", str(good), str(missing), "--strict"]) == 1
    captured = capsys.readouterr()
    assert [json.loads(line)["id"] for line in captured.out.splitlines()] == [str(good), str(missing)]
    assert captured.err.strip().splitlines()[-1] == \
        "autodevops: error: RuntimeError: 1 of 2 logs could not be read (--strict)"
