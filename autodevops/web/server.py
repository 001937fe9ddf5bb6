"""``autodevops serve``: the API and the page in one process, on 127.0.0.1 unless told otherwise."""
from __future__ import annotations

import sys
from pathlib import Path

from autodevops.engine import prefect_api_url
from autodevops.settings import Settings
from autodevops.web.access import check_binding


def serve(host: str = "127.0.0.1", port: int = 8080, token: str | None = None, reports: Path | None = None) -> None:
    """Build the analyzer once, then serve until interrupted (Ctrl-C stops cleanly)."""
    import uvicorn

    from autodevops.web.app import create_app

    check_binding(host, token)
    settings = Settings.from_env()
    _first_run(settings)
    # Batches become flow runs exactly when the CLI's batch commands would (a Prefect API is configured).
    app = create_app(settings, token=token, reports=reports, use_prefect=prefect_api_url() is not None)
    shown = f"[{host}]" if ":" in host else host
    print(f"autodevops: serving the page and the API on http://{shown}:{port}/"
          + (" (open it once with ?token=TOKEN)" if token else ""), file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


def _first_run(settings: Settings) -> None:
    # A fresh home has no store yet: load the shipped corpus, as `autodevops ingest` would, so the first
    # `serve` answers. Only the embedded store: a configured shared store is never written to unasked.
    if settings.store_url or settings.embedded_store_path.exists():
        return
    from autodevops.flows.ingest import ingest

    print(f"autodevops: no pattern store in {settings.home} yet: loading the shipped corpus first "
          "(`autodevops ingest`, about a minute)", file=sys.stderr)
    ingest()
