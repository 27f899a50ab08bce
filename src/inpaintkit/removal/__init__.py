"""One-click object removal (thesis §5.3, Algorithm 1) with structural guidance (§5.4).

- :mod:`.instances` — the ``Instance`` type and the back-end interface.
- :mod:`.people` — people from MediaPipe's selfie segmentation, split into instances.
- :mod:`.click_segmentation` — any object from a click (GrabCut, no learned weights).
- :mod:`.boxes` — detector boxes (MPSSD) refined to masks.
- :mod:`.guidance` — guidance maps from the other instances.
- :mod:`.pipeline` — ``segment``, ``remove``, ``remove_detailed``.
"""
from .pipeline import remove, remove_detailed, segment  # noqa: F401
from .guidance import auto_guidance  # noqa: F401
