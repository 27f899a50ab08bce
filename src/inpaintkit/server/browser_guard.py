"""What keeps a browser on another site from using this server (pure ASGI middleware).

The server has no login: on 127.0.0.1 it trusts that only this machine's user reaches it.
Two browser attacks break that trust, and one header set closes a third:

- **DNS rebinding**: a site whose name first resolves to itself, then to 127.0.0.1, reads
  this server as "same origin". Its requests carry *its* name in ``Host``, so a server
  bound to localhost answers only Host names of this machine (400 otherwise).
- **Cross-site posts**: any page may submit a form to ``http://127.0.0.1:8000/api/…``.
  Browsers send ``Origin`` with every cross-site POST; one that is not this server's own
  address is refused (403). curl and scripts send no ``Origin`` and are unaffected.
- **Framing and injected content**: every HTML response gets the page's
  Content-Security-Policy (its own scripts, styles and images only) with
  ``frame-ancestors 'none'``, so no other site can frame the page (clickjacking). A
  response that sets its own policy (the API docs page) keeps it.
"""
from __future__ import annotations

from typing import Optional, Sequence
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The names a server bound to a loopback address answers to.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
PAGE_POLICY = ("default-src 'self'; img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; "
               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HTML_HEADERS = {
    "content-security-policy": PAGE_POLICY,
    "x-frame-options": "DENY",  # frame-ancestors for browsers that predate CSP 2
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class BrowserGuard:
    """``allowed_hosts``: the Host names (any port) answered; None answers every name (a
    server bound to 0.0.0.0 cannot know the names it is reached by)."""

    def __init__(self, app: ASGIApp, allowed_hosts: Optional[Sequence[str]] = None):
        self.app = app
        self.allowed_hosts = None if allowed_hosts is None else {name.lower() for name in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(scope["method"], headers.get("host", ""), headers.get("origin"))
        if refusal is not None:
            status, detail = refusal
            await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send)
            return

        async def send_with_page_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = Headers(raw=message.get("headers", []))
                if response_headers.get("content-type", "").startswith("text/html"):
                    extra = [(name.encode(), value.encode()) for name, value in HTML_HEADERS.items()
                             if name not in response_headers]
                    message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, send_with_page_headers)

    def _refusal(self, method: str, host: str, origin: Optional[str]) -> Optional[tuple[int, str]]:
        if self.allowed_hosts is not None and host_name(host) not in self.allowed_hosts:
            return 400, (f"the Host header {host!r} is not an address of this machine; open the "
                         f"page as http://127.0.0.1 (a guard against DNS rebinding).")
        if method not in SAFE_METHODS and origin is not None and not same_origin(origin, host):
            return 403, (f"requests from other sites ({origin}) are refused; use this server's own "
                         "page, or call the API without a browser.")
        return None


def host_name(host: str) -> str:
    """``Host`` header → lower-case name without port: ``[::1]:8000`` → ``::1``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def same_origin(origin: str, host: str) -> bool:
    """Whether an ``Origin`` (``http://name:port``; ``null`` never) names the ``Host``."""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    default = {"http": ":80", "https": ":443"}[parts.scheme]
    return parts.netloc.lower().removesuffix(default) == host.strip().lower().removesuffix(default)
