"""What a command tells its user about an input file after writing the result."""
from __future__ import annotations

import os
import sys
from typing import Union


def report_not_kept(path: Union[str, os.PathLike]) -> None:
    """One line on stderr when the photo at ``path`` had what its 8-bit RGB result lacks
    (transparency, 16-bit depth): said, not found out later."""
    from ..image_io import not_kept

    lost = not_kept(path)
    if lost:
        verb = "are" if len(lost) > 1 else "is"
        laid = " (its see-through pixels laid over white)" if "transparency" in lost else ""
        print(f"note: the result is 8-bit RGB; the {' and '.join(lost)} of {path} {verb} not kept{laid}.",
              file=sys.stderr)
