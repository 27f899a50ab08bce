#!/usr/bin/env bash
# Create .venv and install inpaintkit with its test extras. Safe to run again.
# torch is pinned to 2.13.0 (CPU build) in pyproject.toml: never let pip resolve a bare
# `torch`, which would pull several GB of CUDA packages.
#
# Usage: scripts/setup.sh [--browser]
#   --browser  also install Debian's chromium and playwright for the browser tests
#              (scripts/install_browser.sh); the README's test command passes it.
set -euo pipefail
cd "$(dirname "$0")/.."
browser=false
for argument in "$@"; do
    case "$argument" in
        --browser) browser=true ;;
        *) echo "usage: scripts/setup.sh [--browser]" >&2; exit 2 ;;
    esac
done
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/python -m pip check
if $browser; then
    bash scripts/install_browser.sh .venv/bin/python
fi
# The first fill would otherwise compile the synthesis' kernels (scripts/compile_synthesis.py
# says why); should this fail, set-up goes on and the first fill compiles them instead.
echo "compiling the patch synthesis once (about 15 s)…"
if ! .venv/bin/python scripts/compile_synthesis.py; then
    echo "warning: compiling the patch synthesis failed; the first fill will compile it instead (about 10 s more)" >&2
fi
