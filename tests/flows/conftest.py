"""Tiny labelled corpora and private homes for the flow tests (tune, benchmark) that own their state."""
import json
from collections import defaultdict
from pathlib import Path

import pytest

from autodevops.corpus import load_corpus


def subset(split: str, patterns: list[str], per_label: int) -> list[dict]:
    """The first ``per_label`` shipped logs of each pattern in ``patterns``, as JSON-ready rows."""
    taken = defaultdict(int)
    rows = []
    for r in load_corpus(split):
        if r.pattern_id in patterns and taken[r.pattern_id] < per_label:
            taken[r.pattern_id] += 1
            rows.append({"id": r.id, "log": r.log, "pattern_id": r.pattern_id})
    return rows


@pytest.fixture(scope="module")
def tiny_home(tmp_path_factory, encoder_dir):
    """A function making (root, home, train.jsonl, heldout.jsonl) for ``patterns``, with the session's encoder."""

    def make(name: str, patterns: list[str]) -> tuple[Path, Path, Path, Path]:
        root = tmp_path_factory.mktemp(name)
        home = root / "home"
        home.mkdir()
        (home / "encoder").symlink_to(encoder_dir, target_is_directory=True)
        train, heldout = root / "train.jsonl", root / "heldout.jsonl"
        train.write_text("".join(json.dumps(r) + "\n" for r in subset("train", patterns, 12)))
        heldout.write_text("".join(json.dumps(r) + "\n" for r in subset("heldout", patterns, 5)))
        return root, home, train, heldout

    return make
