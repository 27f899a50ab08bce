"""Model weights as safetensors files, with the model's config in the metadata.

A weights file is self-describing: ``metadata["config"]`` holds the JSON of
``model_config_dict(model)``, so :func:`load_weights` rebuilds the right architecture
without the caller knowing it. Shipped weights live in ``inpaintkit/pretrained/`` as
``<name>.safetensors`` (fp16 to keep the repository small; they are cast back to fp32 on
load). Pickled checkpoints are never used for anything that ships.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save_file

from .errors import MissingWeightsError, UserError
from .models.base import InpaintGenerator

PRETRAINED_DIR = Path(__file__).resolve().parent / "pretrained"
FORMAT_VERSION = "1"
# The format of the parts of a portable training checkpoint (:mod:`.training.portable`):
# named here, so that loading one as weights can say what it is.
PORTABLE_FORMAT = "inpaintkit-portable-checkpoint-1"


def save_weights(
    model: InpaintGenerator,
    path: str | Path,
    half: bool = True,
    metadata: Optional[dict[str, str]] = None,
) -> Path:
    """Write ``model``'s state dict to ``path`` (fp16 unless ``half=False``).

    ``metadata`` values must be strings (a safetensors rule); the model config is added
    under ``"config"``. Written to a temporary file first, then renamed, so a crash never
    leaves a half-written weights file behind.
    """
    from .models.registry import model_config_dict

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {}
    for key, value in model.state_dict().items():
        value = value.detach().to("cpu").contiguous()
        if half and value.is_floating_point():
            value = value.half()
        tensors[key] = value
    meta = {"format": "inpaintkit", "format_version": FORMAT_VERSION}
    meta.update(metadata or {})
    meta["config"] = json.dumps(model_config_dict(model), sort_keys=True)
    tmp = path.with_name(path.name + ".tmp")
    save_safetensors(tensors, tmp, meta)
    tmp.replace(path)
    return path


def save_safetensors(tensors: dict[str, torch.Tensor], path: Path, metadata: dict[str, str]) -> None:
    """``safetensors.torch.save_file``, readable by others as every file we write is:
    safetensors 0.8 creates its files with mode 0600, so weights copied to a shared
    folder or served could be read by their writer alone."""
    save_file(tensors, str(path), metadata=metadata)
    os.chmod(path, 0o644)


def read_metadata(path: str | Path) -> dict[str, str]:
    """The string metadata of a weights file (``config`` is JSON text)."""
    try:
        with safe_open(str(path), framework="pt") as handle:
            return dict(handle.metadata() or {})
    except (SafetensorError, OSError) as error:
        raise UserError(f"{path} is not a readable safetensors weights file ({error}); if it is a training "
                        "checkpoint, turn it into weights with `inpaintkit export RUN -o model.safetensors`."
                        ) from error


def load_weights(path: str | Path, device: str | torch.device = "cpu") -> InpaintGenerator:
    """Rebuild the model described by the file's metadata and load its weights (as fp32)."""
    from .models.registry import model_from_config

    path = Path(path)
    if not path.is_file():
        raise MissingWeightsError(f"weights file {path} does not exist.")
    metadata = read_metadata(path)
    if metadata.get("format") == PORTABLE_FORMAT:
        raise UserError(f"{path} is one part of a portable training checkpoint, not weights; turn its folder "
                        f"into weights with `inpaintkit export {path.parent} -o model.safetensors`.")
    if "config" not in metadata:
        raise UserError(
            f"{path} has no inpaintkit model config in its metadata; "
            "write weights with `inpaintkit export` or inpaintkit.weights.save_weights."
        )
    model = model_from_config(json.loads(metadata["config"]))
    state = {key: value.float() if value.is_floating_point() else value
             for key, value in load_file(str(path)).items()}
    model.load_state_dict(state, strict=True)
    return model.to(device).eval()


def shipped_weights_path(name: str) -> Optional[Path]:
    """Path of the weights shipped for model ``name``, or None when none ship."""
    path = PRETRAINED_DIR / f"{name}.safetensors"
    return path if path.is_file() else None


def available_weights() -> dict[str, Path]:
    """Every shipped weights file, by model name."""
    return {path.stem: path for path in sorted(PRETRAINED_DIR.glob("*.safetensors"))}


__all__ = [
    "save_weights",
    "load_weights",
    "read_metadata",
    "shipped_weights_path",
    "available_weights",
    "PRETRAINED_DIR",
]
