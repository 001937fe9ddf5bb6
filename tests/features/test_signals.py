"""Keyword signals: the literal guard never changes an answer, and the literals are read off right."""
import pytest

from autodevops.corpus import load_catalog, load_corpus
from autodevops.features.normalize import strip_prefix
from autodevops.features.signals import SignalMatcher, required_literals


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
