"""Build generators by name, and rebuild them from a JSON-able config dict.

Every variant is a family plus config overrides; no class is copied for an ablation.

=================================  ==========================================================
name                               model
=================================  ==========================================================
``gated``                          DeepFill v2 two-stage baseline (§2.2.3)
``pyramid``                        Pyramid Generator PGS+256+512, adaptive dilation,
                                   image-level refine-stage fusion (§3.2, the thesis' model)
``pyramid-pgs256``                 Table 3.4: structure layer + one image layer
``pyramid-pg256-512``              Table 3.4: two image layers, no structure layer
``pyramid-pg128-256-512``          Table 3.4: three image layers, no structure layer
``pyramid-standard-dilation``      Table 3.6: rates {2, 4, 8, 16} in every layer
``pyramid-fusion-feature-coarse``  Table 3.5: G1 features into G2's coarse stage
``pyramid-fusion-feature-refine``  Table 3.5: G1 features into G2's refine stage
``pyramid-fusion-image-attention`` Table 3.5: up(Ĩ1) into the refine attention path only
``pyramid-fusion-image-conv``      Table 3.5: up(Ĩ1) into the refine dilation path only
``pyramid-aff``                    not in the thesis: SCAF + DCR (§4.2) in the pyramid's top layer
                                   (the shipped ``pyramid`` weights)
``aff``                            gated + SCAF + DCR (§4.2, Table 4.2 "final model")
``aff-concat-skip``                Table 4.2 row 1: plain skip connections, no AFF
``aff-scaf``                       Table 4.2 row 2: SCAF only
``aff-dcr``                        Table 4.2 row 3: DCR (with plain skip connections)
=================================  ==========================================================

``create_model(name, width=24)`` gives a CPU-friendly model; defaults are the papers'
(width 48 = DeepFill's ``cnum``). :func:`model_config_dict` and :func:`model_from_config`
round-trip exactly; the dict holds ``"name"`` (the family) and every config field.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any

from ..errors import UserError
from .aff import AFFConfig, AFFGenerator
from .base import InpaintGenerator
from .discriminator import SNPatchGAN
from .gated import GatedConfig, GatedGenerator
from .pyramid import STANDARD_DILATIONS, PyramidConfig, PyramidGenerator

#: family name → (generator class, config class)
FAMILIES: dict[str, tuple[type[InpaintGenerator], type]] = {
    "gated": (GatedGenerator, GatedConfig),
    "pyramid": (PyramidGenerator, PyramidConfig),
    "aff": (AFFGenerator, AFFConfig),
}

#: model name → (family, config overrides); see the module docstring.
MODEL_CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    "gated": ("gated", {}),
    "pyramid": ("pyramid", {}),
    "pyramid-pgs256": ("pyramid", {"layers": ("structure", "image")}),
    "pyramid-pg256-512": ("pyramid", {"layers": ("image", "image")}),
    "pyramid-pg128-256-512": ("pyramid", {"layers": ("image", "image", "image")}),
    "pyramid-standard-dilation": ("pyramid", {"dilations": (STANDARD_DILATIONS,) * 3}),
    "pyramid-fusion-feature-coarse": ("pyramid", {"fusion": "feature-coarse"}),
    "pyramid-fusion-feature-refine": ("pyramid", {"fusion": "feature-refine"}),
    "pyramid-fusion-image-attention": ("pyramid", {"fusion": "image-attention"}),
    "pyramid-fusion-image-conv": ("pyramid", {"fusion": "image-conv"}),
    "pyramid-aff": ("pyramid", {"top_skip": "aff", "top_dcr": True}),
    "aff": ("aff", {}),
    "aff-concat-skip": ("aff", {"skip": "concat", "dcr": False}),
    "aff-scaf": ("aff", {"skip": "aff", "dcr": False}),
    "aff-dcr": ("aff", {"skip": "concat", "dcr": True}),
}


def list_models() -> list[str]:
    """Every name :func:`create_model` accepts, families first within each group."""
    return list(MODEL_CONFIGS)


def create_model(name: str, **overrides: Any) -> InpaintGenerator:
    """A freshly initialised generator ``name`` with config fields overridden, e.g.
    ``create_model("pyramid", width=24)``. Unknown names or fields raise ``UserError``."""
    if name not in MODEL_CONFIGS:
        raise UserError(f"unknown model {name!r}; choose one of {', '.join(MODEL_CONFIGS)}.")
    family, preset = MODEL_CONFIGS[name]
    return _build(family, {**preset, **overrides})


def model_config_dict(model: InpaintGenerator) -> dict[str, Any]:
    """``{"name": family, **config}`` with tuples as lists: JSON-able, and
    ``model_from_config`` of it rebuilds the same architecture."""
    return {"name": model.name, **_jsonable(dataclasses.asdict(model.config))}


def model_from_config(config: dict[str, Any]) -> InpaintGenerator:
    """Inverse of :func:`model_config_dict`; ``"name"`` may be a family or any model name
    (its preset is applied first, then the dict's fields)."""
    fields = dict(config)
    name = fields.pop("name", None)
    if name not in MODEL_CONFIGS:
        raise UserError(f"the model config names no known model ({name!r}); known: {', '.join(MODEL_CONFIGS)}.")
    family, preset = MODEL_CONFIGS[name]
    return _build(family, {**preset, **fields})


def create_discriminator(**overrides: Any) -> SNPatchGAN:
    """An :class:`SNPatchGAN` (``in_channels=4``, ``width=64`` unless overridden)."""
    known = {"in_channels", "width"}
    unknown = set(overrides) - known
    if unknown:
        raise UserError(f"unknown discriminator option(s) {sorted(unknown)}; known: {sorted(known)}.")
    for key, value in overrides.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise UserError(f"the discriminator's {key} must be a positive whole number, not {value!r}.")
    return SNPatchGAN(**overrides)


def _build(family: str, fields: dict[str, Any]) -> InpaintGenerator:
    generator, config_class = FAMILIES[family]
    known = {f.name for f in dataclasses.fields(config_class)}
    unknown = set(fields) - known
    if unknown:
        raise UserError(f"unknown option(s) {sorted(unknown)} for a {family} model; known: {sorted(known)}.")
    for field in dataclasses.fields(config_class):
        if field.name in fields:
            _check_type(family, field, fields[field.name])
    try:
        config = config_class(**fields)
        return generator(config)
    except (TypeError, ValueError, RuntimeError) as error:
        raise UserError(f"invalid {family} model configuration: {str(error).rstrip('.')}.") from error


def _check_type(family: str, field: dataclasses.Field, value: Any) -> None:
    """A UserError for a value of another kind than the field's default: YAML's ``maybe``
    for a switch would otherwise be truthy and ``8.0`` for a width fail deep in torch."""
    default = field.default
    if default is dataclasses.MISSING or default is None:
        return
    where = f"the {family} model's {field.name}"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise UserError(f"{where} must be true or false, not {value!r}.")
    elif isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise UserError(f"{where} must be a whole number of 0 or more, not {value!r}.")
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise UserError(f"{where} must be a finite number, not {value!r}.")
    elif isinstance(default, str) and not isinstance(value, str):
        raise UserError(f"{where} must be a word such as {default!r}, not {value!r}.")


def _jsonable(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value
