"""The uvicorn server the app runs in, with a deadline for request headers.

uvicorn times out an idle keep-alive connection, but not a client that connects and then
sends its headers a byte at a time (slowloris): every such connection is held open for
ever, and a few hundred of them exhaust the server's file descriptors. ASGI middleware
cannot help, since the app is only called once the headers are complete, so the
deadline lives in the HTTP protocol: :class:`HeaderDeadlineProtocol` is uvicorn's h11
protocol that closes a connection whose request headers are not complete
``HEADER_TIMEOUT`` seconds after it opened (or after its previous response ended).
"""
from __future__ import annotations

import asyncio
from typing import Optional

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT = 10.0


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol plus a deadline for each request's headers."""

    header_timeout = HEADER_TIMEOUT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_header_deadline()  # the next request's headers get the same deadline

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._cancel_header_deadline()
        super().connection_lost(exc)

    def _arm_header_deadline(self) -> None:
        self._cancel_header_deadline()
        self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _cancel_header_deadline(self) -> None:
        deadline = getattr(self, "_header_deadline", None)
        if deadline is not None:
            deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        # h11 keeps the client IDLE until a request's headers are complete.
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def server_config(app, host: str = "127.0.0.1", port: int = 8000, header_timeout: float = HEADER_TIMEOUT,
                  **options) -> uvicorn.Config:
    """uvicorn's config for ``app`` with :class:`HeaderDeadlineProtocol` (``options``: more
    uvicorn settings; quiet logs unless given)."""
    protocol = type("HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"header_timeout": float(header_timeout)})
    options.setdefault("log_level", "warning")
    return uvicorn.Config(app, host=host, port=port, http=protocol, **options)
