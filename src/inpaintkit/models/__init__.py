"""Inpainting generators and discriminators, built by name from small configs.

``create_model("pyramid", width=24)``; ``list_models()`` names them all (see
:mod:`inpaintkit.models.registry`).
"""
from .base import InpaintGenerator, InpaintOutput, Stage
from .registry import (
    create_discriminator,
    create_model,
    list_models,
    model_config_dict,
    model_from_config,
)

__all__ = [
    "InpaintGenerator",
    "InpaintOutput",
    "Stage",
    "create_discriminator",
    "create_model",
    "list_models",
    "model_config_dict",
    "model_from_config",
]
