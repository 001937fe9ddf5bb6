"""Renderers: terminal control sequences from logs are never replayed raw; resuming reads what a file holds."""
from __future__ import annotations

import io
import json

import pytest

from autodevops.output import answered, output_file, printable, write
from autodevops.records import Analysis

HOSTILE = [
    "\x1b[2J\x1b[H",                              # CSI: clear the screen, cursor home
    "\x1b]0;pwned title\x07",                     # OSC 0: window title
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b]52;c;cm0gLXJmIC8K\x07",                 # OSC 52: write the clipboard
    "\x1bP+q544e\x1b\\",                          # DCS: terminal query
    "\x9b31m\x9d0;c1 title\x9c",                  # 8-bit CSI and OSC
    "\x1b]0;unterminated",                        # OSC with no terminator
    "ok\rFAKE SUCCESS",                           # carriage return overwriting the line
    "bell\x07 back\x08 del\x7f nul\x00 c1\x85",   # C0/C1 controls
    "evil\u202egnp.exe",                          # bidi override
    "two\nlines\u2028three",
]


def hostile_analysis() -> Analysis:
    line = "".join(HOSTILE)
    return Analysis(
        id=f"logs/{HOSTILE[0]}a.log", pattern_id="docker.port_already_allocated", category="docker", confidence=0.9,
        source="llm", matched_lines=tuple(HOSTILE),
        solution={"title": f"Free the port {HOSTILE[1]}", "steps": [f"1. {HOSTILE[3]}stop it"],
                  "commands": [f"docker ps {HOSTILE[2]}", "echo ```` done"], "estimated_minutes": 5,
                  "success_rate": None, "references": []},
        error=None)


@pytest.mark.parametrize("text, shown", [
    ("\x1b[31mred\x1b[0m", "red"),
    ("\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\", "click"),
    ("\x1b]52;c;cm0gLXJmIC8K\x07after", "after"),
    ("ok\rFAKE", "ok FAKE"),
    ("a\tb\nc", "a b c"),
    ("evil\u202egnp.exe", "evilgnp.exe"),
    ("\x9b31mred\x9c", "red"),
    ("\x1b]0;unterminated", ""),
    ("plain text: ünïcode ✓", "plain text: ünïcode ✓"),
])
def test_printable(text, shown):
    assert printable(text) == shown


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_terminal_formats_never_replay_control_sequences(fmt):
    out = io.StringIO()
    write([hostile_analysis(), Analysis("e\x1b[8m.log", None, None, 0.0, "none", (), None,
                                        error="cannot read \x1b]52;c;eA==\x07x")], fmt, out)
    text = out.getvalue()
    forbidden = [c for c in text if (ord(c) < 32 and c != "\n") or 0x7f <= ord(c) <= 0x9f
                 or c in "\u202e\u2028"]
    assert forbidden == []
    assert "pwned title" not in text and "cm0gLXJmIC8K" not in text  # the payloads are gone, not just the ESC
    assert "Free the port" in text and "cannot read x" in text  # the visible text is kept


def test_markdown_fences_commands_so_none_can_close_the_block():
    out = io.StringIO()
    write([hostile_analysis()], "markdown", out)
    text = out.getvalue()
    assert "`````sh\ndocker ps click\necho ```` done\n`````\n" in text
    assert "success rate unknown" in text  # an LLM answer for no known pattern has no success rate


def test_jsonl_keeps_the_log_text_exact_and_escaped():
    out = io.StringIO()
    write([hostile_analysis()], "jsonl", out)
    line = out.getvalue()
    assert "\x1b" not in line and "\r" not in line and line.count("\n") == 1
    assert json.loads(line)["matched_lines"] == HOSTILE


def test_answered_reads_ids_and_cuts_a_torn_last_line(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text('{"id": "a"}\n{"id": "b"}\n{"id": "c", "analysis_id": "12')
    assert answered(str(path)) == {"a", "b"}
    assert path.read_text() == '{"id": "a"}\n{"id": "b"}\n'


def test_answered_refuses_a_file_that_is_not_an_analyze_output(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("my notes\n")
    with pytest.raises(ValueError, match="cannot resume: line 1 of .* is not an analysis"):
        answered(str(path))
    assert path.read_text() == "my notes\n"  # left as it was


def test_output_file_appends_when_resuming_and_truncates_otherwise(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text('{"id": "a"}\n')
    with output_file(str(path), resume=True) as (out, done):
        assert done == {"a"}
        out.write('{"id": "b"}\n')
    assert path.read_text() == '{"id": "a"}\n{"id": "b"}\n'
    with output_file(str(path)) as (out, done):
        assert done == set()
    assert path.read_text() == ""
    with output_file(str(tmp_path / "new.jsonl"), resume=True) as (out, done):
        assert done == set()
    with pytest.raises(ValueError, match="--resume needs --output FILE"):
        with output_file(None, resume=True):
            pass


def test_terminal_formats_show_the_rate_as_a_prior_the_sub_cause_and_the_filled_names():
    solution = {"title": "Free the host port", "steps": ["1. Find the owner of port 8080"],
                "commands": ["docker ps --format '{{.Names}} {{.Ports}}' | grep ':8080->'"], "estimated_minutes": 5,
                "success_rate": 0.9, "feedback_count": 0,
                "sub_cause": {"id": "container_already_publishing", "evidence": "Bind for 0.0.0.0:8080 failed"},
                "diagnostic": None, "filled": {"port": "8080"}, "success_rate_note": "90 % prior, no outcomes yet",
                "references": []}
    result = Analysis("a.log", "docker.port_already_allocated", "docker", 0.9, "pattern", (), solution)
    md, table = io.StringIO(), io.StringIO()
    write([result], "markdown", md)
    write([result], "table", table)
    assert "~5 min, 90 % prior, no outcomes yet" in md.getvalue() and "success rate 90%" not in md.getvalue()
    assert "Sub-cause `container_already_publishing`, because the log says:\n\n    Bind for 0.0.0.0:8080 failed" in md.getvalue()
    assert "Filled from the log: `<port>` = 8080" in md.getvalue()
    assert "Free the host port [container_already_publishing; 90 % prior, no outcomes yet]" in table.getvalue()
    fallback = dict(solution, sub_cause={"id": "fallback", "evidence": None}, diagnostic="sudo ss -ltnp 'sport = :8080'")
    md = io.StringIO()
    write([Analysis("a.log", "docker.port_already_allocated", "docker", 0.9, "pattern", (), fallback)], "markdown", md)
    assert "General fix (no sub-cause is evident); this tells the causes apart:\n\n    sudo ss -ltnp 'sport = :8080'" in md.getvalue()
