"""Pydantic schemas of the JSON the HTTP API returns (they document ``/docs``).

Requests are multipart forms (files cannot travel in JSON without base64 bloat); their
fields are documented on the endpoints in :mod:`inpaintkit.server.app`.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ErrorResponse(BaseModel):
    """Every 4xx/5xx answer: one sentence that says what to do."""

    detail: str = Field(examples=["the mask is 64×32 but the image is 64×64; they must be the same size."])


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"
    version: str
    busy: bool = Field(description="whether the model worker is running a request now")
    queued: int = Field(description="requests waiting for the model worker")
    loaded_models: list[str] = Field(description="models already loaded in memory")


class ModelInfo(BaseModel):
    name: str = Field(description="pass this as the `model` form field")
    ready: bool = Field(description="false when the model's weights are not on this machine")
    default: bool = False


class ModelsResponse(BaseModel):
    default: str
    models: list[ModelInfo]
    max_upload_bytes: int
    max_pixels: int
    max_unasked_hole_fraction: float = Field(description="a larger hole needs allow_large_hole=true")


ERROR_RESPONSES = {
    400: {"model": ErrorResponse, "description": "bad input: not an image, wrong mask size, "
          "unknown form field, a point or box outside the image, unknown model, a hole over a "
          "quarter of the photo without allow_large_hole, a model whose weights are not installed"},
    413: {"model": ErrorResponse, "description": "upload over the byte or pixel limit"},
    422: {"model": ErrorResponse, "description": "nothing to remove under the click, or a missing field"},
    503: {"model": ErrorResponse, "description": "the default model's weights missing, or the queue is full"},
}
