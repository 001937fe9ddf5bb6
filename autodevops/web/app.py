"""The REST API and the page, as one FastAPI application over the same analyzer as the CLI.

FastAPI because it is already installed (Prefect's server and MLflow's scoring server are built on it)
and it serves the OpenAPI schema at ``/openapi.json`` from the routes themselves. A minimal
example, against a server started with ``autodevops serve``::

    $ curl -s localhost:8080/api/analyze -H 'content-type: application/json' \\
        -d '{"log": "Bind for 0.0.0.0:5432 failed: port is already allocated"}' | jq -r .pattern_id
    docker.port_already_allocated
"""
from __future__ import annotations

import io
import json
from collections import Counter, defaultdict
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from autodevops.analyzer import LogInput
from autodevops.inputs import read_tail
from autodevops.models.remedy import success_note
from autodevops.settings import Settings
from autodevops.store.base import PatternRow
from autodevops.web.access import TokenGuard
from autodevops.web.batches import BadArchive, Batches
from autodevops.web.limits import BodyLimit
from autodevops.web.service import AnalysisService

STATIC = Path(__file__).parent / "static"
# The page runs only its own files: a log that smuggles markup in can run nothing even if it got through.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
OUTCOMES = {"success": 1.0, "worked": 1.0, "failure": 0.0, "failed": 0.0}


@dataclass(frozen=True)
class Limits:
    """Request size limits: one pasted or uploaded log, and one uploaded archive."""

    # A log beyond the analyzer's budget is still accepted and keeps its tail, as on the command line.
    log_bytes: int = 64 * 1024 * 1024
    archive_bytes: int = 1024 * 1024 * 1024
    other_bytes: int = 1024 * 1024


class AnalyzeRequest(BaseModel):
    """One log to analyze."""

    log: str = Field(description="the log text")
    id: str | None = Field(None, description="a name for the log, echoed as the record's id")


class FeedbackRequest(BaseModel):
    """An outcome (``outcome``) or a correction (``analysis_id`` or ``log``) for one pattern."""

    pattern_id: str = Field(description="the pattern the feedback is about; 'unknown' teaches an abstention")
    outcome: Literal["success", "failure", "worked", "failed"] | float | None = Field(
        None, description="whether the applied solution worked: success, failure or 0..1")
    analysis_id: str | None = Field(None, description="teach: the analysis whose log belongs to pattern_id")
    log: str | None = Field(None, description="teach: a log that belongs to pattern_id")


_ANALYZE_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": AnalyzeRequest.model_json_schema()},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                       "properties": {"file": {"type": "string", "format": "binary"}}}}}}}
_ARCHIVE_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": ".tar.gz, .tgz, .tar, .zip or .gz; each member is one log"}}}}}}}


def pattern_summary(pattern: PatternRow) -> dict:
    """A catalog entry as ``/api/patterns`` lists it: the solution, its success rate and whether it is a prior."""
    return {"id": pattern.id, "category": pattern.category, "title": pattern.title,
            "success_rate": round(pattern.success_rate, 4), "feedback_count": pattern.feedback_count,
            "prior": pattern.feedback_count == 0,
            "success_rate_note": success_note(pattern.success_rate, pattern.feedback_count),
            "solution": pattern.solution}


def summarize_counts(rows: list[dict]) -> dict:
    """Totals per pattern, per category and per day from the journal's daily counts."""
    per_pattern: Counter[str] = Counter()
    per_category: Counter[str] = Counter()
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        pattern, category = row["pattern_id"] or "abstained", row["category"] or "abstained"
        per_pattern[pattern] += row["count"]
        per_category[category] += row["count"]
        per_day[row["day"]][category] += row["count"]
    return {"total": sum(per_pattern.values()), "per_pattern": dict(per_pattern.most_common()),
            "per_category": dict(per_category.most_common()),
            "per_day": [{"day": day, "per_category": dict(per_day[day])} for day in sorted(per_day)],
            "rows": rows}


def report_summary(folder: Path | None) -> dict:
    """The latest benchmark report in ``folder`` (its headline metrics), or ``available: false``."""
    metrics = folder / "metrics.json" if folder else None
    if metrics is None or not metrics.is_file():
        return {"available": False, "folder": str(folder) if folder else None}
    result = json.loads(metrics.read_text(encoding="utf-8"))
    return {"available": True, "generated": result.get("generated"), "summary": result.get("summary"),
            "warnings": result.get("warnings", []), "approaches": result.get("approaches", {}),
            "html": (folder / "report.html").is_file()}


def _outcome(value: str | float) -> float:
    number = OUTCOMES[value] if isinstance(value, str) else float(value)
    if not 0.0 <= number <= 1.0:
        raise HTTPException(422, "outcome must be success, failure or a number between 0 and 1")
    return number


