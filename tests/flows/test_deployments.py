"""prefect.yaml: every deployment points at a real flow, and the deployments run on a real server and worker."""
import importlib.util
import inspect
import json
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import yaml
from prefect import Flow

ROOT = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))


def test_every_deployment_entrypoint_is_a_flow_with_those_parameters():
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    names = set()
    for deployment in spec["deployments"]:
        path, name = deployment["entrypoint"].split(":")
        module_spec = importlib.util.spec_from_file_location(f"deploy_{name}", ROOT / path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        flow = getattr(module, name)
        assert isinstance(flow, Flow) and flow.name == name
        accepted = set(inspect.signature(flow.fn).parameters)
        assert set(deployment.get("parameters", {})) <= accepted, deployment["name"]
        assert deployment["work_pool"]["name"] == "autodevops"
        names.add(name)
    assert names == {"ingest", "tune", "benchmark", "analyze"}


def api(url: str, path: str, body: dict | None = None):
    request = urllib.request.Request(f"{url}{path}", data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"}, method="POST" if body else "GET")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_the_nightly_ingestion_runs_to_completed_on_a_real_worker(prefect_server, prefect_env, ingested_home, tmp_path):
    """What a team does: create the pool, deploy everything, trigger the nightly ingestion, let a worker run it."""
    project = tmp_path / "project"  # a copy, so that deploying leaves nothing in the checkout
    shutil.copytree(ROOT / "flows", project / "flows", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "prefect.yaml", project / "prefect.yaml")
    home = tmp_path / "home"  # the worker's state: the session's encoder export and a warm embedding cache
    home.mkdir()
    (home / "encoder").symlink_to((ingested_home / "encoder").resolve(), target_is_directory=True)
    shutil.copy(ingested_home / "embeddings.sqlite", home / "embeddings.sqlite")
    env = prefect_env(tmp_path / "prefect-home", prefect_server, AUTODEVOPS_HOME=str(home))

    def prefect(*args: str, timeout: float = 120) -> str:
        proc = subprocess.run([PREFECT, *args], cwd=project, env=env, capture_output=True, text=True, timeout=timeout)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return proc.stdout

    prefect("work-pool", "create", "autodevops", "--type", "process", "--overwrite")
    deployed = prefect("--no-prompt", "deploy", "--all")
    assert deployed.count("successfully created") == 4
    deployment = api(prefect_server, "/deployments/name/ingest/scheduled-pattern-ingestion")
    assert [s["schedule"]["cron"] for s in deployment["schedules"]] == ["30 2 * * *"]
    assert api(prefect_server, "/deployments/name/tune/weekly-tuning")["schedules"][0]["schedule"]["cron"] == "0 4 * * 1"

    run_id = re.search(r"UUID: ([0-9a-f-]{36})", prefect("deployment", "run", "ingest/scheduled-pattern-ingestion"))[1]
    prefect("worker", "start", "--pool", "autodevops", "--run-once", timeout=600)

    run = api(prefect_server, f"/flow_runs/{run_id}")
    assert run["state"]["type"] == "COMPLETED", run["state"]
    assert run["parameters"] == {"corpora": None, "store_url": None}
    tasks = api(prefect_server, "/task_runs/filter", {"flow_runs": {"id": {"any_": [run_id]}}})
    assert {t["name"].split("-")[0] for t in tasks} >= {"embed_corpus", "load_store"}
    assert all(t["state"]["type"] == "COMPLETED" for t in tasks)
    artifacts = api(prefect_server, "/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run_id]}}})
    assert {a["key"] for a in artifacts} == {"ingest-summary", "ingest-report"}
    assert (home / "patterns.duckdb").exists()
