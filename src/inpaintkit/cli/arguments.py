"""Checks of a command's arguments made before any work starts.

A command must not spend a minute on inference and then fail on an output path it could
have refused at once, nor write its result over its own input or over its other output.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Mapping, Optional, Union

from ..errors import UserError
from ..image_io import check_output_path

PathArg = Optional[Union[str, os.PathLike]]


def check_outputs(outputs: Mapping[str, PathArg], inputs: Mapping[str, PathArg], overwrite: bool = False) -> None:
    """Refuse outputs that cannot be written, two outputs that are one file, and an output
    that is an input unless ``overwrite``. ``outputs``: flag → path (None: not asked for);
    ``inputs``: what it is ("photo", "mask") → path."""
    given = [(flag, path) for flag, path in outputs.items() if path is not None]
    for index, (flag, path) in enumerate(given):
        check_output_path(path, f"output {flag}")
        for other_flag, other in given[:index]:
            if same_file(path, other):
                raise UserError(f"{other_flag} and {flag} are both {path}; give each output its own file name.")
        for what, source in inputs.items():
            if source is not None and same_file(path, source) and not overwrite:
                raise UserError(f"{flag} {path} is the input {what}; writing there would destroy it "
                                "(pass --overwrite to replace it).")


def check_file_output(path: Path, inputs: list[Path], flag: str = "-o", folder: bool = False) -> None:
    """Refuse, before any work, an output file (``folder``: an output folder) that is an
    existing folder (file), that cannot be created, or that would replace one of
    ``inputs``: the checkpoint a run folder holds, a portable checkpoint's parts, weights
    being blended. (Weights are no photos: a new file beside them is the usual thing.)"""
    from ..image_io import check_creatable

    path = Path(path)
    if not folder and path.is_dir():
        raise UserError(f"{flag} {path} is an existing folder; give a file name such as {path / 'model.safetensors'}.")
    if folder and path.exists() and not path.is_dir():
        raise UserError(f"{flag} {path} is an existing file; give a folder name.")
    check_creatable(path, f"output {flag}")
    for source in inputs:
        source = Path(source)
        own = [source] if not source.is_dir() else [p for p in source.iterdir() if p.is_file()]
        if same_file(path, source) or any(same_file(path, p) for p in own):
            raise UserError(f"{flag} {path} would replace the input {source}; give another name.")


def same_file(first: Union[str, os.PathLike], second: Union[str, os.PathLike]) -> bool:
    """Whether two paths name one file (links and ``..`` resolved; hard links and
    case-insensitive file systems too when both exist)."""
    first, second = Path(first), Path(second)
    if first.exists() and second.exists():
        return os.path.samefile(first, second)
    return first.resolve() == second.resolve()


def check_range(value: Optional[float], low: float, high: float, flag: str) -> None:
    """A UserError for ``value`` outside [low, high] (None: the default, not checked)."""
    if value is not None and not low <= value <= high:
        raise UserError(f"{flag} must be from {low} to {high}; got {value}.")


def add_detail_argument(parser: argparse.ArgumentParser) -> None:
    """``--detail``, shared by ``inpaint`` and ``remove``."""
    from ..detail_modes import DEFAULT_DETAIL, DETAIL_MODES

    parser.add_argument("--detail", default=DEFAULT_DETAIL, choices=DETAIL_MODES,
                        help="synthesis (default): the network gives the structure and the photo's own "
                             "patches the detail, at full resolution; none: the network's fill alone")
