"""Patch synthesis: the photo's own detail copied into the hole, coarse to fine.

:func:`complete` is the entry point; :mod:`.nnf` (PatchMatch), :mod:`.voting` (EM voting)
and :mod:`.features` (what patches are compared on) are its steps.
"""
from .completion import DEFAULT_SETTINGS, SynthesisSettings, complete

__all__ = ["complete", "SynthesisSettings", "DEFAULT_SETTINGS"]
