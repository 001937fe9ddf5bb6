"""Request size limits: a body larger than its route allows is refused with 413, read or not."""
from __future__ import annotations

from starlette.exceptions import HTTPException

# Before refusing, read (and drop) up to this much of the rest of the body: the server closes the connection
# after a refusal, and closing on unread data resets it before a client still sending can read the 413.
DRAIN_BYTES = 16 * 1024 * 1024


class BodyLimit:
    """ASGI middleware: at most ``limits[prefix]`` bytes of body for paths under ``prefix``.

    A declared ``Content-Length`` over the limit is refused before the route runs; a chunked body is
    counted as it arrives and refused once it passes the limit (the route never sees the rest).
    """

    def __init__(self, app, limits: dict[str, int], default: int):
        self.app = app
        self.limits = sorted(limits.items(), key=lambda item: -len(item[0]))  # longest prefix first
        self.default = default

    def limit_for(self, path: str) -> int:
        return next((size for prefix, size in self.limits if path.startswith(prefix)), self.default)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _drain(receive)
            return await _too_large(scope, receive, send, limit)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    if message.get("more_body", False):
                        await _drain(receive)
                    raise HTTPException(413, _message(limit))
            return message

        await self.app(scope, counted, send)


def _message(limit: int) -> str:
    size = next(f"{limit / unit:g} {name}" for unit, name in ((1 << 20, "MiB"), (1 << 10, "KiB"), (1, "bytes"))
                if limit >= unit or unit == 1)
    return f"request body larger than {size}: send less, or use the CLI for bigger inputs"


async def _drain(receive) -> None:
    drained = 0
    while drained < DRAIN_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _too_large(scope, receive, send, limit: int) -> None:
    from starlette.responses import JSONResponse

    await JSONResponse({"detail": _message(limit)}, status_code=413)(scope, receive, send)
