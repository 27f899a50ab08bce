"""Box encoding/decoding, IoU and prior matching."""
import pytest
import torch

from inpaintkit.detect.box_coding import (box_iou, cxcywh_to_xyxy, decode, encode, match,
                                          xyxy_to_cxcywh)
from inpaintkit.detect.priors import generate_priors, ssd_prior_spec


def random_boxes(n, generator):
    xy = torch.rand(n, 2, generator=generator) * 0.7
    wh = torch.rand(n, 2, generator=generator) * 0.25 + 0.02
    return torch.cat([xy, xy + wh], 1)


def test_encode_decode_round_trip():
    g = torch.Generator().manual_seed(0)
    priors = xyxy_to_cxcywh(random_boxes(500, g))
    boxes = random_boxes(500, g)
    offsets = encode(boxes, priors)
    assert torch.allclose(decode(offsets, priors), boxes, atol=1e-5)
    # Batched: [B, P, 4] with the same priors.
    batch = torch.stack([boxes, boxes.flip(0)])
    assert torch.allclose(decode(encode(batch, priors), priors), batch, atol=1e-5)


def test_encoding_of_the_prior_itself_is_zero_and_variances_scale():
    priors = torch.tensor([[0.5, 0.5, 0.2, 0.4]])
    assert torch.allclose(encode(cxcywh_to_xyxy(priors), priors), torch.zeros(1, 4), atol=1e-6)
    shifted = cxcywh_to_xyxy(torch.tensor([[0.52, 0.5, 0.2, 0.4]]))
    # (0.52 − 0.5) / (0.1 · 0.2) = 1
    assert encode(shifted, priors)[0, 0] == pytest.approx(1.0, abs=1e-5)


def test_box_iou_known_values():
    a = torch.tensor([[0.0, 0.0, 2.0, 2.0]])
    b = torch.tensor([[1.0, 1.0, 3.0, 3.0], [0.0, 0.0, 2.0, 2.0], [5.0, 5.0, 6.0, 6.0]])
    assert box_iou(a, b)[0].tolist() == pytest.approx([1 / 7, 1.0, 0.0])


def test_match_gives_every_object_a_prior_and_thresholds_the_rest():
    priors = generate_priors(ssd_prior_spec(300, [38, 19, 10, 5, 3, 1]))
    gt = torch.tensor([[0.1, 0.1, 0.4, 0.5], [0.6, 0.55, 0.62, 0.58]])  # one tiny object
    labels = torch.tensor([1, 2])
    offsets, assigned = match(gt, labels, priors)
    assert offsets.shape == (8732, 4) and assigned.shape == (8732,)
    assert (assigned == 2).sum() >= 1                       # the tiny object is not lost
    iou = box_iou(gt, cxcywh_to_xyxy(priors))
    positives = assigned > 0
    forced = iou.argmax(1)
    others = positives.clone()
    others[forced] = False
    assert (iou.max(0).values[others] >= 0.5).all()
    assert (iou.max(0).values[~positives] < 0.5).all()
    # Positive priors decode back to their object's box.
    decoded = decode(offsets[positives], priors[positives])
    targets = gt[iou.argmax(0)[positives]]
    targets[assigned[positives] == 2] = gt[1]
    assert torch.allclose(decoded, targets, atol=1e-5)


def test_match_without_objects_is_all_background():
    priors = generate_priors(ssd_prior_spec(128, [16, 8, 4, 2]))
    _, labels = match(torch.zeros(0, 4), torch.zeros(0, dtype=torch.long), priors)
    assert labels.sum() == 0
