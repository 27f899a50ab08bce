"""Vectorised NMS against a brute-force greedy loop, and SSD post-processing."""
import torch

from inpaintkit.detect.box_coding import encode, xyxy_to_cxcywh
from inpaintkit.detect.nms import batched_nms, nms, postprocess


def plain_iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


def brute_force_nms(boxes, scores, threshold):
    """The classic greedy loop, in plain Python (independent of box_iou)."""
    boxes, scores = boxes.tolist(), scores.tolist()
    kept = []
    for i in sorted(range(len(scores)), key=lambda i: -scores[i]):
        if all(plain_iou(boxes[i], boxes[j]) <= threshold for j in kept):
            kept.append(i)
    return kept


def clustered_boxes(n, generator):
    # Boxes around a few centres so that suppression chains occur.
    centres = torch.rand(4, 2, generator=generator) * 0.6
    xy = centres[torch.randint(0, 4, (n,), generator=generator)] + \
        torch.rand(n, 2, generator=generator) * 0.1
    wh = torch.rand(n, 2, generator=generator) * 0.2 + 0.1
    return torch.cat([xy, xy + wh], 1)


def test_nms_matches_brute_force():
    g = torch.Generator().manual_seed(0)
    for trial in range(10):
        boxes = clustered_boxes(60, g)
        scores = torch.rand(60, generator=g)
        for threshold in (0.3, 0.5, 0.7):
            assert nms(boxes, scores, threshold).tolist() == brute_force_nms(boxes, scores,
                                                                             threshold)


def test_batched_nms_never_suppresses_across_classes():
    boxes = torch.tensor([[0.0, 0.0, 1.0, 1.0]] * 3)
    scores = torch.tensor([0.9, 0.8, 0.7])
    classes = torch.tensor([1, 1, 2])
    assert sorted(batched_nms(boxes, scores, classes, 0.5).tolist()) == [0, 2]
    assert batched_nms(torch.zeros(0, 4), torch.zeros(0), torch.zeros(0), 0.5).numel() == 0


def test_postprocess_recovers_an_encoded_box():
    priors = xyxy_to_cxcywh(torch.tensor([[0.1, 0.1, 0.3, 0.3], [0.5, 0.5, 0.9, 0.9],
                                          [0.12, 0.1, 0.32, 0.3]]))
    target = torch.tensor([[0.55, 0.5, 0.85, 0.95]])
    locations = encode(target.expand(3, 4), priors)[None]
    logits = torch.full((1, 3, 3), -10.0)
    logits[0, :, 0] = 10.0                     # background everywhere …
    logits[0, 1] = torch.tensor([-10.0, 10.0, -10.0])   # … except prior 1: class 1
    found = postprocess(locations, logits, priors, score_threshold=0.5)[0]
    assert found.labels.tolist() == [1]
    assert torch.allclose(found.boxes, target, atol=1e-5)
    assert found.scores[0] > 0.99
