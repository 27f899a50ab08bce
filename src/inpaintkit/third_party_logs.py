"""Third-party libraries' own log lines: quiet unless asked for (CLI: ``--verbose``).

MediaPipe and its TensorFlow Lite runtime print from C++ straight to file descriptor 2 on
every run, even on success ("Created TensorFlow Lite XNNPACK delegate for CPU", absl's
"All log messages before absl::InitializeLog()…", glog's feedback-manager warning), where
they drown the one line a command prints. The environment variables that usually silence
them (``GLOG_minloglevel``, ``TF_CPP_MIN_LOG_LEVEL``) do not reach MediaPipe's bundled
loggers, so :func:`quiet_native_logs` points the descriptor itself at ``/dev/null`` around
the calls that print. Python's ``absl`` logger is lowered to errors the same way.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

_state = {"verbose": False}
# fd 2 is one per process: two threads must not swap it at once (re-entrant for nesting).
_lock = threading.RLock()


def set_verbose(verbose: bool) -> None:
    """Show (True) or hide (False, the default) third-party log lines."""
    _state["verbose"] = bool(verbose)
    logging.getLogger("absl").setLevel(logging.INFO if verbose else logging.ERROR)


def is_verbose() -> bool:
    return _state["verbose"]


@contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Inside the block, whatever C/C++ code writes to file descriptor 2 is dropped
    (unless :func:`set_verbose` asked for it); exceptions still propagate as usual."""
    if _state["verbose"]:
        yield
        return
    with _lock:
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


logging.getLogger("absl").setLevel(logging.ERROR)
