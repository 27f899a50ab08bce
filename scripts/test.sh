#!/usr/bin/env bash
# Fresh set-up, then the default test suite (slow and GPU checks are skipped; add
# --runslow to run the slow ones). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install_browser.sh .venv/bin/python   # Debian chromium for the browser tests
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
.venv/bin/python -m pytest -q "$@"
