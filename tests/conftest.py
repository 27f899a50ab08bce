"""Shared test set-up: fast, CPU-only, deterministic.

- ``--runslow`` runs tests marked ``slow`` (skipped by default; never deleted).
- ``gpu`` tests are skipped without CUDA.
- Torch uses at most 2 threads (the CI machine has 2 cores).
- ``load_benchmark(name)`` imports a script of ``benchmarks/``.
- ``photos_dir`` is ``../shared/data/photos`` (or ``$INPAINTKIT_PHOTOS``); tests that need
  real photos skip with a reason when it is absent.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
torch.set_num_threads(min(2, os.cpu_count() or 1))


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run tests marked slow")


def pytest_collection_modifyitems(config, items):
    skip_slow = pytest.mark.skip(reason="slow: run with --runslow")
    skip_gpu = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "slow" in item.keywords and not config.getoption("--runslow"):
            item.add_marker(skip_slow)
        if "gpu" in item.keywords and not torch.cuda.is_available():
            item.add_marker(skip_gpu)


@pytest.fixture(scope="session")
def photos_dir() -> Path:
    path = Path(os.environ.get("INPAINTKIT_PHOTOS", ROOT.parent / "shared" / "data" / "photos"))
    if not path.is_dir():
        pytest.skip(f"shared photos not found at {path}")
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _seed_torch():
    torch.manual_seed(0)


def _import_benchmark(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def load_benchmark():
    """``load_benchmark(name)``: ``benchmarks/<name>.py`` imported as a module (that folder
    is not a package)."""
    return _import_benchmark
