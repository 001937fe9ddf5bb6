"""Environment contexts a log shows: Helm, Kustomize, Argo CD, a CI runner, rootless engines, managed databases...

A fix is adapted to where it runs: a ``kubectl patch`` is undone when Helm manages the object, a host-wide
sysctl is wrong on a laptop's rootless engine, ``ALTER SYSTEM`` is refused by a managed database. The catalog
marks such steps and commands with ``when`` / ``unless`` contexts (datasets/catalog/README.md).

Logs reach 30 MB, so only a bounded sample is read: the failure lines plus the head and tail of the log, in one
Aho-Corasick pass for every marker at once.

>>> sorted(detect_contexts(["Error: UPGRADE FAILED: another operation is in progress"], "Run helm upgrade x ./chart"))
['helm']
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import ahocorasick

# The contexts the catalog may name (datasets/catalog/README.md, "Environment contexts").
CONTEXTS = ("helm", "kustomize", "argocd", "ci", "rootless", "podman", "managed_db", "windows", "macos", "compose")

HEAD_BYTES = 8 * 1024    # CI runners announce themselves in the first lines
TAIL_BYTES = 32 * 1024   # the failing command (helm upgrade, docker compose up...) sits just before the failure

# Lower-case text that shows a context; found with one Aho-Corasick pass over the lower-cased sample.
MARKERS: dict[str, tuple[str, ...]] = {
    "helm": ("helm upgrade", "helm install", "helm template", "helm rollback", "helm uninstall", "helm status",
             "helm history", "helm lint", "helm dependency", "helm repo", "helm.sh/", "helm:", "upgrade failed:",
             "installation failed:", "has no deployed releases", "cannot re-use a name that is still in use",
             "managed-by: helm", "managed-by=helm", "another operation (install/upgrade/rollback) is in progress"),
    "kustomize": ("kustomize", "kustomization", "kubectl apply -k", "kubectl diff -k"),
    "argocd": ("argocd", "argo cd", "argoproj.io"),
    "ci": ("##[error]", "##[group]", "##[endgroup]", "##[warning]", "github_actions", "actions/checkout",
           "/home/runner/work/", "gitlab-runner", "running with gitlab", "$ci_", "ci_job_", "travis", "jenkins",
           "[pipeline]", "circleci", "buildkite", "##vso[", "azure pipelines", "teamcity", "bitbucket pipelines",
           "woodpecker"),
    "rootless": ("rootless", "slirp4netns", "/run/user/"),
    "podman": ("podman", "netavark", "conmon", "containers/storage"),
    "managed_db": (".rds.amazonaws.com", " rds ", "aurora", "cloud sql", "cloudsql", "cloud-sql-proxy",
                   ".database.azure.com", "azure database for", "rdsadmin", "rds_superuser", "cloudsqlsuperuser",
                   "rds.force_ssl"),
    "windows": ("c:\\", "d:\\a\\", "winerror", "powershell", "pwsh", "windows-latest", "cmd.exe",
                "docker desktop for windows", "\\\\.\\pipe\\"),
    "macos": ("macos", "darwin", "/opt/homebrew/", ".dylib", "docker desktop for mac", "brew install"),
    "compose": ("docker compose", "docker-compose", "compose.yaml", "compose.yml"),
}


@lru_cache(maxsize=1)
def _automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for context, markers in MARKERS.items():
        for marker in markers:
            names = automaton.get(marker, ())
            automaton.add_word(marker, (*names, context))
    automaton.make_automaton()
    return automaton


def log_sample(text: str, head: int = HEAD_BYTES, tail: int = TAIL_BYTES) -> str:
    """The head and tail of a log (the whole log when it is short): what context detection reads."""
    return text if len(text) <= head + tail else text[:head] + "\n" + text[-tail:]


def detect_contexts(failure_lines: Sequence[str], sample: str) -> frozenset[str]:
    """The environment contexts the failure lines or the log sample show (a subset of ``CONTEXTS``)."""
    found: set[str] = set()
    for _, contexts in _automaton().iter(("\n".join(failure_lines) + "\n" + sample).lower()):
        found.update(contexts)
    return frozenset(found)
