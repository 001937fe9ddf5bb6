"""The shipped data: taxonomy copy, catalog coverage and quality rules, corpus counts and separation."""
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from autodevops.corpus import CorpusError, Taxonomy, load_catalog, load_corpus, validate
from autodevops.features.normalize import normalize_log
from autodevops.records import UNKNOWN, LabelledLog

SHARED = Path(__file__).resolve().parents[3] / "shared" / "taxonomy.yaml"
DESTRUCTIVE = re.compile(
    r"\brm\s+-\w*[rf]|\bprune\b|\bdelete\b|\bdrop\s+(?:table|database|schema)|\btruncate\b|--force(?![-\w])|--remove-orphans"
    r"|\b(?:docker|podman)\s+(?:container\s+|image\s+|volume\s+)?(?:rm|rmi)\b|(?:^|[;&|]\s*)(?:sudo\s+)?(?:kill|pkill|killall)\s"
    r"|reset --hard|force-unlock|\buninstall\b|\bmkfs\b|\bdd\s+if=|\brollback\b|\bvolume rm\b|\bdrain\b", re.I)


@pytest.fixture(scope="module")
def taxonomy():
    return Taxonomy.load()


@pytest.fixture(scope="module")
def catalog(taxonomy):
    return load_catalog(taxonomy=taxonomy)


@pytest.fixture(scope="module")
def train():
    return load_corpus("train")


@pytest.fixture(scope="module")
def heldout():
    return load_corpus("heldout")


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/taxonomy.yaml is not present in this checkout")
def test_project_taxonomy_holds_every_shared_id(taxonomy):
    shared = yaml.safe_load(SHARED.read_text())
    assert set(shared["patterns"]) <= set(taxonomy.patterns)
    assert set(shared["categories"]) <= set(taxonomy.categories)


def test_every_taxonomy_id_has_one_catalog_entry(taxonomy, catalog):
    assert sorted(catalog) == sorted(taxonomy.patterns)


def test_catalog_entries_are_complete(catalog):
    for p in catalog.values():
        s = p.solution
        assert p.title and p.description and p.strong, p.id
        assert len(s.steps) >= 2 and s.commands, p.id
        assert 1 <= s.estimated_minutes <= 240, p.id
        assert 0.3 <= s.success_rate <= 0.99, p.id
        assert s.references and all(r.startswith("https://") for r in s.references), p.id
        for rx in (*p.strong, *p.weak):
            re.compile(rx)


def test_destructive_commands_carry_a_warning(catalog):
    unflagged = [(p.id, c.run) for p in catalog.values() for c in p.solution.commands
                 if DESTRUCTIVE.search(c.run) and not c.warning]
    assert unflagged == []


def test_at_least_12_train_examples_per_pattern_and_80_unknown(taxonomy, train):
    counts = Counter(r.pattern_id for r in train)
    assert {pid: counts[pid] for pid in taxonomy.patterns if counts[pid] < 12} == {}
    assert counts[UNKNOWN] >= 80


def test_every_pattern_has_heldout_examples(taxonomy, heldout):
    counts = Counter(r.pattern_id for r in heldout)
    assert [pid for pid in taxonomy.patterns if counts[pid] == 0] == []


def test_heldout_shares_no_normalised_log_with_train(train, heldout):
    seen = {normalize_log(r.log) for r in train}
    assert [r.id for r in heldout if normalize_log(r.log) in seen] == []


def test_labels_are_valid_and_ids_unique(taxonomy, train, heldout):
    validate(train + heldout, taxonomy)


def test_a_bad_corpus_is_refused_with_every_bad_row_listed(taxonomy):
    bad = [LabelledLog("a", "x", "docker.nope"), LabelledLog("b", "", UNKNOWN), LabelledLog("a", "y", UNKNOWN)]
    with pytest.raises(CorpusError) as err:
        validate(bad, taxonomy)
    assert err.value.problems == ["a: pattern_id 'docker.nope' is not in the taxonomy", "b: empty log", "a: duplicate id"]
