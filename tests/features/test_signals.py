"""Keyword signals: the literal guard never changes an answer, and the literals are read off right."""
import json

import pytest

from autodevops.corpus import load_catalog, load_corpus
from autodevops.features.normalize import strip_prefix
from autodevops.features.signals import GUARD_VERSION, GuardCache, SignalMatcher, required_literals


@pytest.mark.parametrize("regex, literals", [
    (r"port is already allocated", ["port is already allocated"]),
    (r"^(?!.*\bdocker\b).*EADDRINUSE", ["eaddrinuse"]),
    (r"(?:pull|push) access denied", [" access denied"]),
    (r"(?:ErrImagePull|ImagePullBackOff)", ["errimagepull", "imagepullbackoff"]),
    (r"(?:x509|tls): .*", ["tls", "x509"]),
    (r"\w+: .*", None),
    (r"(?:foo)?barbaz", ["barbaz"]),
    (r"(?:ab)+cde", ["cde"]),
    (r"\d+ Insufficient (?:cpu|memory)", [" insufficient "]),
    (r"[Kk]illed", ["illed"]),
])
def test_required_literals(regex, literals):
    assert required_literals(regex) == literals


def test_guarded_scan_equals_the_full_scan_on_every_corpus_line():
    matcher = SignalMatcher.from_patterns(load_catalog().values())
    lines = {strip_prefix(l) for r in load_corpus("train") + load_corpus("heldout") for l in r.log.splitlines()}
    differing = [l for l in lines if matcher.scan_line(l) != matcher.scan_line_unguarded(l)]
    assert len(lines) > 5000 and differing == []


def test_strong_wins_over_weak_for_the_same_pattern():
    m = SignalMatcher.from_rules({"p": (["refused"], ["connection"]), "q": ([], ["connection"])})
    assert m.scan_line("connection refused") == (("p", 1.0), ("q", 0.4))
    assert m.scan_line("nothing here") == ()


def rules_of(catalog) -> dict:
    return {p.id: (p.strong, p.weak) for p in catalog.values()}


def test_guards_kept_in_a_file_are_the_guards_read_off_the_regexes(tmp_path):
    catalog = load_catalog()
    path = tmp_path / "signal_guards.json"
    first = GuardCache(path)
    SignalMatcher(rules_of(catalog), first)
    regexes = {r for p in catalog.values() for r in (*p.strong, *p.weak)}
    assert first.computed == len(regexes) > 1000
    kept = json.loads(path.read_text())
    assert kept["version"] == GUARD_VERSION and kept["guards"] == {r: required_literals(r) for r in regexes}

    again = GuardCache(path)
    matcher = SignalMatcher(rules_of(catalog), again)
    assert again.computed == 0  # a second process reads them all
    lines = {strip_prefix(l) for r in load_corpus("heldout") for l in r.log.splitlines()}
    assert all(matcher.scan_line(l) == matcher.scan_line_unguarded(l) for l in lines)


@pytest.mark.parametrize("content", ["{not json", json.dumps({"version": GUARD_VERSION - 1, "guards": {"x": ["y"]}}),
                                     json.dumps([1, 2]),
                                     json.dumps({"version": GUARD_VERSION, "guards": {"x": "abc"}}),
                                     json.dumps({"version": GUARD_VERSION, "guards": {"x": [""]}})])
def test_a_guard_file_of_another_version_or_unreadable_is_computed_again(tmp_path, content):
    path = tmp_path / "signal_guards.json"
    path.write_text(content)
    cache = GuardCache(path)
    assert cache.literals("x") == required_literals("x") is None and cache.computed == 1
    cache.save(["x"])
    assert json.loads(path.read_text()) == {"version": GUARD_VERSION, "guards": {"x": None}}


def test_a_guard_file_that_cannot_be_written_only_costs_the_parse(tmp_path):
    cache = GuardCache(tmp_path / "no-such-dir" / "signal_guards.json")
    m = SignalMatcher({"p": (["port is already allocated"], [])}, cache)
    assert m.scan_line("Bind failed: port is already allocated") == (("p", 1.0),)
    assert list(tmp_path.iterdir()) == [] and cache.computed == 1
