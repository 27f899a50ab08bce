"""Multi-GPU and multi-node training through ``torchrun`` (DistributedDataParallel).

``torchrun --nproc_per_node=4 -m inpaintkit.cli train configs/pyramid.yaml`` (or
``--nnodes``/``--rdzv_endpoint`` for several machines) sets ``RANK``, ``LOCAL_RANK`` and
``WORLD_SIZE``; :func:`setup` reads them and joins the process group — NCCL when the
process drives a GPU, Gloo on CPU. Without those variables training is one plain process.
Each rank reads its own slice of every global batch (``StepBatchSampler``), so the
effective batch is ``batch_size · world_size``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

import torch
import torch.distributed as dist

from ..errors import UserError


@dataclass(frozen=True)
class DistributedContext:
    """Where this process sits: ``rank`` of ``world_size``; ``device`` is the one it drives."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0 writes checkpoints, logs and the progress bar."""
        return self.rank == 0


def resolve_device(requested: Optional[str], local_rank: int = 0) -> torch.device:
    """``"cuda"`` (the local rank's GPU), ``"cpu"``, or None: CUDA when available."""
    if requested is None:
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda"):
        if not torch.cuda.is_available():
            raise UserError("--device cuda was asked for but this machine has no CUDA device.")
        return torch.device("cuda", local_rank if requested == "cuda" else torch.device(requested).index)
    return torch.device(requested)


def setup(requested_device: Optional[str] = None) -> DistributedContext:
    """Join the process group when launched by ``torchrun``; else a single-process context."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = resolve_device(requested_device, local_rank)
    if world_size <= 1:
        return DistributedContext(device=device)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return DistributedContext(dist.get_rank(), dist.get_world_size(), local_rank, device)


def teardown(context: DistributedContext) -> None:
    if context.enabled and dist.is_initialized():
        dist.destroy_process_group()


def wrap(module: torch.nn.Module, context: DistributedContext) -> torch.nn.Module:
    """DDP-wrap ``module`` when distributed (gradients are averaged across ranks).

    ``broadcast_buffers`` keeps the spectral-norm power-iteration vectors of the
    discriminators identical on every rank.
    """
    if not context.enabled:
        return module
    device_ids = [context.device.index] if context.device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(module, device_ids=device_ids)


def unwrap(module: torch.nn.Module) -> torch.nn.Module:
    return module.module if isinstance(module, torch.nn.parallel.DistributedDataParallel) else module


def any_rank(flag: bool, context: DistributedContext) -> bool:
    """True when ``flag`` is true on any rank (so that every rank stops together)."""
    if not context.enabled:
        return flag
    value = torch.tensor([float(flag)], device=context.device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())


def barrier(context: DistributedContext) -> None:
    if context.enabled:
        dist.barrier()
