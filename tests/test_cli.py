"""Command-line behaviour that is not a flow: one-line failures without secrets, feedback, the store option."""
import json
import os

from autodevops.cli import main


def test_a_store_password_never_reaches_the_error_line(home, capsys):
    assert main(["stats", "--store", "mysql://app:s3cr3t-pw@127.0.0.1:1/db?tls=false&connect_timeout=1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("autodevops: error: ")
    assert "s3cr3t-pw" not in err
    assert "AUTODEVOPS_STORE" not in os.environ  # --store does not leak into the rest of the process


def test_feedback_moves_the_success_rate(ingested_home, home, capsys):
    import shutil

    shutil.copy(ingested_home / "patterns.duckdb", home / "patterns.duckdb")
    assert main(["feedback", "docker.port_already_allocated", "failure"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["feedback", "docker.port_already_allocated", "1"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert first["success_rate"] == round(0.9 + 0.05 * (0.0 - 0.9), 4) == 0.855
    assert second["success_rate"] == round(0.855 + 0.05 * (1.0 - 0.855), 4)
    assert main(["feedback", "docker.port_already_allocated", "maybe"]) == 1
    assert main(["feedback", "no.such_pattern", "success"]) == 1
