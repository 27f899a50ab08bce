"""The contract every inpainting generator in inpaintkit follows.

Models map tensors to tensors and nothing else (IOPaint's lesson): padding, scaling,
compositing known pixels back and turning user input into tensors live in
``inpaintkit.inference``; losses and discriminators live in ``inpaintkit.training``.

Conventions (SYSTEM.md "Fixed points"):
- ``image``: float tensor ``B×3×H×W`` in [-1, 1] (the *ground truth* during training;
  the generator masks it itself, so pixels inside the hole never reach the network).
- ``mask``: float tensor ``B×1×H×W``, 1 = hole, 0 = known.
- ``guidance``: optional float tensor ``B×1×H×W``, 1 = known region the contextual
  attention must *not* copy from (foreground, §5.4), 0 = allowed. Inference only.
- ``H`` and ``W`` are multiples of ``size_multiple``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal, Optional

import torch
from torch import nn


@dataclass
class Stage:
    """One supervised output of a generator.

    ``target`` says what the trainer compares it with: ``"image"`` is the ground truth
    resized (area) to the stage's resolution; ``"structure"`` is the RTV structure image
    of the ground truth (``batch["structure"]``) resized likewise. ``adversarial`` stages
    each get their own patch discriminator (one per pyramid image layer, §3.2.4).
    ``weight`` is the stage's λ in eq. 3.8.
    """

    name: str
    image: torch.Tensor
    target: Literal["image", "structure"] = "image"
    adversarial: bool = False
    weight: float = 1.0


@dataclass
class InpaintOutput:
    """``output`` is the final full-resolution prediction in [-1, 1], *not* composited."""

    output: torch.Tensor
    stages: list[Stage] = field(default_factory=list)


class InpaintGenerator(nn.Module):
    """Base class: subclasses set ``size_multiple`` and ``structure_scale`` and
    implement :meth:`forward`.

    ``structure_scale``: ``None`` when the model needs no structure image; otherwise the
    fraction of the input size at which it wants the RTV structure image (¼ for the
    Pyramid Generator's G0). Training batches then carry ``batch["structure"]`` at that
    scale, computed from the ground truth by the data loader: the *target* of the
    structure stage. The structure *input* is computed by the model from the masked input
    itself (``structure=None``), in training as at inference.
    """

    name: ClassVar[str] = "base"
    size_multiple: int = 8
    structure_scale: Optional[float] = None

    def forward(  # pragma: no cover - interface
        self,
        image: torch.Tensor,
        mask: torch.Tensor,
        guidance: Optional[torch.Tensor] = None,
        structure: Optional[torch.Tensor] = None,
    ) -> InpaintOutput:
        raise NotImplementedError

    def masked_input(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """DeepFill v2 input ``[x·(1−m), ones, m]``: the hole is zeroed *here*, once,
        so no layer can see what was inside it."""
        ones = torch.ones_like(mask)
        return torch.cat([image * (1.0 - mask), ones, mask], dim=1)
