"""Configuration in one place: every environment variable autodevops reads, read on demand."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Where state lives and which services are configured (see CONTRACT.md, "Where state lives")."""

    home: Path
    store_url: str | None
    groq_api_key: str | None
    groq_base_url: str | None
    groq_model: str
    mlflow_tracking_uri: str
    encoder_variant: str

    @classmethod
    def from_env(cls, store_url: str | None = None) -> "Settings":
        """Read the environment now; ``store_url`` (from ``--store``) overrides ``AUTODEVOPS_STORE``."""
        home = Path(os.environ.get("AUTODEVOPS_HOME", ".autodevops")).expanduser().resolve()
        return cls(
            home=home,
            store_url=store_url or os.environ.get("AUTODEVOPS_STORE") or None,
            groq_api_key=os.environ.get("GROQ_API_KEY") or None,
            groq_base_url=os.environ.get("GROQ_BASE_URL") or None,
            groq_model=os.environ.get("AUTODEVOPS_GROQ_MODEL", "llama-3.3-70b-versatile"),
            mlflow_tracking_uri=os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{home / 'mlflow.db'}",
            encoder_variant=os.environ.get("AUTODEVOPS_ENCODER", "onnx-int8"),
        )

    @property
    def embedded_store_path(self) -> Path:
        return self.home / "patterns.duckdb"

    @property
    def embedding_cache_path(self) -> Path:
        return self.home / "embeddings.sqlite"

    @property
    def encoder_dir(self) -> Path:
        return self.home / "encoder"

    @property
    def tuned_config_path(self) -> Path:
        return self.home / "tuned.json"

    def ensure_home(self) -> Path:
        """Create the state folder (only when a command actually writes state)."""
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home
