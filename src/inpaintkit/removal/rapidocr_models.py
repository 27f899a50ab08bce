"""The ONNX models inside the ``rapidocr-onnxruntime`` wheel (PaddleOCR's PP-OCRv4 text
detector and recogniser), opened with onnxruntime directly: rapidocr's own pipeline reads
text, and we need its parts (the detector's probability map, the recogniser's confidence)."""
from __future__ import annotations

from pathlib import Path


def wheel_model_path(file_name: str, role: str) -> Path:
    """``models/FILE_NAME`` of the installed wheel; a missing file is one sentence naming
    its ``role`` ("text detector")."""
    import rapidocr_onnxruntime

    path = Path(rapidocr_onnxruntime.__file__).parent / "models" / file_name
    if not path.exists():
        raise FileNotFoundError(f"the {role}'s model is missing from the rapidocr wheel: {path}")
    return path


def cpu_session(path: Path, threads: int):
    """An onnxruntime session on the CPU with ``threads`` intra-op threads, quiet."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
