#!/usr/bin/env bash
# Install what tests/test_server_browser.py needs: Debian's chromium and the `playwright`
# Python package (its driver ships in the wheel). Never `playwright install`: that would
# download a browser build; the tests launch /usr/bin/chromium (or $INPAINTKIT_CHROMIUM).
#
# Usage: scripts/install_browser.sh [PYTHON]   (default: python3 on PATH, e.g. the venv's)
set -euo pipefail
PYTHON="${1:-python3}"

if ! command -v chromium >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium
fi
"$PYTHON" -m pip install --quiet "playwright>=1.40"

chromium --version 2>/dev/null | head -n 1
"$PYTHON" -c "import playwright.sync_api; print('playwright', __import__('importlib.metadata').metadata.version('playwright'))"
