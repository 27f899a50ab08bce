"""Shared test set-up: fast, CPU-only, deterministic.

- ``--runslow`` runs tests marked ``slow`` (skipped by default; never deleted).
- ``gpu`` tests are skipped without CUDA.
- Torch uses at most 2 threads (the CI machine has 2 cores).
- ``load_benchmark(name)`` imports a script of ``benchmarks/``.
- ``photos_dir`` is ``tests/data/photos``: nine small CC0 / public-domain photos in the
  repository (``tests/data/CREDITS.md``), with ``test_split`` (``tests/data/split.yaml``)
  as their train/validation split. Every test that needs real photos uses these, so a
  fresh clone runs the whole suite.
- ``shared_photos_dir`` is ``../shared/data/photos`` (or ``$INPAINTKIT_PHOTOS``), the
  project's training and benchmark photos. Only tests marked ``shared_photos`` may use
  it; they check that data set itself (its split, the shipped weights on its validation
  photos). Where the folder is absent they are deselected, not skipped, and the run's
  last lines say how many and why.
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
TEST_PHOTOS = ROOT / "tests" / "data" / "photos"
TEST_SPLIT = ROOT / "tests" / "data" / "split.yaml"


def _shared_photos() -> Path:
    return Path(os.environ.get("INPAINTKIT_PHOTOS", ROOT.parent / "shared" / "data" / "photos"))


torch.set_num_threads(min(2, os.cpu_count() or 1))


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run tests marked slow")


def pytest_report_header(config):
    found = "found" if _shared_photos().is_dir() else "absent: tests marked shared_photos are deselected"
    return f"shared photos {_shared_photos()}: {found}"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    count = getattr(config, "_shared_photos_deselected", 0)
    if count:
        terminalreporter.write_line(f"{count} tests marked shared_photos deselected: {_shared_photos()} is absent")


def pytest_collection_modifyitems(config, items):
    if not _shared_photos().is_dir():
        shared = [item for item in items if "shared_photos" in item.keywords]
        if shared:
            config.hook.pytest_deselected(items=shared)
            items[:] = [item for item in items if "shared_photos" not in item.keywords]
            config._shared_photos_deselected = len(shared)
    skip_slow = pytest.mark.skip(reason="slow: run with --runslow")
    skip_gpu = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "slow" in item.keywords and not config.getoption("--runslow"):
            item.add_marker(skip_slow)
        if "gpu" in item.keywords and not torch.cuda.is_available():
            item.add_marker(skip_gpu)


@pytest.fixture(scope="session")
def photos_dir() -> Path:
    """The repository's test photos (people, structure, texture; see tests/data/CREDITS.md)."""
    return TEST_PHOTOS


@pytest.fixture(scope="session")
def test_split() -> Path:
    """The split file of the test photos: three validation photos, six training ones."""
    return TEST_SPLIT


@pytest.fixture
def shared_photos_dir(request) -> Path:
    """``../shared/data/photos``, for tests marked ``shared_photos`` only (they are
    deselected where the folder is absent, so this never skips)."""
    if request.node.get_closest_marker("shared_photos") is None:
        pytest.fail(f"{request.node.nodeid} uses shared_photos_dir without @pytest.mark.shared_photos")
    return _shared_photos()


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


@pytest.fixture
def synthesis_settings_used(monkeypatch) -> list:
    """The ``SynthesisSettings`` each patch synthesis is run with, in call order (the
    synthesis itself still runs)."""
    import inpaintkit.synthesis as synthesis

    used = []
    real_complete = synthesis.complete

    def recording(*args, settings=synthesis.DEFAULT_SETTINGS, **kwargs):
        used.append(settings)
        return real_complete(*args, settings=settings, **kwargs)

    monkeypatch.setattr(synthesis, "complete", recording)
    return used
