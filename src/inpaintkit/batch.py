"""Inpaint a whole folder: every image with the mask of the same name, the model loaded once.

``inpaintkit inpaint PHOTOS/ MASKS/ -o RESULTS/`` is what LaMa's ``predict.py`` and IOPaint's
``run`` do. Images and masks are paired by name without extension, the way
``inpaintkit evaluate`` pairs results with truths and masks, so a results folder can be
scored as it is. A mask *file* instead of a folder is used for every image (a watermark or
a fixed camera); kept among the images, that file is not filled itself. Each result is
written as ``RESULTS/<name>.png`` (lossless, so the known pixels stay the input's bytes),
atomically (:func:`inpaintkit.image_io.save_image`).

A long run must not be lost to one bad file: an unreadable image, a mask of the wrong size
or an empty mask costs that image only (it is reported with the reason) and the rest go on.
``skip_existing`` resumes an interrupted run where it stopped.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from .errors import UserError
from .image_io import (IMAGE_SUFFIXES, check_whole_photo_hole, images_by_stem, read_inpainting_inputs,
                       save_image)


@dataclass(frozen=True)
class FolderJob:
    """One image to fill: its mask, its optional guidance map and where its result goes."""

    name: str
    image: Path
    mask: Path
    guidance: Optional[Path]
    output: Path


@dataclass
class FolderReport:
    """What a run did: results ``written``; ``kept`` (results already there, with
    ``skip_existing``); ``skipped``: name → why, one sentence (no mask, a bad file…)."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def plan_folder(image_dir: os.PathLike, masks: os.PathLike, out_dir: os.PathLike,
                guidance_dir: Optional[os.PathLike] = None) -> tuple[list[FolderJob], dict[str, str]]:
    """Pair the images of ``image_dir`` with their masks (``masks``: a folder, or one mask
    file for all) and guidance maps (optional, per image); returns the jobs, and the
    images that have no mask (name → why). Nothing is read but the folders' listings."""
    out_dir = Path(out_dir)
    images = images_by_stem(image_dir, "image folder")
    if not images:
        raise UserError(f"the image folder {image_dir} holds no images ({', '.join(IMAGE_SUFFIXES)}).")
    if not Path(masks).exists():
        raise UserError(f"the mask {masks} does not exist; give a folder of masks or one mask file.")
    one_mask = Path(masks) if Path(masks).is_file() else None
    mask_files = {} if one_mask else images_by_stem(masks, "mask folder")
    guidance_files = images_by_stem(guidance_dir, "guidance folder") if guidance_dir else {}
    existing = out_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UserError(f"the results folder {out_dir} cannot be made: {existing} is a file; "
                        "give a folder (it is created if need be).")
    if out_dir.suffix.lower() in IMAGE_SUFFIXES and not out_dir.is_dir():
        # It would be made as a folder named like an image (res.png/), surely not what was meant.
        raise UserError(f"{image_dir} is a folder of images, so the results need a folder, not the image "
                        f"file name {out_dir}; give a folder name such as {out_dir.with_suffix('')}.")
    _refuse_writing_into_inputs(out_dir, [image_dir, masks, guidance_dir])
    jobs, unpaired = [], {}
    for name, image in images.items():
        if one_mask is not None and image.resolve() == one_mask.resolve():
            continue  # a watermark's mask kept beside the photos is no photo to fill
        mask = one_mask or mask_files.get(name)
        if mask is None:
            unpaired[name] = f"no mask named {name} in {masks}."
            continue
        jobs.append(FolderJob(name, image, mask, guidance_files.get(name), out_dir / f"{name}.png"))
    if not jobs:
        raise UserError(f"no image in {image_dir} has a mask of the same name in {masks} "
                        "(a.jpg is paired with a.png, any extension).")
    return jobs, unpaired


def _refuse_writing_into_inputs(out_dir: Path, inputs: list[Optional[os.PathLike]]) -> None:
    """A results folder that is an input folder would overwrite its PNG inputs."""
    for folder in inputs:
        if folder is not None and Path(folder).is_dir() and out_dir.resolve() == Path(folder).resolve():
            raise UserError(f"the results folder {out_dir} is also an input folder; "
                            "write the results to a folder of their own.")


def inpaint_folder(inpainter: Callable, jobs: list[FolderJob], skip_existing: bool = False,
                   progress: bool = True, allow_large_hole: bool = False) -> FolderReport:
    """Fill every job's image with ``inpainter(image, mask, guidance)`` and write it.
    A :class:`~inpaintkit.errors.UserError` (bad file, wrong size, empty mask, a hole over
    :data:`~inpaintkit.image_io.WHOLE_PHOTO_HOLE_FRACTION` unless ``allow_large_hole``) skips
    that image; anything else is a bug and stops the run (what was written stays written)."""
    from tqdm.auto import tqdm

    report = FolderReport()
    # disable=None: a bar on a terminal, silence in a log file.
    for job in tqdm(jobs, desc="inpaint", unit="image", disable=None if progress else True):
        if skip_existing and job.output.exists():
            report.kept.append(job.output)
            continue
        try:
            image, mask, guidance = read_inpainting_inputs(job.image, job.mask, job.guidance)
            check_whole_photo_hole(mask, allow_large_hole)
            save_image(inpainter(image, mask, guidance), job.output)
        except UserError as error:
            report.skipped[job.name] = str(error)
        else:
            report.written.append(job.output)
    return report
