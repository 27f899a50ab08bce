"""The training loop: joint generator + per-stage SN-PatchGAN training.

One step, as in DeepFill v2 and thesis §3.2.4 (joint training, λ0 = λ1 = λ2 = α = 1):

1. ``out = G(x, m)``; every :class:`~inpaintkit.models.base.Stage` is compared with its
   target — the ground truth (or, for ``target="structure"``, the RTV structure image of
   the ground truth, ``batch["structure"]``) resized to the stage's resolution with area
   interpolation. The structure layer's *input* is computed by the model from the masked
   image, exactly as at inference: the RTV image of the ground truth smooths hole content
   into the pixels around the hole, and feeding it would leak the answer in training only.
2. Each adversarial stage ``k`` has its own discriminator ``D_k`` (one per pyramid image
   layer, trained independently). ``D_k`` sees ``[x_k, m_k]`` for real and the composited
   stage output ``[ŷ_k·m_k + x_k·(1−m_k), m_k]`` for fake (DeepFill v2: the known pixels
   of the fake are the real ones, so D judges only the fill). Hinge loss, eq. 4.13, or
   WGAN-GP with the masked penalty, eq. 4.10.
3. ``L_G = l1_weight · Σ_k λ_k · L1(ŷ_k, x_k) + gan_weight · Σ_adv −D_k(fake_k)``
   (eq. 3.8 with eq. 4.12). The L1 covers the whole image, as DeepFill v2 does.

D is updated before G on the same forward pass (the fakes are detached for D). Every loss
is checked for NaN/inf *before* any optimizer step: a diverged step raises
:class:`TrainingDivergedError` naming the step and the loss, and since nothing is saved
after it, the last checkpoint on disk stays the last good one.

Mixed precision is CUDA only: ``amp: bf16`` autocasts to bfloat16 (no scaler needed);
``amp: fp16`` autocasts to float16 with a ``GradScaler``. One Adam optimizer holds all
discriminators: Adam is per-parameter and the discriminators share no parameters, so this
is the same as one optimizer each.
"""
from __future__ import annotations

import time
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Optional, Union

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import UserError
from ..models.base import InpaintGenerator, InpaintOutput
from . import distributed
from .checkpoint import (CHECKPOINT_NAME, check_training_checkpoint, load_checkpoint, restore_rng_states, rng_states,
                         save_checkpoint)
from .config import TrainConfig
from .portable import is_portable, load_portable


class TrainingDivergedError(UserError):
    """A loss became NaN or infinite; the message names the step and the loss."""


# --------------------------------------------------------------------------- pieces


