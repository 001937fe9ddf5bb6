"""Who may call the server: loopback by default, and an access token on every endpoint when one is set."""
from __future__ import annotations

import hmac
import ipaddress
import json
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

COOKIE = "autodevops_token"


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine without a token (``ValueError`` says how to fix it)."""
    if not token and not is_loopback(host):
        raise ValueError(f"listening on {host} needs an access token (--token or AUTODEVOPS_TOKEN)")


class TokenGuard:
    """ASGI middleware: every request needs the token, as a Bearer header, the cookie or ``?token=``.

    ``?token=`` on the page sets the cookie (HttpOnly, SameSite=Strict), so a person opens the link
    once and the page's own requests carry the token; other sites cannot send it.
    """

    def __init__(self, app, token: str):
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        from_query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
        offered = [from_query, _bearer(headers.get("authorization", ""))]
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is the client's problem: treat it as no cookie
            cookie = SimpleCookie()
        if COOKIE in cookie:
            offered.append(cookie[COOKIE].value)
        if not any(hmac.compare_digest(value.encode(), self.token) for value in offered if value):
            return await _reject(send)
        if not from_query:
            return await self.app(scope, receive, send)

        async def send_with_cookie(message) -> None:
            if message["type"] == "http.response.start":
                value = f"{COOKIE}={from_query}; Path=/; HttpOnly; SameSite=Strict"
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", value.encode())]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _bearer(header: str) -> str:
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


async def _reject(send) -> None:
    body = json.dumps({"detail": "missing or wrong token: send 'Authorization: Bearer TOKEN' "
                                 "or open the page once with ?token=TOKEN"}).encode()
    await send({"type": "http.response.start", "status": 401,
                "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
