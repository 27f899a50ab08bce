"""inpaintkit.data: crops, masks, structure images, odd files, pure sampling, sharding."""
from __future__ import annotations

import warnings

import cv2
import numpy as np
import pytest
import torch

from inpaintkit.data import (InpaintingDataset, StepBatchSampler, find_images, random_crop, read_image,
                            read_split, to_tensor)
from inpaintkit.errors import UserError
from inpaintkit.structure import structure_image

ROOT_SPLIT = "configs/split.yaml"


def box_mask(height, width, rng):
    """A stand-in mask function: one random box (keeps tests independent of masks.py)."""
    mask = np.zeros((height, width), np.uint8)
    top, left = rng.integers(0, height // 2), rng.integers(0, width // 2)
    mask[top : top + height // 2, left : left + width // 2] = 1
    return mask


@pytest.fixture(scope="module")
def three_photos(photos_dir):
    return find_images(photos_dir)[:3]


def test_photo_samples_have_the_documented_shapes_and_ranges(three_photos):
    dataset = InpaintingDataset(three_photos, 32, structure_scale=0.25, seed=1)
    assert len(dataset) == 3
    for index in range(3):
        sample = dataset[index]
        image, mask, structure = sample["image"], sample["mask"], sample["structure"]
        assert image.shape == (3, 32, 32) and image.dtype == torch.float32
        assert -1.0 <= image.min() < image.max() <= 1.0
        assert mask.shape == (1, 32, 32) and set(mask.unique().tolist()) <= {0.0, 1.0}
        assert 0.0 < mask.mean() < 1.0  # the real DeepFill v2 training mask leaves both
        assert structure.shape == (3, 8, 8) and -1.0 <= structure.min() and structure.max() <= 1.0
        # It is the RTV image of *this* crop, area-downscaled first (the documented
        # contract), and smoother than that downscaled crop.
        crop = ((image + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()
        small = to_tensor(cv2.resize(crop, (8, 8), interpolation=cv2.INTER_AREA))[None]
        assert torch.allclose(structure, structure_image(small)[0], atol=1e-5)
        variation = lambda x: (x[..., 1:] - x[..., :-1]).abs().mean()  # noqa: E731
        assert variation(structure) < variation(small[0])


def test_sampling_is_a_pure_function_of_seed_index_epoch(three_photos):
    make = lambda **kw: InpaintingDataset(three_photos, 32, mask_fn=box_mask, seed=7, **kw)  # noqa: E731
    first, second = make(), make()
    a, b = first[(1, 4)], second[(1, 4)]
    assert torch.equal(a["image"], b["image"]) and torch.equal(a["mask"], b["mask"])
    assert not torch.equal(first[(1, 5)]["image"], a["image"])  # another epoch, another crop
    # dataset[i] is epoch self.epoch
    second.epoch = 4
    assert torch.equal(second[1]["image"], a["image"])
    # The downscaled cache changes pixels only by interpolation round-off.
    uncached = make(cache=False)[(1, 4)]
    assert torch.equal(uncached["mask"], a["mask"])
    assert (uncached["image"] - a["image"]).abs().mean() < 0.03


def test_odd_formats_in_nested_folders_and_a_corrupt_file(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    cv2.imwrite(str(tmp_path / "grey.png"), np.full((40, 50), 64, np.uint8))
    rgba = np.zeros((48, 48, 4), np.uint8)  # fully transparent: composited over white
    cv2.imwrite(str(tmp_path / "a" / "rgba.png"), rgba)
    cv2.imwrite(str(tmp_path / "a" / "b" / "deep16.png"), np.full((60, 40), 32896, np.uint16))  # ½ of 16 bits
    cv2.imwrite(str(tmp_path / "a" / "b" / "tiny.jpg"), np.full((10, 10, 3), (0, 0, 255), np.uint8))  # BGR red
    (tmp_path / "a" / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(200)))
    (tmp_path / "notes.txt").write_text("not an image")

    with pytest.warns(UserWarning, match="corrupt.png"):
        dataset = InpaintingDataset(tmp_path, 32, mask_fn=box_mask, flip=False)
    names = [path.name for path in dataset.files]
    assert names == ["deep16.png", "tiny.jpg", "rgba.png", "grey.png"]  # sorted by full path
    means = {name: dataset[i]["image"].mean(dim=(1, 2)) for i, name in enumerate(names)}
    for i in range(len(dataset)):
        assert dataset[i]["image"].shape == (3, 32, 32)
    assert torch.allclose(means["grey.png"], torch.full((3,), 64 / 127.5 - 1), atol=1e-4)
    assert torch.allclose(means["rgba.png"], torch.ones(3))
    assert torch.allclose(means["deep16.png"], torch.full((3,), 128 / 127.5 - 1), atol=1e-4)
    assert torch.allclose(means["tiny.jpg"], torch.tensor([1.0, -1.0, -1.0]), atol=0.05)  # upscaled, RGB order


def test_a_truncated_file_is_skipped_mid_epoch_with_a_warning(tmp_path, three_photos):
    data = three_photos[0].read_bytes()
    (tmp_path / "0_truncated.jpg").write_bytes(data[: len(data) // 3])
    cv2.imwrite(str(tmp_path / "1_good.png"), np.full((40, 40, 3), 200, np.uint8))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the header is fine: no warning at construction
        dataset = InpaintingDataset(tmp_path, 32, mask_fn=box_mask)
    assert len(dataset) == 2
    with pytest.warns(UserWarning, match="0_truncated.jpg"):
        sample = dataset[0]
    assert torch.allclose(sample["image"], torch.full((3, 32, 32), 200 / 127.5 - 1))  # the next photo


def test_empty_folder_and_missing_path_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="No readable images"):
        InpaintingDataset(tmp_path, 32, mask_fn=box_mask)
    with pytest.raises(UserError, match="does not exist"):
        InpaintingDataset(tmp_path / "nowhere", 32, mask_fn=box_mask)


def test_the_project_split_lists_twelve_validation_photos():
    assert len(read_split(ROOT_SPLIT)) == 12


def test_split_file_selects_train_and_validation(photos_dir, test_split):
    validation = read_split(test_split)
    assert validation == {"camera.jpg", "gravel.jpg", "rocket.jpg"}
    train = InpaintingDataset(photos_dir, 32, mask_fn=box_mask, split_file=test_split, subset="train")
    held_out = InpaintingDataset(photos_dir, 32, mask_fn=box_mask, split_file=test_split, subset="validation")
    assert {f.name for f in held_out.files} == validation
    assert not {f.name for f in train.files} & validation
    assert len(train) + len(held_out) == len(find_images(photos_dir))


def test_crop_of_a_crop_sized_photo_is_the_photo_and_zoom_never_exceeds_native():
    rng = np.random.default_rng(0)
    photo = np.random.default_rng(1).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    crop = random_crop(photo, native_short=32, crop_size=32, scale_range=(1.0, 4.0), rng=rng)
    assert any(np.array_equal(crop, photo[:, left : left + 32]) for left in range(17))
    # A 64-px photo cropped to 32 with zoom up to 4: the window never shrinks below 32
    # photo pixels (zoom capped at native 2×), so no crop is an upsampled blur.
    big = np.random.default_rng(2).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    for _ in range(20):
        crop = random_crop(big, native_short=64, crop_size=32, scale_range=(1.0, 4.0), rng=rng)
        assert crop.shape == (32, 32, 3)


def test_read_image_downscales_large_jpegs_to_the_cache_side(three_photos):
    full = read_image(three_photos[0])
    small = read_image(three_photos[0], min_short_side=64)
    assert min(small.shape[:2]) == 64 and small.dtype == np.uint8
    assert abs(small.shape[1] / small.shape[0] - full.shape[1] / full.shape[0]) < 0.05


def test_step_batch_sampler_resumes_and_shards_exactly():
    full = list(StepBatchSampler(10, 3, seed=5, total_steps=8))
    resumed = list(StepBatchSampler(10, 3, seed=5, start_step=5, total_steps=8))
    assert resumed == full[5:]
    # every epoch is a permutation of the dataset
    stream = [key for batch in full for key in batch]
    for epoch in (0, 1):
        assert sorted(i for i, e in stream if e == epoch) == list(range(10))
    # two ranks split each global batch of 2×3 without overlap, in stream order
    ranks = [list(StepBatchSampler(10, 3, seed=5, total_steps=4, rank=r, world_size=2)) for r in (0, 1)]
    single = list(StepBatchSampler(10, 6, seed=5, total_steps=4))
    for step in range(4):
        assert ranks[0][step] + ranks[1][step] == single[step]
