"""Training: ``config`` (YAML recipes), ``trainer`` (the joint G + per-stage D loop),
``checkpoint`` (atomic save, exact resume), ``distributed`` (torchrun / DDP) and
``export`` (checkpoint → safetensors weights). Data loading is ``inpaintkit.data``."""
