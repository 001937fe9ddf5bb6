"""The model registry's ``champion``: a new analyzer takes the alias only when it beats the champion on held-out."""
from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autodevops.model_config import ModelConfig
from autodevops.models.evaluation import objective
from autodevops.settings import Settings
from autodevops.store.base import PatternStore

log = logging.getLogger("autodevops.registry")

CHAMPION = "champion"
OBJECTIVE_TAG = "heldout_objective"  # objective() of the version's held-out metrics
HELDOUT_TAG = "corpus_hash.heldout"  # which held-out set that objective was measured on


@dataclass(frozen=True)
class Registration:
    """One registered version and what happened to the ``champion`` alias."""

    version: str
    promoted: bool
    reason: str


def should_promote(new: float, heldout: str, champion_tags: dict[str, str] | None) -> tuple[bool, str]:
    """Promote when there is no champion, or when ``new`` beats its objective on the same held-out set.

    >>> should_promote(0.8, "h", {"heldout_objective": "0.75", "corpus_hash.heldout": "h"})
    (True, 'held-out objective 0.8000 beats the champion 0.7500')
    >>> should_promote(0.8, "h", {"heldout_objective": "0.75", "corpus_hash.heldout": "other"})[0]
    False
    """
    if champion_tags is None:
        return True, "no champion yet"
    if OBJECTIVE_TAG not in champion_tags:
        return True, "the champion has no recorded held-out objective"
    if champion_tags.get(HELDOUT_TAG) != heldout:
        return False, "the champion was measured on another held-out set: not comparable, alias kept"
    old = float(champion_tags[OBJECTIVE_TAG])
    if new > old:
        return True, f"held-out objective {new:.4f} beats the champion {old:.4f}"
    return False, f"held-out objective {new:.4f} does not beat the champion {old:.4f}: alias kept"


def register(settings: Settings, config: ModelConfig, store: PatternStore, name: str, run_id: str) -> Registration:
    """Log and register the analyzer; move ``champion`` only if it wins, else put the champion's config back."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from autodevops.serving import log_analyzer

    client = MlflowClient()
    heldout = client.get_run(run_id).data.tags.get(HELDOUT_TAG, "")
    new = objective(config.metrics["heldout"])
    try:
        champion = client.get_model_version_by_alias(name, CHAMPION)
    except MlflowException:  # no such model or no such alias yet
        champion = None
    promoted, reason = should_promote(new, heldout, champion.tags if champion else None)
    with tempfile.TemporaryDirectory() as tmp:
        info = log_analyzer(store, settings, name, Path(tmp))
    version = str(info.registered_model_version)
    client.set_model_version_tag(name, version, OBJECTIVE_TAG, f"{new:.6f}")
    client.set_model_version_tag(name, version, HELDOUT_TAG, heldout)
    mlflow.set_tag("champion", "promoted" if promoted else f"kept version {champion.version}")
    if promoted:
        client.set_registered_model_alias(name, CHAMPION, version)
    else:
        # The CLI reads tuned.json: it must keep answering with the champion's configuration.
        with tempfile.TemporaryDirectory() as tmp:
            saved = mlflow.artifacts.download_artifacts(run_id=champion.run_id, artifact_path=settings.tuned_config_path.name,
                                                        dst_path=tmp)
            shutil.copy2(saved, settings.tuned_config_path)
    log.info("registered %s version %s: %s", name, version, reason)
    return Registration(version, promoted, reason)
