"""``/docs``: Swagger UI served from this machine, not from a CDN.

FastAPI's own ``/docs`` page loads Swagger UI from cdn.jsdelivr.net: it is blank offline
and would need the page's Content-Security-Policy opened to a third party. The assets come
instead from the ``fastapi-offline`` package (Swagger UI 5, which reads the OpenAPI 3.1
that FastAPI writes), mounted under ``/docs-assets``. The page's one inline script is
allowed by its hash, nothing else inline. Without the package ``/docs`` is simply absent;
``/openapi.json`` describes the API either way.
"""
from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Optional

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

ASSETS_URL = "/docs-assets"


def swagger_assets_dir() -> Optional[Path]:
    """The folder holding swagger-ui-bundle.js and swagger-ui.css, or None."""
    try:
        import fastapi_offline
    except ImportError:
        return None
    folder = Path(fastapi_offline.__file__).resolve().parent / "static"
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


def add_local_docs(app: FastAPI, url: str = "/docs") -> bool:
    """Serve Swagger UI at ``url`` from local assets; False (no page) without them."""
    assets = swagger_assets_dir()
    if assets is None or app.openapi_url is None:
        return False
    app.mount(ASSETS_URL, StaticFiles(directory=assets), name="docs-assets")
    page = get_swagger_ui_html(
        openapi_url=app.openapi_url, title=f"{app.title} – API",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js", swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
        # The default validator badge is an image from validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    ).body.decode()
    policy = ("default-src 'self'; " + f"script-src 'self' {' '.join(_script_hashes(page))}; "
              "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
              "base-uri 'none'; frame-ancestors 'none'")

    @app.get(url, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": policy})

    return True


def _script_hashes(page: str) -> list[str]:
    """CSP ``'sha256-…'`` sources of the page's inline scripts."""
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
            for script in scripts]
