"""The web app and HTTP API (``inpaintkit serve``): :func:`create_app` builds it,
:func:`serve_in_background` runs it in a thread for notebooks and tests."""
from .app import create_app
from .background import serve_in_background

__all__ = ["create_app", "serve_in_background"]
