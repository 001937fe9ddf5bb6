"""Configuration in one place: every environment variable autodevops reads, read on demand."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

MIB = 1024 * 1024


@dataclass(frozen=True)
class InputLimits:
    """How much of any input ``analyze`` reads: the tail budget of one log and the archive guards.

    Real CI logs reach ~30 MB and their failure sits at the end: in the LogChunks dev set the
    human-cut failure chunk starts at most 248 KB before the end of its log (95th percentile 91 KB),
    so an 8 MiB tail keeps it with a 30x margin while bounding what one log costs in memory.
    """

    max_log_bytes: int = 8 * MIB           # a larger log keeps its last 8 MiB and is marked truncated
    max_record_bytes: int = 64 * MIB       # one --records line (JSON escapes inflate a 30 MB log to ~40 MB)
    max_batch_bytes: int = 16 * MIB        # log text scored at once: peak RSS on the real-log set 523 -> 309 MB vs 64 MiB, same speed
    max_archive_bytes: int = 4 * 1024 * MIB  # unpacked bytes per archive: streaming keeps memory flat, this bounds time
    # Deflate (zip, gzip) cannot exceed 1032:1, so a ratio above this is a bomb built on another method.
    max_archive_ratio: float = 1100.0
    max_archive_members: int = 100_000     # a zip's directory is read whole: this bounds it (~50 MB)

    @classmethod
    def from_env(cls) -> "InputLimits":
        """``AUTODEVOPS_MAX_LOG_BYTES`` and friends (sizes accept K/M/G suffixes: ``8M``, ``4GiB``)."""
        d = cls()
        return cls(
            max_log_bytes=_size("AUTODEVOPS_MAX_LOG_BYTES", d.max_log_bytes),
            max_record_bytes=_size("AUTODEVOPS_MAX_RECORD_BYTES", d.max_record_bytes),
            max_batch_bytes=_size("AUTODEVOPS_MAX_BATCH_BYTES", d.max_batch_bytes),
            max_archive_bytes=_size("AUTODEVOPS_MAX_ARCHIVE_BYTES", d.max_archive_bytes),
            max_archive_ratio=float(os.environ.get("AUTODEVOPS_MAX_ARCHIVE_RATIO") or d.max_archive_ratio),
            max_archive_members=int(os.environ.get("AUTODEVOPS_MAX_ARCHIVE_MEMBERS") or d.max_archive_members),
        )


def _size(name: str, default: int) -> int:
    text = (os.environ.get(name) or "").strip()
    if not text:
        return default
    match = re.fullmatch(r"(?i)(\d+)\s*([kmg]?)(?:i?b)?", text)
    if not match or int(match[1]) <= 0:
        raise ValueError(f"{name}={text!r} is not a positive size (bytes, or with a K/M/G suffix)")
    return int(match[1]) * 1024 ** " kmg".index(match[2].lower() or " ")


class _InHome:
    """A read-only attribute of ``Settings``: the path of one file or folder in its ``home``."""

    def __init__(self, name: str, doc: str | None = None):
        self.name = name
        self.__doc__ = doc or f"``home / {name!r}``."

    def __get__(self, settings: Settings | None, owner: type | None = None) -> Path:
        if settings is None:  # looked up on the class: the attribute itself, as a property would be
            return self  # type: ignore[return-value]
        return settings.home / self.name


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
    limits: InputLimits = field(default_factory=InputLimits)

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
            limits=InputLimits.from_env(),
        )

    # The files and folders of the state home.
    embedded_store_path = _InHome("patterns.duckdb")
    embedding_cache_path = _InHome("embeddings.sqlite")
    signal_guards_path = _InHome("signal_guards.json", "The literals that guard each catalog regex (see "
                                 "``features.signals.GuardCache``): a cache, rebuilt when missing.")
    encoder_dir = _InHome("encoder")
    tuned_config_path = _InHome("tuned.json")
    line_scorer_path = _InHome("line_scorer.json", "The line scorer that ``tune --real`` fitted on the team's real "
                                                   "logs (the shipped one until then).")
    journal_path = _InHome("analyses.sqlite", "The analysis journal: every analysis the CLI and the server made "
                                              "(what teaching reads back).")

    def ensure_home(self) -> Path:
        """Create the state folder (only when a command actually writes state)."""
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home
