"""Training checkpoints: everything needed to continue a run *exactly*.

A checkpoint holds the generator, every discriminator, their optimizers, the AMP grad
scaler, the step, the RNG states (Python, torch CPU, torch CUDA) and the config. Data
sampling keeps no state of its own (``inpaintkit.data`` draws every sample from
``(seed, index, epoch)``), so these are all the states there are.

Files are written to ``<name>.tmp`` and renamed over the old one (``os.replace`` is atomic
on POSIX and Windows): a crash or a diverged step never leaves a half-written or poisoned
checkpoint in place of the last good one. They are loaded with ``weights_only=True``, so
opening a checkpoint cannot run code. Checkpoints are for training; what ships is the
generator alone, exported to safetensors (``inpaintkit export``).
"""
from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any, Union

import torch

from ..errors import UserError

CHECKPOINT_NAME = "checkpoint.pt"


def rng_states() -> dict[str, Any]:
    """Every global RNG state a training step may touch."""
    state = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_states(state: dict[str, Any]) -> None:
    # RNG states must be CPU byte tensors, whatever device the checkpoint was mapped to.
    random.setstate(_as_python_state(state["python"]))
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def _as_python_state(state):
    # weights_only loading turns the tuples of random.getstate() into lists.
    version, internal, gauss = state
    return int(version), tuple(int(v) for v in internal), gauss


def save_checkpoint(path: Union[str, Path], state: dict[str, Any]) -> Path:
    """Atomically write ``state`` (a dict of state dicts, tensors and plain values)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path: Union[str, Path], device: Union[str, torch.device] = "cpu") -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (tensors mapped to ``device``)."""
    path = Path(path)
    if path.is_dir():
        path = path / CHECKPOINT_NAME
    if not path.is_file():
        raise UserError(f"No checkpoint at {path}; train first or point to a checkpoint file.")
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except Exception as error:  # noqa: BLE001 - unpickling errors have many types
        # The unpickler's own words ("invalid load key, 'x'", a bare number) mean nothing
        # to a user: the file is simply not one of ours.
        raise UserError(f"{path} is not a readable inpaintkit checkpoint (not a file written by "
                        "inpaintkit train, or damaged).") from None


def check_training_checkpoint(state: Any, path: Union[str, Path], needed: tuple[str, ...]) -> None:
    """A UserError naming ``path`` when ``state`` (as :func:`load_checkpoint` read it) is not
    a checkpoint of ``inpaintkit train`` holding ``needed`` (another program's
    ``torch.save``, a weights file)."""
    missing = sorted(set(needed) - set(state)) if isinstance(state, dict) else sorted(needed)
    if missing:
        raise UserError(f"{path} is no inpaintkit training checkpoint (it lacks {', '.join(missing)}); "
                        "give a run folder or checkpoint.pt written by inpaintkit train.")
