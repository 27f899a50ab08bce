"""Inpainting generators and discriminators, built by name from small configs."""
from .base import InpaintGenerator, InpaintOutput, Stage

__all__ = ["InpaintGenerator", "InpaintOutput", "Stage"]
