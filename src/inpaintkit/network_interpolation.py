"""Network interpolation: one weights file part-way between two fine-tunes of one model.

Wang et al. blend a generator trained for pixel fidelity with the same generator fine-tuned
adversarially, parameter by parameter, θ = (1 − α)·θ_A + α·θ_B (ESRGAN, ECCV Workshops
2018, §3.4; "Deep Network Interpolation", CVPR 2019). α moves the result from A's smooth,
PSNR-minded fills towards B's sharper, textured ones without more training, and the blend
also averages away some of the adversarial run's noise. It is only meaningful when B was
fine-tuned from A (or both from one start): the units of unrelated networks do not line up,
so :func:`interpolate_weights` refuses files whose model configs differ.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Union

import torch

from .errors import UserError


def blend_state(first: dict[str, torch.Tensor], second: dict[str, torch.Tensor],
                alpha: float) -> dict[str, torch.Tensor]:
    """``(1 − alpha)·first + alpha·second`` for every floating-point tensor.

    Integer tensors (counters such as a batch-norm's ``num_batches_tracked``) cannot be
    blended; they are taken from ``first``."""
    if first.keys() != second.keys():
        differing = sorted(first.keys() ^ second.keys())
        raise UserError(f"the two weights files hold different tensors (e.g. {differing[0]!r}).")
    blended = {}
    for key, a in first.items():
        b = second[key]
        if a.shape != b.shape:
            raise UserError(f"tensor {key!r} is {tuple(a.shape)} in one file and {tuple(b.shape)} in the other.")
        blended[key] = torch.lerp(a.float(), b.float(), alpha) if a.is_floating_point() else a
    return blended


def interpolate_weights(first: Union[str, Path], second: Union[str, Path], alpha: float,
                        output: Union[str, Path], half: bool = True) -> Path:
    """Write the weights ``alpha`` of the way from ``first`` to ``second`` to ``output``.

    Both files must describe the same model (``metadata["config"]``). The output keeps the
    second file's metadata (its step, training config and working size) and records the
    blend under ``metadata["interpolation"]``: both files' names and steps, and ``alpha``.
    """
    from .weights import load_weights, read_metadata, save_weights

    if not (isinstance(alpha, (int, float)) and math.isfinite(alpha) and 0.0 <= alpha <= 1.0):
        raise UserError(f"alpha must be a number from 0 to 1 (0 = the first file, 1 = the second), got {alpha!r}.")
    first, second = Path(first), Path(second)
    meta_a, meta_b = read_metadata(first), read_metadata(second)
    if json.loads(meta_a.get("config", "null")) != json.loads(meta_b.get("config", "null")):
        raise UserError(f"{first.name} and {second.name} are different models (their configs differ); "
                        "only fine-tunes of one model can be interpolated.")
    model = load_weights(first)
    model.load_state_dict(blend_state(model.state_dict(), load_weights(second).state_dict(), alpha))
    record = {"alpha": alpha, "first": {"file": first.name, "step": meta_a.get("step")},
              "second": {"file": second.name, "step": meta_b.get("step")}}
    metadata = {key: value for key, value in meta_b.items() if key not in ("config", "format", "format_version")}
    metadata["interpolation"] = json.dumps(record, sort_keys=True)
    return save_weights(model, output, half=half, metadata=metadata)


__all__ = ["blend_state", "interpolate_weights"]
