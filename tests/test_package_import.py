"""What ``import inpaintkit`` sets up for the process: OpenMP's idle threads sleep
instead of spinning, unless the user chose otherwise (see ``inpaintkit/__init__.py``)."""
from __future__ import annotations

import os
import subprocess
import sys


def _wait_policy_after_import(env: dict[str, str]) -> str:
    code = "import os, inpaintkit; print(os.environ.get('OMP_WAIT_POLICY'))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_import_makes_idle_openmp_threads_sleep():
    env = {key: value for key, value in os.environ.items() if key != "OMP_WAIT_POLICY"}
    assert _wait_policy_after_import(env) == "PASSIVE"


def test_a_wait_policy_the_user_set_is_kept():
    assert _wait_policy_after_import({**os.environ, "OMP_WAIT_POLICY": "ACTIVE"}) == "ACTIVE"
