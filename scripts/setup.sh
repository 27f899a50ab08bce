#!/usr/bin/env bash
# Create .venv and install inpaintkit with its test extras. Safe to run again.
# torch is pinned to 2.13.0 (CPU build) in pyproject.toml: never let pip resolve a bare
# `torch`, which would pull several GB of CUDA packages.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/python -m pip check
