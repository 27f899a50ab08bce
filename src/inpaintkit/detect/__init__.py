"""MPSSD: SSD, FSSD and the multi-path fusion single shot detector (thesis §5.2).

``build(name, num_classes)`` → a detector whose ``model(images)`` returns
``(locations [B, P, 4], class_logits [B, P, C])``; ``Detector`` turns a trained one into
``detect(image) -> [(box_xyxy, label, score)]``.
"""
from .engine import evaluate, load_detector, save_detector, train, TrainConfig
from .model import DETECTOR_CONFIGS, DetectorConfig, SingleShotDetector, build
from .predictor import Detector

__all__ = [
    "DETECTOR_CONFIGS", "Detector", "DetectorConfig", "SingleShotDetector", "TrainConfig",
    "build", "evaluate", "load_detector", "save_detector", "train",
]
