"""A training checkpoint small enough to bring back from a lent GPU machine.

A lent machine returns at most 8 files of 16 MiB each, 64 MiB in all, and is wiped when
the session ends. The exact checkpoint (``checkpoint.py``) of the adversarial recipe
(``configs/pyramid-gan-finetune.yaml``) is 176 MiB: the generator 13 MiB, its two patch
discriminators 46 MiB, and Adam's two moments of each (117 MiB). Bringing back the
generator alone would make every session restart the discriminators from random weights
and spend its first hundreds of steps teaching them again.

A *portable* checkpoint keeps what is costly to relearn and leaves what is cheap:

- the generator in float32, bit for bit (``--init`` from it gives the same weights as
  from ``inpaintkit export --fp32``);
- every discriminator in float16 (23 MiB instead of 46; rounding moves a weight by at
  most 1/2048 of itself, or 3e-8 below float16's normal range);
- the step, the training config and the model config, in every part's metadata;
- not the optimizers: Adam's moments are re-estimated in a few hundred steps, while a
  discriminator is the product of the whole run.

It is a folder of safetensors parts (``part-1-of-3.safetensors`` …) of at most 15 MiB
each. ``inpaintkit export RUN --portable -o DIR`` writes one; ``inpaintkit train CONFIG
--init DIR`` goes on from it; ``inpaintkit export DIR -o FILE`` turns it into a weights file.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Union

import torch

from ..errors import UserError
from ..weights import PORTABLE_FORMAT as FORMAT
from ..weights import save_safetensors

PART_BYTES = 15 * 2**20  # under the 16 MiB a lent machine returns per file
_PART_NAME = re.compile(r"part-(\d+)-of-(\d+)\.safetensors")


def is_portable(path: Union[str, Path]) -> bool:
    """True for a folder holding the parts of a portable checkpoint."""
    path = Path(path)
    return path.is_dir() and any(_PART_NAME.fullmatch(p.name) for p in path.iterdir())


def save_portable(state: dict, directory: Union[str, Path], part_bytes: int = PART_BYTES) -> list[Path]:
    """Write the generator and discriminators of a checkpoint ``state`` (as
    :func:`~inpaintkit.training.checkpoint.load_checkpoint` returns it) as parts of at
    most ``part_bytes`` each (a tensor larger than that gets a part of its own)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.iterdir():  # an earlier, larger split must not leave stray parts
        if _PART_NAME.fullmatch(old.name):
            old.unlink()
    tensors = {f"generator.{k}": _floating_as(v, torch.float32) for k, v in state["generator"].items()}
    tensors.update({f"discriminators.{k}": _floating_as(v, torch.float16) for k, v in state["discriminators"].items()})
    parts = _split(tensors, part_bytes)
    metadata = {"format": FORMAT, "step": str(int(state["step"])),
                "config": json.dumps(state["config"], sort_keys=True),
                "model_config": json.dumps(state["model_config"], sort_keys=True)}
    paths = []
    for index, part in enumerate(parts, start=1):
        path = directory / f"part-{index}-of-{len(parts)}.safetensors"
        save_safetensors({k: v.contiguous().cpu() for k, v in part.items()}, path, metadata)
        paths.append(path)
    return paths


def _floating_as(tensor: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``tensor`` in ``dtype`` if it is floating point; integer counters stay as they are."""
    return tensor.to(dtype) if tensor.is_floating_point() else tensor


def _split(tensors: dict[str, torch.Tensor], part_bytes: int) -> list[dict[str, torch.Tensor]]:
    parts, size = [{}], 0
    for name, tensor in tensors.items():
        nbytes = tensor.numel() * tensor.element_size()
        if parts[-1] and size + nbytes > part_bytes:
            parts.append({})
            size = 0
        parts[-1][name] = tensor
        size += nbytes
    return parts


def load_portable(directory: Union[str, Path]) -> dict:
    """Read a portable checkpoint: ``step``, ``config``, ``model_config``, ``generator``
    and ``discriminators`` (state dicts; floating tensors in float32), like an exact
    checkpoint without the optimizers."""
    directory = Path(directory)
    found = {int(m[1]): (int(m[2]), p) for p in directory.iterdir() if (m := _PART_NAME.fullmatch(p.name))}
    if not found:
        raise UserError(f"{directory} holds no portable checkpoint (part-1-of-N.safetensors …).")
    totals = {total for total, _ in found.values()}
    total = max(totals)
    if len(totals) > 1 or set(found) != set(range(1, total + 1)):
        have = ", ".join(path.name for _, path in sorted(found.values(), key=lambda item: item[1].name))
        raise UserError(f"{directory} is an incomplete portable checkpoint: it needs part-1-of-{total} … "
                        f"part-{total}-of-{total} and has {have}; copy every part.")
    state, metadata = {"generator": {}, "discriminators": {}}, None
    for index in range(1, total + 1):
        path = found[index][1]
        try:
            meta = _read_part(path, state)
        except Exception as error:  # noqa: BLE001 - a truncated or foreign file fails in many ways
            raise UserError(f"{path} is not a readable portable checkpoint part ({error}).") from None
        if meta.get("format") != FORMAT or (metadata is not None and meta != metadata):
            raise UserError(f"{path} does not belong with the other parts in {directory}.")
        metadata = meta
    state.update(step=int(metadata["step"]), config=json.loads(metadata["config"]),
                 model_config=json.loads(metadata["model_config"]))
    return state


def _read_part(path: Path, state: dict) -> dict[str, str]:
    """Add one part's tensors to ``state``'s ``generator`` / ``discriminators``; returns
    the part's metadata."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        meta = handle.metadata() or {}
        if meta.get("format") == FORMAT:
            for name in handle.keys():
                group, key = name.split(".", 1)
                tensor = handle.get_tensor(name)
                state[group][key] = _floating_as(tensor, torch.float32)
    return meta
