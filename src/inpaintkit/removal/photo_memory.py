"""What the back ends remember per photo: a page refines one prompt click by click and
sends the same photo with the whole prompt each time, so work that depends only on the
photo (a look of the people model at a tile) or on the photo and one point (the object
grown from a click) is done once, not once per request.

Keys start with the photo's content digest (:func:`photo_digest`), so a changed photo
never meets an old answer. Entries are answers the callers must not change (they copy
what they hand out).
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Callable, Hashable, TypeVar

import numpy as np

Answer = TypeVar("Answer")


def photo_digest(image: np.ndarray) -> bytes:
    """A 16-byte digest of ``image``'s pixels and shape."""
    pixels = np.ascontiguousarray(image)
    digest = hashlib.blake2b(pixels.data, digest_size=16)
    digest.update(repr(pixels.shape).encode())
    return digest.digest()


class PhotoMemory:
    """A thread-safe store of the last ``size`` answers, least recently used out first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Answer]) -> Answer:
        """The answer remembered for ``key``, else ``compute()`` remembered. Computed
        outside the lock: two threads asking for different keys work side by side."""
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        answer = compute()
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return answer

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
