"""What ``import inpaintkit`` sets up for the process: OpenMP's idle threads sleep
after a short spin instead of a long one, and numba keeps the thread count OpenMP was given, unless the user
chose otherwise (see ``inpaintkit/__init__.py``)."""
from __future__ import annotations

import os
import subprocess
import sys


_WAITING = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")


def _waiting_after_import(**chosen: str) -> list[str]:
    """OMP_WAIT_POLICY and GOMP_SPINCOUNT as a process sees them after ``import
    inpaintkit``, when the user chose ``chosen`` of them."""
    env = {key: value for key, value in os.environ.items() if key not in _WAITING}
    code = "import os, inpaintkit; print(*(os.environ.get(name, '-') for name in %r))" % (_WAITING,)
    done = subprocess.run([sys.executable, "-c", code], env={**env, **chosen}, capture_output=True, text=True,
                          check=True)
    return done.stdout.split()


def test_import_makes_idle_openmp_threads_sleep_after_a_short_spin():
    assert _waiting_after_import() == ["-", "1000"]


def test_a_wait_policy_or_spin_count_the_user_set_is_kept():
    assert _waiting_after_import(OMP_WAIT_POLICY="ACTIVE") == ["ACTIVE", "-"]
    assert _waiting_after_import(GOMP_SPINCOUNT="50") == ["-", "50"]


def test_numba_keeps_the_thread_count_openmp_was_given():
    """A synthesis must not change the thread count the network runs on: numba's OpenMP
    layer would set the shared runtime to every core, and the network's later fills would
    then differ from its first by a grey level."""
    code = (
        "import numpy as np, inpaintkit, torch, numba\n"
        "from inpaintkit.synthesis import complete\n"
        "image = np.random.default_rng(0).integers(0, 255, (48, 48, 3), dtype=np.uint8)\n"
        "hole = np.zeros((48, 48), bool); hole[18:30, 18:30] = True\n"
        "complete(image, hole)\n"
        "print(numba.get_num_threads(), torch.get_num_threads())\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "NUMBA_NUM_THREADS"}
    env["OMP_NUM_THREADS"] = "1"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "1"]