def create_app(settings: Settings, token: str | None = None, reports: Path | None = None,
               limits: Limits = Limits(), use_prefect: bool = False) -> FastAPI:
    """The application; builds the analyzer now (a broken store fails here, before anything listens)."""
    service = AnalysisService(settings)
    batches = Batches(settings.home / "batches", service.analyze, settings.limits, use_prefect=use_prefect)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        batches.start()
        try:
            yield
        finally:
            await run_in_threadpool(batches.close)
            await run_in_threadpool(service.close)

    # No /docs: FastAPI's Swagger page loads its scripts from a CDN, and this server works offline.
    app = FastAPI(title="autodevops", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Deployment logs in, one ready-to-apply fix out (records as in the CLI contract).")
    app.state.service, app.state.batches = service, batches
    app.add_middleware(BodyLimit, default=limits.other_bytes,
                       limits={"/api/analyze": limits.log_bytes, "/api/batches": limits.archive_bytes,
                               "/api/feedback": limits.log_bytes})
    if token:
        app.add_middleware(TokenGuard, token=token)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"content-security-policy": PAGE_POLICY,
                                                            "cache-control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/report", include_in_schema=False)
    def report_page() -> FileResponse:
        page = reports / "report.html" if reports else None
        if page is None or not page.is_file():
            raise HTTPException(404, "no benchmark report: run `autodevops benchmark` first")
        return FileResponse(page, headers={"content-security-policy": "default-src 'none'; img-src data:; "
                                                                      "style-src 'unsafe-inline'"})

    @app.get("/api/health", summary="Liveness and what the analyzer holds")
    def health() -> dict:
        return {"status": "ok", "patterns": len(service.patterns)}

    @app.post("/api/analyze", summary="Analyze one log: JSON {log} or a multipart file upload",
              openapi_extra=_ANALYZE_BODY)
    async def analyze(request: Request) -> dict:
        kind = request.headers.get("content-type", "")
        if kind.startswith("application/json"):
            try:
                body = AnalyzeRequest.model_validate_json(await request.body())
            except ValidationError as exc:
                errors = exc.errors(include_url=False, include_context=False, include_input=False)
                raise HTTPException(422, errors) from None
            log_id = body.id or "pasted log"
            data = io.BytesIO(body.log.encode("utf-8", "surrogatepass"))
            text, cut = await run_in_threadpool(read_tail, data, settings.limits.max_log_bytes)
        elif kind.startswith("multipart/form-data"):
            async with request.form(max_files=1, max_fields=2) as form:  # closes the spooled upload
                upload = form.get("file")
                if not isinstance(upload, UploadFile):
                    raise HTTPException(400, "send the log as the multipart field 'file'")
                log_id = upload.filename or "uploaded log"
                text, cut = await run_in_threadpool(read_tail, upload.file, settings.limits.max_log_bytes)
        else:
            raise HTTPException(415, "send JSON {\"log\": \"...\"} or a multipart upload with the field 'file'")
        if not text.strip():
            raise HTTPException(400, "the log is empty")
        [result] = await run_in_threadpool(service.analyze, [LogInput(log_id, text, truncated=cut)])
        return result.to_json()

    @app.post("/api/batches", status_code=202, summary="Score an archive of logs in the background",
              openapi_extra=_ARCHIVE_BODY)
    async def create_batch(request: Request) -> dict:
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise HTTPException(415, "upload the archive as the multipart field 'file'")
        async with request.form(max_files=1, max_fields=2) as form:  # closes the spooled upload
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise HTTPException(400, "upload the archive as the multipart field 'file'")
            try:
                batch_id = await run_in_threadpool(batches.create, upload.file, upload.filename or "")
            except BadArchive as exc:
                raise HTTPException(400, str(exc)) from None
        return {"id": batch_id}

    @app.get("/api/batches/{batch_id}", summary="A batch's progress: status, done, total")
    def batch_status(batch_id: str) -> dict:
        status = batches.status(batch_id)
        if status is None:
            raise HTTPException(404, f"no batch {batch_id}")
        return status

    @app.get("/api/batches/{batch_id}/results", summary="A finished batch's records as JSON Lines",
             response_class=FileResponse, responses={200: {"content": {"application/x-ndjson": {}}}})
    def batch_results(batch_id: str) -> FileResponse:
        status = batches.status(batch_id)
        if status is None:
            raise HTTPException(404, f"no batch {batch_id}")
        path = batches.results(batch_id)
        if path is None:
            raise HTTPException(409, f"batch {batch_id} is {status['status']}, not done")
        name = Path(status["name"]).name.split(".")[0] or "batch"
        return FileResponse(path, media_type="application/x-ndjson", filename=f"{name}-{batch_id}.jsonl")

    @app.post("/api/feedback", summary="Record an outcome, or teach a correction")
    async def feedback(body: FeedbackRequest) -> dict:
        known = {p.id for p in service.patterns}
        if body.outcome is not None:
            if body.analysis_id or body.log:
                raise HTTPException(422, "send either an outcome or a correction (analysis_id or log), not both")
            if body.pattern_id not in known:
                raise HTTPException(404, f"unknown pattern {body.pattern_id}")
            return await run_in_threadpool(service.record_outcome, body.pattern_id, _outcome(body.outcome))
        if not body.analysis_id and not (body.log and body.log.strip()):
            raise HTTPException(422, "send an outcome, or an analysis_id or log to teach")
        if body.pattern_id not in known | {"unknown"}:
            raise HTTPException(404, f"unknown pattern {body.pattern_id}")
        try:
            return await run_in_threadpool(service.teach, body.pattern_id, body.log, body.analysis_id)
        except LookupError as exc:  # no journalled analysis with that id
            raise HTTPException(404, str(exc).strip("'\"")) from None
        except ValueError as exc:  # e.g. a log without any failure line: nothing to learn from it
            raise HTTPException(422, str(exc)) from None

    @app.get("/api/patterns", summary="The catalog with learned success rates and feedback counts")
    def patterns() -> list[dict]:
        return [pattern_summary(p) for p in service.patterns]

    @app.get("/api/stats", summary="Recorded analyses per pattern and category, by day")
    async def stats() -> dict:
        return summarize_counts(await run_in_threadpool(service.daily_counts))

    @app.get("/api/report", summary="The latest benchmark report's headline metrics")
    def report() -> dict:
        return report_summary(reports)

    return app
