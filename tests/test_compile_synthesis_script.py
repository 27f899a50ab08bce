"""scripts/compile_synthesis.py, which scripts/setup.sh runs: one tiny fill leaves every
cached numba kernel of the patch synthesis compiled, so the first real fill compiles none."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SYNTHESIS = ROOT / "src" / "inpaintkit" / "synthesis"


def cached_kernels() -> set[str]:
    """``module.function`` of every ``@njit(cache=True)`` kernel of the synthesis that gets
    a cache of its own (``inline="always"`` ones are compiled into their callers)."""
    kernels = set()
    for path in SYNTHESIS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "njit":
                    options = {k.arg: ast.literal_eval(k.value) for k in decorator.keywords}
                    if options.get("cache") and options.get("inline") != "always":
                        kernels.add(f"{path.stem}.{node.name}")
    return kernels


def compiled_kernels(cache: Path) -> set[str]:
    """``module.function`` of every kernel with an index in a numba cache folder."""
    return {path.name.split("-")[0] for path in cache.rglob("*.nbi")}


def test_the_set_up_compiles_every_cached_synthesis_kernel(tmp_path):
    cache = tmp_path / "numba-cache"
    environment = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "compile_synthesis.py")], cwd=tmp_path,
                          env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    kernels = cached_kernels()
    assert len(kernels) >= 10 and "voting.vote_mean" in kernels
    assert compiled_kernels(cache) == kernels
    # A removal's fill (a guidance map, its own settings, a larger photo) compiles nothing more.
    compiled = sorted(path.name for path in cache.rglob("*.nbc"))
    removal_fill = (
        "import numpy as np\n"
        "from inpaintkit.removal.pipeline import removal_synthesis_settings\n"
        "from inpaintkit.synthesis import complete\n"
        "image = np.random.default_rng(1).integers(0, 256, (96, 128, 3), dtype=np.uint8)\n"
        "hole = np.zeros((96, 128), bool); hole[30:70, 40:90] = True\n"
        "avoid = np.zeros((96, 128), bool); avoid[:, 110:] = True\n"
        "complete(image, hole, avoid=avoid, settings=removal_synthesis_settings())\n"
    )
    done = subprocess.run([sys.executable, "-c", removal_fill], cwd=tmp_path, env=environment,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert sorted(path.name for path in cache.rglob("*.nbc")) == compiled
