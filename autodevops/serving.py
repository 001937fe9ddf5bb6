"""The tuned analyzer as an MLflow pyfunc model, so ``mlflow models serve`` answers analyze requests.

The model's artifacts are a snapshot of the pattern store (patterns + example vectors) and the tuned
configuration; the encoder is exported from the packaged model on load (no network).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import mlflow.pyfunc
import numpy as np

from autodevops.store.base import PatternRow, PatternStore


def write_snapshot(store: PatternStore, folder: Path) -> dict[str, str]:
    """Write the store's patterns and example vectors to ``folder``; returns the pyfunc artifacts map."""
    folder.mkdir(parents=True, exist_ok=True)
    patterns = [{**{k: v for k, v in vars(p).items() if k != "embedding"}, "embedding": p.embedding.tolist()}
                for p in store.patterns()]
    (folder / "patterns.json").write_text(json.dumps(patterns))
    examples = store.examples()
    np.savez_compressed(folder / "examples.npz", ids=np.array(examples.ids), pattern_ids=np.array(examples.pattern_ids),
                        vectors=examples.vectors, encoders=np.array(examples.encoders))
    return {"patterns": str(folder / "patterns.json"), "examples": str(folder / "examples.npz")}


class AnalyzerModel(mlflow.pyfunc.PythonModel):
    """pyfunc wrapper: input rows with ``log`` (and optional ``id``), output one analysis dict per row."""

    def load_context(self, context) -> None:
        from autodevops.analyzer import Analyzer, symptoms_of
        from autodevops.features.encoder import CachedEncoder, load_encoder
        from autodevops.model_config import ModelConfig
        from autodevops.models.matcher import PatternMatcher
        from autodevops.settings import Settings

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        rows = json.loads(Path(context.artifacts["patterns"]).read_text())
        patterns = [PatternRow(**{**r, "embedding": np.asarray(r["embedding"], dtype=np.float32)}) for r in rows]
        data = np.load(context.artifacts["examples"])
        config = ModelConfig.load(Path(context.artifacts["config"]))
        matcher = PatternMatcher(**config.params, history={p.id: p.success_rate for p in patterns},
                                 symptoms=symptoms_of(patterns))
        matcher.fit(data["vectors"], [str(x) for x in data["pattern_ids"]])
        variant = str(data["encoders"][0]).rsplit("/", 1)[-1] if len(data["encoders"]) else "onnx"
        encoder = CachedEncoder(load_encoder(variant, Settings.from_env().encoder_dir), None)
        self.analyzer = Analyzer(matcher, patterns, encoder, config.calibrator(), config)

    def predict(self, context, model_input, params=None):
        from autodevops.analyzer import LogInput

        if hasattr(model_input, "to_dict"):
            records = model_input.to_dict(orient="records")
        elif isinstance(model_input, dict):
            records = [model_input]
        else:
            records = list(model_input)
        items = [LogInput(str(r.get("id", i)), str(r["log"])) for i, r in enumerate(records)]
        return [a.to_json() for a in self.analyzer.analyze_batch(items)]
