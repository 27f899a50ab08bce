"""Training configuration: one YAML file of flat sections ``model``, ``discriminator``
(optional overrides of ``create_discriminator``, e.g. ``width``), ``data`` and ``train``.

A whole recipe fits on one screen (``configs/pyramid.yaml``)::

    model: {name: pyramid, width: 32}      # name + overrides for create_model
    data:  {root: ../shared/data/photos, crop_size: 512, split: configs/split.yaml, subset: train}
    train: {steps: 300000, batch_size: 2, lr_g: 1.0e-4, lr_d: 1.0e-4, gan: hinge, ...}

Unknown keys are rejected with the key's name (a misspelt ``lr_g`` must not silently
train with the default). Relative paths are resolved from the current directory, like
every other command-line path.

``inpaintkit train CONFIG --set train.gan=hinge --set train.gan_weight=0.02`` changes
single keys of a recipe for one run (:func:`apply_overrides`) without a copy of the file;
the values go through the same checks, and the run's checkpoint and exported weights
record the config as it was trained. A file can do the same for good: ``base: OTHER.yaml``
at its top takes every section of that recipe and sets the file's own keys on top
(:func:`read_recipe`), so a variant such as ``configs/pyramid-gan-finetune.yaml`` names only
what it changes.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence, Union

import yaml

from ..errors import UserError

SECTIONS = ("model", "discriminator", "data", "train")
GAN_LOSSES = ("hinge", "wgan-gp", "none")
AMP_MODES = ("none", "bf16", "fp16")


@dataclass
class DataConfig:
    """Arguments of :class:`inpaintkit.data.InpaintingDataset` (see there)."""

    root: Union[str, list[str]] = "../shared/data/photos"
    crop_size: int = 256
    split: Optional[str] = "configs/split.yaml"
    subset: Optional[str] = "train"
    scale_range: tuple[float, float] = (1.0, 2.0)
    flip: bool = True
    cache: bool = True
    # Compute G0's structure target on the training device, batched with its input, instead
    # of in the loader workers: on a GPU the loader's CPU RTV (≈0.4 s per 128² image) is
    # the bottleneck; on a CPU the workers are the cheaper place (the default).
    structure_on_device: bool = False
    # Training holes (inpaintkit.masks.TRAINING_MASKS): "deepfill" = box ∪ strokes (the
    # thesis, §3.3), "strokes" = strokes alone, "mixed" = half and half.
    masks: str = "deepfill"


@dataclass
class OptimConfig:
    """The ``train:`` section. Defaults follow the thesis (§3.3, §4.3) and DeepFill v2."""

    steps: int = 1000
    batch_size: int = 2            # §3.3: batch 2 (on two GPUs); §4.3: batch 8
    lr_g: float = 1e-4             # §3.3 and §4.3: Adam, 1e-4 for G and D
    lr_d: float = 1e-4
    betas: tuple[float, float] = (0.5, 0.999)  # DeepFill v2's Adam betas
    gan: str = "hinge"             # SN-PatchGAN hinge (eq. 4.12–4.13); wgan-gp is eq. 4.10
    gan_weight: float = 1.0        # DeepFill v2: GAN weight 1 (thesis: α = 1)
    l1_weight: float = 1.0         # multiplies every stage's own λ (eq. 3.8)
    known_weight: float = 1.0      # weight of known pixels in each L1: 1 = DeepFill (whole image), 0 = hole only
    ssim_weight: float = 0.0       # 1 − SSIM of each composited stage (losses.ssim_loss); not in the thesis.
                                   # Beside a GAN term it cancels the GAN's structure (docs/experiments/2026-11-26-ssim-term.md)
    gp_weight: float = 10.0        # λ of the gradient penalty, eq. 4.10 (wgan-gp only)
    checkpoint_every: int = 1000
    log_every: int = 50
    sample_every: int = 1000
    seed: int = 0
    amp: str = "none"              # CUDA only: bf16 autocast, or fp16 with a GradScaler
    num_workers: int = 2
    grad_clip: Optional[float] = None  # max grad norm of G, and of all Ds together; None = off


@dataclass
class TrainConfig:
    model: dict[str, Any] = field(default_factory=lambda: {"name": "pyramid"})
    discriminator: dict[str, Any] = field(default_factory=dict)  # create_discriminator overrides
    data: DataConfig = field(default_factory=DataConfig)
    train: OptimConfig = field(default_factory=OptimConfig)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (lists, not tuples): what checkpoints store and YAML prints."""
        return _plain(dataclasses.asdict(self))


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _section(cls, values: Optional[dict], name: str):
    """Build dataclass ``cls`` from ``values``, rejecting unknown keys by name."""
    values = dict(values or {})
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise UserError(f"Unknown key(s) in the '{name}' section: {', '.join(unknown)}; known: {', '.join(known)}.")
    for key, value in values.items():
        values[key] = _typed(known[key].type, value, f"{name}.{key}")
    return cls(**values)


