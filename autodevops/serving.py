"""The analyzer as an MLflow pyfunc model, so ``mlflow models serve`` answers analyze requests.

The model carries a snapshot of ``$AUTODEVOPS_HOME`` as it was when tune registered it: the store's
patterns and example vectors (an embedded DuckDB file), the tuned configuration and the fitted line
weights. ``load_context`` builds the analyzer with ``Analyzer.load`` on that snapshot, the same builder the
CLI and the flows use; the encoder is exported from the packaged model on first load (no network).
"""
from __future__ import annotations

import importlib
import shutil
import tempfile
from dataclasses import replace
from importlib.metadata import requires
from pathlib import Path

import mlflow.pyfunc
import numpy as np

from autodevops.store.base import ExampleRow, PatternStore

# The installed folders that make up the ``autodevops`` package (features/, models/, ... are mapped into it).
SUB_PACKAGES = ("features", "models", "flows", "datasets")
INPUT_EXAMPLE = {"id": ["build-42"], "log": ["Error response from daemon: driver failed programming external"
                                             " connectivity: Bind for 0.0.0.0:80 failed: port is already allocated"]}


def write_snapshot(store: PatternStore, settings, folder: Path) -> Path:
    """Copy what ``Analyzer.load`` reads (store rows, tuned config, line weights) into a home folder."""
    from autodevops.store.embedded import EmbeddedStore

    folder.mkdir(parents=True, exist_ok=True)
    matrix = store.examples()
    with EmbeddedStore(folder / settings.embedded_store_path.name) as snapshot:
        snapshot.upsert_patterns(store.patterns())
        # Analyze reads only ids, labels, encoders, origins and vectors; the rest of a row stays behind.
        snapshot.upsert_examples([
            ExampleRow(i, "", pid, None, "", "", encoder, np.asarray(vector), origin)
            for i, pid, encoder, vector, origin in zip(matrix.ids, matrix.pattern_ids, matrix.encoders,
                                                       matrix.vectors, matrix.origins)])
    for path in (settings.tuned_config_path, settings.line_scorer_path):
        if path.exists():
            shutil.copy2(path, folder / path.name)
    return folder


def write_code(folder: Path) -> Path:
    """The installed ``autodevops`` package, laid out as one importable folder, for ``code_paths``."""
    import autodevops

    target = folder / "autodevops"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(Path(autodevops.__path__[0]), target, ignore=ignore)
    for name in SUB_PACKAGES:
        package = importlib.import_module(f"autodevops.{name}")
        shutil.copytree(Path(package.__path__[0]), target / name, ignore=ignore, dirs_exist_ok=True)
    return target


def pip_requirements() -> list[str]:
    """The project's declared runtime dependencies (the package itself travels as code, not from PyPI)."""
    return [r for r in requires("autodevops") or [] if "extra ==" not in r]


def signature():
    """Input: a table of logs (``log``, optional ``id``); output: one analysis record per log."""
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    return ModelSignature(inputs=Schema([ColSpec("string", "id", required=False), ColSpec("string", "log")]))


def _share_encoder(runtime: Path, home: Path) -> None:
    # Reuse this machine's exported ONNX files instead of exporting them again next to the snapshot.
    encoder = home / runtime.name
    if runtime.is_dir() and not encoder.exists():
        encoder.symlink_to(runtime, target_is_directory=True)


class AnalyzerModel(mlflow.pyfunc.PythonModel):
    """pyfunc wrapper: input rows with ``log`` (and optional ``id``), output one analysis dict per row."""

    def load_context(self, context) -> None:
        from autodevops.analyzer import Analyzer
        from autodevops.settings import Settings

        runtime = Settings.from_env()
        # A private copy: the embedding cache and the encoder link are written next to it, never into the registry.
        self._home = tempfile.TemporaryDirectory(prefix="autodevops-model-")
        home = Path(shutil.copytree(context.artifacts["home"], Path(self._home.name) / "home"))
        _share_encoder(runtime.encoder_dir, home)
        self.analyzer = Analyzer.load(replace(runtime, home=home, store_url=None))

    def predict(self, context, model_input, params=None):
        from autodevops.analyzer import LogInput

        if hasattr(model_input, "to_dict"):
            records = model_input.to_dict(orient="records")
        elif isinstance(model_input, dict):
            records = [model_input]
        else:
            records = list(model_input)
        items = [LogInput(str(r["id"]) if r.get("id") is not None else str(i), str(r["log"]))
                 for i, r in enumerate(records)]
        return [a.to_json() for a in self.analyzer.analyze_batch(items)]


def log_analyzer(store: PatternStore, settings, registered_model_name: str, tmp: Path):
    """Log the pyfunc with its snapshot, code, requirements, signature and input example; register it."""
    import pandas as pd

    home = write_snapshot(store, settings, tmp / "home")
    code = write_code(tmp / "code")
    return mlflow.pyfunc.log_model(
        name="analyzer", python_model=AnalyzerModel(), artifacts={"home": str(home)}, code_paths=[str(code)],
        registered_model_name=registered_model_name, pip_requirements=pip_requirements(),
        signature=signature(), input_example=pd.DataFrame(INPUT_EXAMPLE))
