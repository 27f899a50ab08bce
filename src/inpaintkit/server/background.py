"""Run the web app in a background thread: for notebooks, scripts and tests.

``inpaintkit serve`` is the way to run the server; this is for code that needs a live
HTTP server next to it (a browser test, a notebook that calls the API) and wants it gone
afterwards.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator

import uvicorn

from .http_server import HEADER_TIMEOUT, server_config


@contextmanager
def serve_in_background(app, host: str = "127.0.0.1", port: int = 0,
                        timeout: float = 20.0, header_timeout: float = HEADER_TIMEOUT) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a daemon thread; yields its base URL.

    ``port=0`` picks a free port. The server is stopped (and its thread joined) when the
    ``with`` block ends. ``header_timeout``: see :mod:`inpaintkit.server.http_server`.
    """
    server = uvicorn.Server(server_config(app, host, port, header_timeout, lifespan="on"))
    thread = threading.Thread(target=server.run, name="inpaintkit-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start on {host}:{port}")
        time.sleep(0.02)
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