def resize_area(tensor: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """``B×C×H×W`` → ``B×C×size``, area interpolation (a box filter when shrinking)."""
    if tuple(tensor.shape[-2:]) == tuple(size):
        return tensor
    return F.interpolate(tensor, size=size, mode="area")


def discriminator_key(stage_name: str) -> str:
    """Stage names may contain dots, which ``nn.ModuleDict`` keys may not."""
    return stage_name.replace(".", "_")


def stage_names(generator: InpaintGenerator, crop_size: int, device) -> list[tuple[str, bool]]:
    """``(name, adversarial)`` of each stage, from one no-grad forward in eval mode (eval,
    so that batch-norm statistics are not touched by the dummy input)."""
    image = torch.zeros(1, 3, crop_size, crop_size, device=device)
    mask = torch.zeros(1, 1, crop_size, crop_size, device=device)
    mask[..., crop_size // 4 : crop_size // 2, crop_size // 4 : crop_size // 2] = 1
    structure = None
    if generator.structure_scale is not None:
        side = max(1, round(crop_size * generator.structure_scale))
        structure = torch.zeros(1, 3, side, side, device=device)
    was_training = generator.training
    generator.eval()
    with torch.no_grad():
        output = generator(image, mask, structure=structure)
    generator.train(was_training)
    return [(stage.name, stage.adversarial) for stage in output.stages]


def sample_grid(batch: dict, output: InpaintOutput, rows: int = 4) -> torch.Tensor:
    """A ``3×(rows·H)×(4·W)`` image in [0, 1]: masked input | output | composite | truth."""
    image, mask = batch["image"][:rows], batch["mask"][:rows]
    prediction = output.output[:rows].detach().float().clamp(-1, 1)
    masked = image * (1 - mask) + mask  # holes shown white
    composite = prediction * mask + image * (1 - mask)
    row = torch.cat([masked, prediction, composite, image], dim=3)  # N×3×H×4W
    grid = torch.cat(list(row), dim=1)  # 3×NH×4W
    return (grid.cpu() + 1) / 2


# --------------------------------------------------------------------------- trainer


class Trainer:
    """Owns the models, optimizers, data and logs of one training run.

    ``Trainer(config, out_dir)`` builds everything; ``resume()`` loads
    ``out_dir/checkpoint.pt``; ``train()`` runs to ``config.train.steps``;
    ``train_step(batch)`` is one optimisation step (returns the losses as floats).
    """

    def __init__(
        self,
        config: TrainConfig,
        out_dir: Union[str, Path],
        *,
        device: Optional[str] = None,
        context: Optional[distributed.DistributedContext] = None,
    ):
        from ..models.registry import create_discriminator, create_model

        self.config, self.out_dir = config, Path(out_dir)
        self.context = context or distributed.DistributedContext(device=distributed.resolve_device(device))
        self.device = self.context.device
        train = config.train
        torch.manual_seed(train.seed)  # identical initial weights on every rank
        model_options = dict(config.model)
        self.generator = create_model(model_options.pop("name"), **model_options).to(self.device)
        _check_fits(self.generator, config.data.crop_size, train.batch_size)
        self.stages = stage_names(self.generator, config.data.crop_size, self.device)
        adversarial = [name for name, is_adversarial in self.stages if is_adversarial]
        self.discriminators = nn.ModuleDict(
            {discriminator_key(name): create_discriminator(**config.discriminator) for name in adversarial}
            if train.gan != "none" else {}
        ).to(self.device)
        self.optimizer_g = torch.optim.Adam(self.generator.parameters(), lr=train.lr_g, betas=train.betas)
        self.optimizer_d = (
            torch.optim.Adam(self.discriminators.parameters(), lr=train.lr_d, betas=train.betas)
            if len(self.discriminators) else None
        )
        self.amp_dtype = self._amp_dtype(train.amp)
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True  # fixed crop size: pick the fastest kernels once
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp_dtype == torch.float16)
        self.g = distributed.wrap(self.generator, self.context)
        # One DDP wrapper per discriminator (a ModuleDict has no forward); the D step runs
        # through the wrappers, G's adversarial term through the bare modules (no D grads).
        self.d = {key: distributed.wrap(module, self.context) for key, module in self.discriminators.items()}
        self.step = 0
        self.discriminators_kept = False  # True once init_from_weights loaded trained ones
        self.base_change: Optional[tuple] = None  # (weights' base fill, this config's), when init_from_weights changed it
        self._dataset = None
        self._last: Optional[tuple[dict, InpaintOutput]] = None

    # ------------------------------------------------------------------ set-up

    def _amp_dtype(self, amp: str) -> Optional[torch.dtype]:
        if amp == "none":
            return None
        if self.device.type != "cuda":
            warnings.warn(f"amp: {amp} is CUDA only; training in float32 on {self.device}.", stacklevel=3)
            return None
        return torch.bfloat16 if amp == "bf16" else torch.float16

    @property
    def dataset(self):
        """The training :class:`~inpaintkit.data.InpaintingDataset`, built on first use."""
        if self._dataset is None:
            from ..data import InpaintingDataset
            from ..masks import TRAINING_MASKS

            data = self.config.data
            self._dataset = InpaintingDataset(
                data.root, data.crop_size,
                structure_scale=None if self._structure_on_device else self.generator.structure_scale,
                mask_fn=TRAINING_MASKS[data.masks],
                split_file=data.split, subset=data.subset, scale_range=data.scale_range,
                flip=data.flip, seed=self.config.train.seed, cache=data.cache,
            )
        return self._dataset

    @dataset.setter
    def dataset(self, dataset) -> None:
        self._dataset = dataset

    @property
    def _structure_on_device(self) -> bool:
        """True when this step computes G0's structure input and target itself (see
        ``data.structure_on_device``); only generators with a structure layer have any."""
        return (self.config.data.structure_on_device and self.generator.structure_scale is not None
                and hasattr(self.generator, "structure_pair"))

    # ------------------------------------------------------------------ checkpoints

    @property
    def checkpoint_path(self) -> Path:
        return self.out_dir / CHECKPOINT_NAME

    def state_dict(self) -> dict:
        from ..models.registry import model_config_dict

        return {
            "step": self.step,
            "config": self.config.to_dict(),
            "model_config": model_config_dict(self.generator),
            "generator": self.generator.state_dict(),
            "discriminators": self.discriminators.state_dict(),
            "optimizer_g": self.optimizer_g.state_dict(),
            "optimizer_d": self.optimizer_d.state_dict() if self.optimizer_d else None,
            "scaler": self.scaler.state_dict(),
            "rng": rng_states(),
        }

    def save(self) -> Path:
        """Write the checkpoint (rank 0 only; every rank holds the same weights)."""
        if self.context.is_main:
            save_checkpoint(self.checkpoint_path, self.state_dict())
        distributed.barrier(self.context)
        return self.checkpoint_path

    def resume(self, path: Union[str, Path, None] = None) -> int:
        """Load a checkpoint (default ``out_dir/checkpoint.pt``); returns its step."""
        # Loaded on the CPU: load_state_dict moves weights and optimizer moments to the
        # parameters' device, and the RNG states must stay CPU tensors (mapping the whole
        # checkpoint to CUDA made --resume fail on a GPU).
        from ..models.registry import model_config_dict

        state = load_checkpoint(path or self.checkpoint_path, "cpu")
        check_training_checkpoint(state, path or self.checkpoint_path,
                                  ("config", "model_config", "generator", "discriminators", "optimizer_g", "step"))
        # The resolved architectures, not the YAML sections: "residual: false" spelt out
        # is the same model as the default.
        if state["model_config"] != model_config_dict(self.generator):
            raise UserError("The checkpoint was trained with a different model section; resume with its own config.")
        if state["config"]["discriminator"] != self.config.discriminator or (
                bool(state["discriminators"]) != bool(len(self.discriminators))):
            raise UserError("The checkpoint was trained with other discriminators (train.gan or the discriminator "
                            "section); resume with its own, or start a new run with --init from its weights.")
        self.generator.load_state_dict(state["generator"])
        self.discriminators.load_state_dict(state["discriminators"])
        self.optimizer_g.load_state_dict(state["optimizer_g"])
        if self.optimizer_d is not None:
            self.optimizer_d.load_state_dict(state["optimizer_d"])
        self._apply_optimizer_settings()
        self.scaler.load_state_dict(state["scaler"])
        restore_rng_states(state["rng"])
        self.step = int(state["step"])
        return self.step

    def _apply_optimizer_settings(self) -> None:
        """The config's learning rates and betas set on the optimizers a checkpoint just
        restored (their moments kept): loading their state brings back the old rates, and
        "lower the learning rate, then resume" must lower it."""
        train = self.config.train
        for optimizer, rate in ((self.optimizer_g, train.lr_g), (self.optimizer_d, train.lr_d)):
            for group in optimizer.param_groups if optimizer is not None else ():
                group["lr"], group["betas"] = rate, tuple(train.betas)

    def init_from_weights(self, path: Union[str, Path]) -> int:
        """Start from the generator of a weights file (``inpaintkit export``, fp16 or fp32)
        with fresh optimizers: the way to continue a run whose checkpoint could not be
        kept, e.g. one trained on a lent GPU (its optimizer state is too large to bring
        back). From a portable checkpoint folder (``training.portable``) the
        discriminators are kept too, where this config has the same ones. Counting goes
        on from the recorded step; returns it.

        The model section must be the weights' own, except for ``base``: a residual
        model's base fill has no parameters, so weights trained on one base can be
        fine-tuned on another (``base_change`` records the two)."""
        from ..models.registry import model_config_dict
        from ..weights import load_weights, read_metadata

        if is_portable(path):
            state = load_portable(path)
            config, generator_state, discriminators = state["model_config"], state["generator"], state["discriminators"]
            step = state["step"]
        elif Path(path).is_dir():
            raise UserError(f"{path} is a folder but not a portable checkpoint; pass a weights file, or "
                            f"write one with `inpaintkit export {path} --portable -o FOLDER` (or "
                            "`--resume --out` that run to continue it exactly).")
        else:
            source = load_weights(path)
            config, generator_state, discriminators = model_config_dict(source), source.state_dict(), {}
            step = read_metadata(path).get("step", 0)
        own = model_config_dict(self.generator)
        if {**config, "base": own.get("base")} != own:
            raise UserError(f"{path} holds a different model ({config}) than the config's "
                            f"model section ({own}).")
        self.generator.load_state_dict(generator_state)
        if discriminators and len(self.discriminators):
            self._load_discriminators(discriminators, path)
        if config.get("base") != own.get("base"):
            self.base_change = (config.get("base"), own.get("base"))
        self.step = int(step)
        return self.step

    def _load_discriminators(self, discriminators: dict, path: Union[str, Path]) -> None:
        try:
            self.discriminators.load_state_dict(discriminators)
        except RuntimeError as error:
            first = str(error).strip().splitlines()[-1].strip()
            raise UserError(f"{path}'s discriminators do not fit this config's ({first}); "
                            "use the discriminator section they were trained with.") from None
        self.discriminators_kept = True

    # ------------------------------------------------------------------ one step

    def _autocast(self):
        return torch.autocast(self.device.type, dtype=self.amp_dtype, enabled=self.amp_dtype is not None)

    def _targets(self, batch: dict, output: InpaintOutput) -> list[tuple]:
        """``(stage, target_k, mask_k)`` for each stage, at the stage's resolution."""
        result = []
        for stage in output.stages:
            size = tuple(stage.image.shape[-2:])
            source = batch["structure"] if stage.target == "structure" else batch["image"]
            result.append((stage, resize_area(source, size), resize_area(batch["mask"], size)))
        return result

    def _check_finite(self, losses: dict[str, torch.Tensor]) -> None:
        bad = [name for name, value in losses.items() if not torch.isfinite(value.detach()).all()]
        if distributed.any_rank(bool(bad), self.context):
            what = ", ".join(f"{name} = {losses[name].item()}" for name in bad) or "a loss on another rank"
            kept = (f"the last good checkpoint ({self.checkpoint_path}) is kept — lower the learning rate "
                    "or check the data, then resume" if self.checkpoint_path.is_file() else
                    "no checkpoint was written yet — lower the learning rate or check the data, then start again")
            raise TrainingDivergedError(f"Training diverged at step {self.step + 1}: {what} is not finite; {kept}.")

    def _discriminator_step(self, targets: list[tuple]) -> dict[str, torch.Tensor]:
        """Update every D_k on (real, detached composited fake); returns the D losses."""
        from .. import losses as L

        train = self.config.train
        d_losses = {}
        self.discriminators.requires_grad_(True)
        with self._autocast():
            for stage, real, mask in targets:
                if not stage.adversarial:
                    continue
                fake = (stage.image * mask + real * (1 - mask)).detach()
                d = self.d[discriminator_key(stage.name)]
                # real and fake in one forward: one DDP forward per backward.
                scores = d(torch.cat([real, fake]), torch.cat([mask, mask])).float()
                real_scores, fake_scores = scores.chunk(2)
                if train.gan == "hinge":
                    loss = L.hinge_d_loss(real_scores, fake_scores)
                else:
                    loss = L.wgan_gp_d_loss(real_scores, fake_scores)
                    # The penalty's extra forward goes through the bare module: DDP allows
                    # one forward per backward.
                    bare = self.discriminators[discriminator_key(stage.name)]
                    loss = loss + train.gp_weight * L.gradient_penalty(bare, real, fake, mask)
                d_losses[f"d/{stage.name}"] = loss
        return d_losses

    def train_step(self, batch: dict) -> dict[str, float]:
        """One D + G update on ``batch`` (dict of ``image``, ``mask``, optional ``structure``)."""
        from .. import losses as L

        train = self.config.train
        batch = {key: value.to(self.device, non_blocking=True) for key, value in batch.items()}
        structure = None  # None: the model computes S from the masked image (see the docstring)
        if self._structure_on_device:
            structure, batch["structure"] = self.generator.structure_pair(batch["image"], batch["mask"])
        with self._autocast():
            output = self.g(batch["image"], batch["mask"], structure=structure)
        targets = self._targets(batch, output)

        if self.d:
            d_losses = self._discriminator_step(targets)
            self._check_finite(d_losses)
            self.optimizer_d.zero_grad(set_to_none=True)
            self.scaler.scale(sum(d_losses.values())).backward()
            self._clip(self.discriminators, self.optimizer_d)
            self.scaler.step(self.optimizer_d)
        else:
            d_losses = {}

        losses = {}
        self.discriminators.requires_grad_(False)  # G's adversarial term must not train D
        with self._autocast():
            for stage, target, mask in targets:
                losses[f"l1/{stage.name}"] = stage.weight * L.l1_loss(
                    stage.image.float(), target.float(), mask, train.known_weight)
                composited = stage.image * mask + target * (1 - mask)  # what the benchmark and D see
                if train.ssim_weight > 0:
                    losses[f"ssim/{stage.name}"] = stage.weight * L.ssim_loss(composited, target)
                if stage.adversarial and self.d:
                    score = self.discriminators[discriminator_key(stage.name)](composited, mask)
                    g_loss = L.hinge_g_loss if train.gan == "hinge" else L.wgan_g_loss
                    losses[f"g/{stage.name}"] = g_loss(score.float())
        l1 = sum(v for k, v in losses.items() if k.startswith("l1/"))
        adversarial = sum((v for k, v in losses.items() if k.startswith("g/")), torch.zeros((), device=self.device))
        structural = sum((v for k, v in losses.items() if k.startswith("ssim/")), torch.zeros((), device=self.device))
        total = train.l1_weight * l1 + train.ssim_weight * structural + train.gan_weight * adversarial
        self._check_finite({**losses, "g_total": total})
        self.optimizer_g.zero_grad(set_to_none=True)
        self.scaler.scale(total).backward()
        self._clip(self.generator, self.optimizer_g)
        self.scaler.step(self.optimizer_g)
        self.scaler.update()
        self._last = (batch, InpaintOutput(output.output.detach()))  # for sample grids
        values = {"l1": l1.item(), "g_total": total.item(), **{k: v.item() for k, v in {**losses, **d_losses}.items()}}
        if d_losses:
            values["d_total"] = sum(v.item() for v in d_losses.values())
        return values

    def _clip(self, module: nn.Module, optimizer) -> None:
        if self.config.train.grad_clip is None:
            return
        self.scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(module.parameters(), self.config.train.grad_clip)

    # ------------------------------------------------------------------ the loop

    def loader(self, total_steps: int) -> torch.utils.data.DataLoader:
        """Batches of steps ``self.step … total_steps − 1`` for this rank."""
        from ..data import StepBatchSampler

        train = self.config.train
        sampler = StepBatchSampler(
            len(self.dataset), train.batch_size, seed=train.seed, start_step=self.step,
            total_steps=total_steps, rank=self.context.rank, world_size=self.context.world_size,
        )
        return torch.utils.data.DataLoader(
            self.dataset, batch_sampler=sampler, num_workers=train.num_workers,
            pin_memory=self.device.type == "cuda",
            # A private generator: creating the iterator must not consume the global
            # torch RNG, or a resumed run would drift from the uninterrupted one.
            generator=torch.Generator().manual_seed(train.seed),
        )

    def train(self, steps: Optional[int] = None, max_seconds: Optional[float] = None) -> dict[str, float]:
        """Train until ``steps`` (default ``config.train.steps``) or, when ``max_seconds``
        is given, until that much wall-clock time has passed (a lent GPU's lease), whichever
        comes first; the checkpoint is saved either way. Returns the last losses."""
        from tqdm import tqdm

        total = steps or self.config.train.steps
        train = self.config.train
        writer = self._writer()
        progress = tqdm(total=total, initial=self.step, disable=not self.context.is_main or None,
                        desc=f"train {self.config.model['name']}", dynamic_ncols=True)
        running: dict[str, list[float]] = defaultdict(list)
        losses: dict[str, float] = {}
        saved_at = self.step
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        try:
            for batch in self.loader(total):
                # Every rank must stop at the same step, so the ranks vote.
                if deadline is not None and distributed.any_rank(time.monotonic() > deadline, self.context):
                    break
                losses = self.train_step(batch)
                self.step += 1
                for key, value in losses.items():
                    running[key].append(value)
                progress.update(1)
                progress.set_postfix({k: f"{losses[k]:.3f}" for k in ("l1", "d_total") if k in losses})
                if writer and self.step % train.log_every == 0:
                    for key, values in running.items():
                        writer.add_scalar(key, sum(values) / len(values), self.step)
                    running.clear()
                if writer and self.step % train.sample_every == 0:
                    writer.add_image("samples", sample_grid(*self._last), self.step)
                if self.step % train.checkpoint_every == 0:
                    self.save()
                    saved_at = self.step
            if self.step != saved_at:
                self.save()
        finally:
            progress.close()
            if writer:
                writer.close()
        return losses

    def _writer(self):
        if not self.context.is_main:
            return None
        from torch.utils.tensorboard import SummaryWriter

        return SummaryWriter(str(self.out_dir / "tensorboard"))


def _check_fits(generator: nn.Module, crop_size: int, batch_size: int) -> None:
    """UserErrors, before any step, for a crop the generator cannot take and for a batch of
    one where it normalises over the batch (batch norm in the attentional fusion of
    ``aff`` and ``pyramid-aff``, which torch refuses with one sample a step)."""
    multiple = int(getattr(generator, "size_multiple", 1))
    if crop_size % multiple:
        raise UserError(f"data.crop_size {crop_size} does not suit this model: it works on multiples of "
                        f"{multiple} pixels; try {max(multiple, crop_size // multiple * multiple)}.")
    if batch_size < 2 and any(isinstance(module, nn.modules.batchnorm._BatchNorm) for module in generator.modules()):
        raise UserError("this model normalises over the batch (batch norm in its attentional fusion), so "
                        "train.batch_size must be 2 or more (per GPU), or set model.aff_norm: none.")
