"""How the hole's detail is made — "structure first, detail next" (thesis; issue #21).

- ``"synthesis"`` (the default): the network's fill steers :mod:`inpaintkit.synthesis`,
  which copies the photo's own patches into the hole at full resolution.
- ``"none"``: the network's fill alone.

A module of its own, importing nothing heavy, so that the CLI's parser and the HTTP
schema can name the modes without loading torch.
"""
from __future__ import annotations

from .errors import UserError

DETAIL_MODES = ("synthesis", "none")
DEFAULT_DETAIL = "synthesis"


def check_detail(detail: str) -> None:
    """A UserError for a detail mode outside :data:`DETAIL_MODES`."""
    if detail not in DETAIL_MODES:
        raise UserError(f"unknown detail mode {detail!r}; choose {' or '.join(DETAIL_MODES)}.")
