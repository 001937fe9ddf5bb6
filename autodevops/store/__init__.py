"""Pattern stores behind one interface; ``open_store`` picks the backend from a URL."""
from __future__ import annotations

from autodevops.settings import Settings
from autodevops.store.base import PatternStore
from autodevops.store.connection import redact_url

__all__ = ["PatternStore", "open_store", "redact_url"]


def open_store(settings: Settings, read_only: bool = False) -> PatternStore:
    """The store named by ``settings.store_url``: unset is the embedded DuckDB file in ``$AUTODEVOPS_HOME``."""
    url = settings.store_url
    if not url or url.startswith("duckdb://"):
        from autodevops.store.embedded import EmbeddedStore

        path = settings.embedded_store_path if not url else _duckdb_path(url)
        return EmbeddedStore(path, read_only=read_only)
    if url.startswith(("tidb://", "mysql://", "mariadb://")):
        from autodevops.store.mysql import MySQLStore

        return MySQLStore.from_url(url, read_only=read_only)
    raise ValueError(f"unsupported store URL scheme in {redact_url(url)!r}")


def _duckdb_path(url: str):
    from pathlib import Path

    return Path(url.removeprefix("duckdb://")).expanduser().resolve()
