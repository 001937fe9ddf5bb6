"""Engine choice without importing Prefect or Dask, and results kept in input order with a bounded window."""
import os
import subprocess
import sys

import pytest

from autodevops.analyzer import LogInput
from autodevops.engine import dask_address, in_order, local_workers, prefect_api_url

PROBE = ("import sys; from autodevops.engine import prefect_api_url; "
         "print(prefect_api_url(), 'prefect' in sys.modules)")


def probe(prefect_home) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {"PREFECT_HOME": str(prefect_home)}
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_without_an_api_prefect_is_not_even_imported(tmp_path):
    assert probe(tmp_path) == "None False"


def test_an_api_set_in_the_active_prefect_profile_counts(tmp_path):
    (tmp_path / "profiles.toml").write_text(
        'active = "team"\n\n[profiles.team]\nPREFECT_API_URL = "http://127.0.0.1:4200/api"\n')
    assert probe(tmp_path) == "http://127.0.0.1:4200/api True"


def test_the_environment_variable_wins(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4300/api")
    assert prefect_api_url() == "http://127.0.0.1:4300/api"
    monkeypatch.delenv("PREFECT_API_URL")
    assert prefect_api_url() is None


def test_dask_address_from_the_option_or_the_environment(monkeypatch):
    monkeypatch.delenv("AUTODEVOPS_DASK", raising=False)
    assert dask_address(None) is None
    monkeypatch.setenv("AUTODEVOPS_DASK", "tcp://10.1.2.3:8786")
    assert dask_address(None) == "tcp://10.1.2.3:8786"
    assert dask_address("local:2") == "local:2"
    assert local_workers("local:2") == 2 and local_workers("tcp://10.1.2.3:8786") is None


@pytest.mark.parametrize("address", ["local:0", "local:", "local:two", "10.1.2.3:8786", "http://h:8786"])
def test_a_bad_dask_address_is_refused(address):
    with pytest.raises(ValueError) as err:
        dask_address(address)
    assert str(err.value) == f"--dask takes tcp://HOST:PORT or local:N, not {address!r}"


class Recorded:
    """A submitted group whose result is asked for later, recording when."""

    def __init__(self, ids: list[str], events: list[tuple[str, str]]):
        self.ids, self.events = ids, events

    def result(self) -> list[str]:
        self.events.append(("result", self.ids[0]))
        return self.ids


def test_in_order_asks_for_results_in_submission_order_with_at_most_window_in_flight():
    groups = [[LogInput(f"g{g}-{i}", "x") for i in range(2)] for g in range(4)]
    events: list[tuple[str, str]] = []

    def submit(group):
        events.append(("submit", group[0].id))
        return Recorded([item.id for item in group], events)

    out = [ids for ids in in_order(submit, groups, window=2)]
    assert out == [["g0-0", "g0-1"], ["g1-0", "g1-1"], ["g2-0", "g2-1"], ["g3-0", "g3-1"]]
    assert events == [("submit", "g0-0"), ("submit", "g1-0"), ("result", "g0-0"), ("submit", "g2-0"),
                      ("result", "g1-0"), ("submit", "g3-0"), ("result", "g2-0"), ("result", "g3-0")]


def test_in_order_with_a_window_of_one_scores_one_group_at_a_time():
    events: list[tuple[str, str]] = []
    groups = [[LogInput("a", "x")], [LogInput("b", "y")]]
    assert list(in_order(lambda g: (events.append(("submit", g[0].id)), Recorded([g[0].id], events))[1],
                         groups, window=1)) == [["a"], ["b"]]
    assert events == [("submit", "a"), ("result", "a"), ("submit", "b"), ("result", "b")]


def test_the_local_engine_scores_on_one_blas_thread_and_gives_the_others_back(ingested_home, monkeypatch):
    from threadpoolctl import threadpool_info

    from autodevops.engine import open_engine
    from autodevops.settings import Settings

    def blas_threads() -> list[int]:
        return sorted({lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"})

    monkeypatch.setenv("AUTODEVOPS_HOME", str(ingested_home))
    before = blas_threads()
    with open_engine(Settings.from_env()):
        assert blas_threads() == [1]
    assert blas_threads() == before
