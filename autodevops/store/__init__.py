"""Pattern stores behind one interface; ``open_store`` picks the backend from a URL."""
from __future__ import annotations

from autodevops.settings import Settings
from autodevops.store.base import PatternStore


def open_store(settings: Settings, read_only: bool = False) -> PatternStore:
    """The store named by ``settings.store_url``: unset is the embedded DuckDB file in ``$AUTODEVOPS_HOME``."""
    url = settings.store_url
    if not url or url.startswith("duckdb://"):
        from autodevops.store.embedded import EmbeddedStore

        path = settings.embedded_store_path if not url else _duckdb_path(url)
        return EmbeddedStore(path, read_only=read_only)
    if url.startswith(("tidb://", "mysql://", "mariadb://")):
        from autodevops.store.mysql import MySQLStore

        return MySQLStore.from_url(url)
    raise ValueError(f"unsupported store URL scheme in {redact_url(url)!r}")


def _duckdb_path(url: str):
    from pathlib import Path

    return Path(url.removeprefix("duckdb://")).expanduser().resolve()


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (for logs, errors and MLflow)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
