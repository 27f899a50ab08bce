"""Training checkpoint → shipped weights: the generator alone, as safetensors.

The weights file carries the model config (``inpaintkit.weights``) plus, as string
metadata, the training step and the training config it came from, so a weights card can
say how the weights were made.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional, Union

from .checkpoint import load_checkpoint


def export_checkpoint(checkpoint: Union[str, Path], output: Union[str, Path], half: bool = True,
                      max_side: Optional[int] = None) -> Path:
    """Write the checkpoint's generator to ``output`` (fp16 unless ``half=False``).

    ``max_side`` records the working resolution the weights suit (inference scales larger
    crops down to it); by default twice the training crop size."""
    from ..models.registry import model_from_config
    from ..weights import save_weights

    state = load_checkpoint(checkpoint)
    model = model_from_config(state["model_config"])
    model.load_state_dict(state["generator"])
    crop_size = int(state["config"].get("data", {}).get("crop_size", 256))
    metadata = {"step": str(state["step"]), "train_config": json.dumps(state["config"], sort_keys=True),
                "max_side": str(max_side or 2 * crop_size)}
    return save_weights(model.eval(), output, half=half, metadata=metadata)
