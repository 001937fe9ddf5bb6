"""The analyzer's configuration on disk: matcher parameters and the confidence calibration.

``tune`` writes it with tuned values (``"source": "tuned"``); ``ingest`` writes the seed values with a
calibration fitted by cross-validation when nothing tuned exists yet. ``analyze`` reads it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from autodevops.models.calibration import ConfidenceCalibrator
from autodevops.models.matcher import SEED_PARAMS


@dataclass(frozen=True)
class ModelConfig:
    params: dict = field(default_factory=lambda: dict(SEED_PARAMS))
    calibration: dict | None = None
    source: str = "seed"
    metrics: dict = field(default_factory=dict)
    corpus_hash: str | None = None

    @classmethod
    def load(cls, path: Path) -> "ModelConfig":
        """The saved configuration, or the seed defaults when none was saved."""
        if not path.exists():
            return cls()
        data = json.loads(path.read_text())
        return cls(params={**SEED_PARAMS, **data.get("params", {})}, calibration=data.get("calibration"),
                   source=data.get("source", "seed"), metrics=data.get("metrics", {}),
                   corpus_hash=data.get("corpus_hash"))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"params": self.params, "calibration": self.calibration, "source": self.source,
                                   "metrics": self.metrics, "corpus_hash": self.corpus_hash}, indent=2))
        tmp.replace(path)

    def calibrator(self) -> ConfidenceCalibrator | None:
        return ConfidenceCalibrator.from_dict(self.calibration) if self.calibration else None