def _typed(annotation: str, value, where: str):
    """``value`` checked against a number field's annotation (``float``, ``int``, or a pair
    of floats such as ``betas``; YAML gives lists, the config keeps tuples). YAML reads
    ``1e-4`` (no dot) as a string, so a learning rate written that way must become a float
    here, not fail deep inside the optimizer; a non-number in a number field is one sentence."""
    if value is None:
        return value
    if annotation == "tuple[float, float]":
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise UserError(f"{where} must be a pair of numbers, not {value!r}.")
        return tuple(_number(item, where) for item in value)
    if annotation == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise UserError(f"{where} must be a whole number, not {value!r}.")
        return value
    if annotation in ("float", "Optional[float]"):
        return _number(value, where)
    return value


def _number(value, where: str) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        return float(value)
    except (TypeError, ValueError):
        raise UserError(f"{where} must be a number, not {value!r}.") from None


def config_from_dict(content: dict[str, Any]) -> TrainConfig:
    """Validate a config dict (as read from YAML or stored in a checkpoint)."""
    unknown = sorted(set(content) - set(SECTIONS))
    if unknown:
        raise UserError(f"Unknown top-level key(s) in the config: {', '.join(unknown)}; "
                        "use model, discriminator, data, train.")
    _check_sections(content, "The config's")
    model = dict(content.get("model") or {})
    if "name" not in model:
        raise UserError("The config's model section needs a name (gated, pyramid or aff).")
    config = TrainConfig(model, dict(content.get("discriminator") or {}),
                         _section(DataConfig, content.get("data"), "data"),
                         _section(OptimConfig, content.get("train"), "train"))
    _check(config.train)
    _check_data(config.data)
    return config


def _check_data(data: DataConfig) -> None:
    from ..masks import TRAINING_MASKS

    if data.crop_size < 32:
        raise UserError(f"data.crop_size must be at least 32 pixels, not {data.crop_size}.")
    if data.masks not in TRAINING_MASKS:
        raise UserError(f"data.masks must be one of {', '.join(TRAINING_MASKS)}, not {data.masks!r}.")


def _check(train: OptimConfig) -> None:
    if train.gan not in GAN_LOSSES:
        raise UserError(f"train.gan must be one of {', '.join(GAN_LOSSES)}, not {train.gan!r}.")
    if train.amp not in AMP_MODES:
        raise UserError(f"train.amp must be one of {', '.join(AMP_MODES)}, not {train.amp!r}.")
    if not 0.0 <= train.known_weight <= 1.0:
        raise UserError(f"train.known_weight must be between 0 and 1, not {train.known_weight}.")
    for key in ("gan_weight", "l1_weight", "ssim_weight", "gp_weight"):
        if not 0.0 <= getattr(train, key) < math.inf:  # also refuses NaN
            raise UserError(f"train.{key} must be a finite number of 0 or more, not {getattr(train, key)}.")
    for key in ("lr_g", "lr_d"):
        if not 0.0 < getattr(train, key) < math.inf:
            raise UserError(f"train.{key} must be a positive finite learning rate, not {getattr(train, key)}.")
    if not all(0.0 <= beta < 1.0 for beta in train.betas):
        raise UserError(f"train.betas must be two numbers from 0 up to (not including) 1, not {list(train.betas)}.")
    # A clip of 0 zeroes every gradient and a negative one turns each around: training
    # would stand still or climb the loss, with no error anywhere.
    if train.grad_clip is not None and not 0.0 < train.grad_clip < math.inf:
        raise UserError(f"train.grad_clip must be a positive number (or null: off), not {train.grad_clip}.")
    for key in ("steps", "batch_size", "checkpoint_every", "log_every", "sample_every"):
        if getattr(train, key) < 1:
            raise UserError(f"train.{key} must be a positive integer.")
    for key in ("num_workers", "seed"):
        if getattr(train, key) < 0:
            raise UserError(f"train.{key} must be 0 or more, not {getattr(train, key)}.")


