"""Training checkpoint → shipped weights: the generator alone, as safetensors.

The weights file carries the model config (``inpaintkit.weights``) plus, as string
metadata, the training step and the training config it came from, so a weights card can
say how the weights were made. The source may also be a portable checkpoint (the folder
that ``export_portable`` writes, ``inpaintkit.training.portable``).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional, Union

from .checkpoint import check_training_checkpoint, load_checkpoint
from .portable import is_portable, load_portable, save_portable


def export_checkpoint(checkpoint: Union[str, Path], output: Union[str, Path], half: bool = True,
                      max_side: Optional[int] = None) -> Path:
    """Write the checkpoint's generator to ``output`` (fp16 unless ``half=False``).

    ``max_side`` records the working resolution the weights suit (inference scales larger
    crops down to it); by default twice the training crop size."""
    from ..models.registry import model_from_config
    from ..weights import save_weights

    state = load_portable(checkpoint) if is_portable(checkpoint) else load_checkpoint(checkpoint)
    check_training_checkpoint(state, checkpoint, ("config", "model_config", "generator", "step"))
    model = model_from_config(state["model_config"])
    model.load_state_dict(state["generator"])
    crop_size = int(state["config"].get("data", {}).get("crop_size", 256))
    metadata = {"step": str(state["step"]), "train_config": json.dumps(state["config"], sort_keys=True),
                "max_side": str(max_side or 2 * crop_size)}
    return save_weights(model.eval(), output, half=half, metadata=metadata)


def export_portable(checkpoint: Union[str, Path], directory: Union[str, Path]) -> list[Path]:
    """Write the checkpoint's generator and discriminators as a portable checkpoint: the
    parts a lent GPU machine can return, to go on training elsewhere with ``--init``."""
    state = load_checkpoint(checkpoint)
    check_training_checkpoint(state, checkpoint, ("config", "model_config", "generator", "discriminators", "step"))
    return save_portable(state, directory)
