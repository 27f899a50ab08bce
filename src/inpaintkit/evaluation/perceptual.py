"""Network-based metrics: FID (Heusel et al. 2017) and LPIPS (Zhang et al. 2018), thesis §2.3.6.

Both come from torchmetrics; both need network weights that this package never
downloads. Each weight file is looked up, in order, at the path given as an argument,
at an environment variable, and in PyTorch's hub cache (``$TORCH_HOME/hub/checkpoints``,
where a previous download by torchvision or torch-fidelity would have put it). If it is
not there — or a package they need (torch-fidelity, torchvision) does not import —
:class:`~inpaintkit.errors.MissingWeightsError` says in one sentence what is missing and
how to provide it. Nothing here can reach the network: the found path is always passed
explicitly, and the code that would download is never called.

- **FID**: torchmetrics' ``FrechetInceptionDistance`` (2048-d pool features of the
  TF-ported Inception-v3 of torch-fidelity). Weights: ``weights-inception-2015-12-05-
  6726825d.pth`` (torch-fidelity's release file); env ``INPAINTKIT_FID_WEIGHTS``.
  torch-fidelity imports torchvision at import time, so FID needs both packages.
- **LPIPS**: torchmetrics' LPIPS. Its linear heads ship inside torchmetrics; the backbone
  (AlexNet by default, as in the LPIPS paper's v0.1 metric) is a torchvision ImageNet
  checkpoint: ``alexnet-owt-7be5be79.pth``, ``vgg16-397923af.pth`` or
  ``squeezenet1_1-b8a52dc0.pth``; env ``INPAINTKIT_LPIPS_BACKBONE``.

Images: uint8 ``H×W×3`` RGB (converted to the [0, 1] / [-1, 1] inputs each metric wants).
"""
from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch

from ..errors import MissingWeightsError

FID_WEIGHTS_FILE = "weights-inception-2015-12-05-6726825d.pth"
FID_WEIGHTS_ENV = "INPAINTKIT_FID_WEIGHTS"
LPIPS_BACKBONE_FILES = {
    "alex": "alexnet-owt-7be5be79.pth",
    "vgg": "vgg16-397923af.pth",
    "squeeze": "squeezenet1_1-b8a52dc0.pth",
}
LPIPS_BACKBONE_ENV = "INPAINTKIT_LPIPS_BACKBONE"
PathLike = Union[str, os.PathLike]


def find_weights(file_name: str, given: Optional[PathLike], env: str, what: str, option: str) -> Path:
    """The weight file for ``what``: ``given``, else ``$env``, else the torch hub cache.

    Raises MissingWeightsError naming the file, the option and the variable.
    """
    if given:  # an explicit path must be right: falling back would hide a typo
        if not Path(given).is_file():
            raise MissingWeightsError(f"the {what} weights file {given} does not exist.")
        return Path(given)
    candidates = [Path(p) for p in (os.environ.get(env),) if p]
    candidates.append(Path(torch.hub.get_dir()) / "checkpoints" / file_name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise MissingWeightsError(
        f"{what} needs the network weights file {file_name}, which is not on this machine; "
        f"pass its path with {option} or set {env} (nothing is downloaded)."
    )


def require_packages(what: str, *modules: str) -> None:
    """Import ``modules`` or raise MissingWeightsError naming the missing one."""
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as error:  # noqa: BLE001 - a broken install reads the same to a user
            package = module.replace("_", "-")
            raise MissingWeightsError(
                f"{what} needs the {package} package, which does not import here "
                f"({type(error).__name__}); install a {package} build that matches your torch to use it."
            ) from error


def _rgb_batch(images: list[np.ndarray]) -> torch.Tensor:
    """uint8 ``H×W×3`` arrays → float ``B×3×H×W`` in [0, 1]."""
    stacked = np.stack([np.asarray(i) for i in images])
    return torch.from_numpy(stacked).permute(0, 3, 1, 2).float() / 255.0


class FID:
    """Fréchet Inception Distance between the inpainted and the real images.

    ``update(preds, truths)`` with lists of uint8 ``H×W×3``; ``compute()`` → float (lower
    is better). Meaningful only with hundreds of images or more.
    """

    def __init__(self, weights: Optional[PathLike] = None, device: Optional[str] = None):
        require_packages("FID", "torchvision", "torch_fidelity")
        path = find_weights(FID_WEIGHTS_FILE, weights, FID_WEIGHTS_ENV, "FID", "--fid-weights")
        from torchmetrics.image.fid import FrechetInceptionDistance

        self.device = torch.device(device or "cpu")
        self.metric = FrechetInceptionDistance(
            feature=2048, normalize=True, feature_extractor_weights_path=str(path)
        ).to(self.device)

    def update(self, preds: list[np.ndarray], truths: list[np.ndarray]) -> None:
        self.metric.update(_rgb_batch(truths).to(self.device), real=True)
        self.metric.update(_rgb_batch(preds).to(self.device), real=False)

    def compute(self) -> float:
        return float(self.metric.compute())


class LPIPS:
    """Learned perceptual distance of one prediction to its truth (lower is better).

    The backbone checkpoint is loaded from disk into torchmetrics' LPIPS network, which
    is built with ``pnet_rand=True`` so that torchvision never fetches its own copy.
    """

    def __init__(self, net: str = "alex", backbone: Optional[PathLike] = None, device: Optional[str] = None):
        if net not in LPIPS_BACKBONE_FILES:
            raise ValueError(f"net must be one of {sorted(LPIPS_BACKBONE_FILES)}")
        require_packages("LPIPS", "torchvision")
        path = find_weights(LPIPS_BACKBONE_FILES[net], backbone, LPIPS_BACKBONE_ENV, "LPIPS", "--lpips-backbone")
        from torchmetrics.functional.image.lpips import _LPIPS

        self.device = torch.device(device or "cpu")
        self.network = _LPIPS(pretrained=True, net=net, pnet_rand=True).eval()
        load_backbone(self.network.net, torch.load(path, map_location="cpu", weights_only=True))
        self.network.to(self.device)

    @torch.no_grad()
    def __call__(self, pred: np.ndarray, truth: np.ndarray) -> float:
        a = _rgb_batch([pred]).to(self.device) * 2 - 1  # LPIPS takes [-1, 1]
        b = _rgb_batch([truth]).to(self.device) * 2 - 1
        return float(self.network(a, b).mean())


def load_backbone(slices: torch.nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Copy a torchvision checkpoint's ``features.N.*`` tensors into LPIPS's
    ``sliceK.N.*`` modules (LPIPS cuts ``model.features`` into slices, keeping the
    layer index ``N`` as the module name)."""
    own = slices.state_dict()
    mapped = {}
    for key in own:
        _, index, param = key.split(".", 2)
        source = f"features.{index}.{param}"
        if source not in state:
            raise MissingWeightsError(f"the LPIPS backbone file lacks {source}; is it the right torchvision checkpoint?")
        mapped[key] = state[source]
    slices.load_state_dict(mapped)