def apply_overrides(content: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Set ``SECTION.KEY=VALUE`` items in a config dict (as read from YAML), each value
    read as YAML (``0.02``, ``hinge``, ``[0.5, 0.999]``, ``null``); returns a new dict."""
    content = {key: dict(value or {}) if key in SECTIONS else value for key, value in content.items()}
    for item in overrides:
        target, equals, text = item.partition("=")
        section, dot, key = target.strip().partition(".")
        if not (equals and dot and key):
            raise UserError(f"--set takes SECTION.KEY=VALUE, e.g. train.gan_weight=0.02; not {item!r}.")
        if section not in SECTIONS:
            raise UserError(f"--set {item!r}: no section {section!r}; use one of {', '.join(SECTIONS)}.")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            raise UserError(f"--set {item!r}: the value is not valid YAML.") from None
        content.setdefault(section, {})[key] = value
    return content


def load_config(path: Union[str, Path], overrides: Sequence[str] = ()) -> TrainConfig:
    """Read and validate a YAML training config, with ``overrides`` (see
    :func:`apply_overrides`) applied before the checks."""
    return config_from_dict(apply_overrides(read_recipe(path), overrides))


def read_recipe(path: Union[str, Path], _children: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The config dict of a YAML file, its ``base:`` (another config file) resolved: the
    base's sections, with this file's keys set on top."""
    path = Path(path)
    content = _read_mapping(path)
    base = content.pop("base", None)
    if base is None:
        return content
    if path.resolve() in _children:
        raise UserError(f"The config file {path} is its own base (through base: keys).")
    inherited = read_recipe(_base_path(path, base), _children + (path.resolve(),))
    for section in SECTIONS:
        if section in content or section in inherited:
            content[section] = {**(inherited.get(section) or {}), **(content.get(section) or {})}
    return content


def _base_path(config: Path, base: Any) -> Path:
    """Where ``base:`` of ``config`` lies: a path from the current directory (the shipped
    configs say ``configs/…``, run from the checkout), else from the config's own folder
    or its parent, so a config run from elsewhere still finds its base."""
    if not isinstance(base, str):
        raise UserError(f"base: in {config} must be the path of another config file, not {base!r}.")
    for candidate in (Path(base), config.parent / base, config.parent.parent / base):
        if candidate.is_file():
            return candidate
    raise UserError(f"base: {base} of the config file {config} is not a file, neither from the current "
                    f"folder nor from {config.parent}.")


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        content = yaml.safe_load(path.read_text())
    except OSError as error:
        raise UserError(f"The config file {path} cannot be read ({error.strerror}).") from None
    except yaml.YAMLError as error:
        raise UserError(f"The config file {path} is not valid YAML ({error}).") from None
    if not isinstance(content, dict):
        raise UserError(f"The config file {path} must hold a mapping with model, data and train.")
    _check_sections(content, f"The config file {path}:")
    return content


def _check_sections(content: dict[str, Any], whose: str) -> None:
    """A UserError for a section that is not a mapping (``data: photos``)."""
    for section in SECTIONS:
        if content.get(section) is not None and not isinstance(content[section], dict):
            raise UserError(f"{whose} {section} section must be a mapping of keys to values "
                            f"(e.g. {section}: {{...}}), not {content[section]!r}.")
