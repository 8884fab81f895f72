"""The PP-OCRv6 recognition session: its threads sleep when idle (no spinning), which changes nothing read."""

from __future__ import annotations

import cv2
import numpy as np

from plugins.ocr import ppocr_onnx


def test_idle_threads_sleep_and_readings_are_unchanged() -> None:
    import onnxruntime as ort

    engine = ppocr_onnx.PPOCRv6Onnx(threads=2)
    assert engine._opts.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    spinning = ort.InferenceSession(str(engine.model_dir / ppocr_onnx.REC_MODEL), providers=["CPUExecutionProvider"])
    crops = []
    for text in ("12,345.67", "2024", "-0.5"):
        img = np.full((40, 30 + 22 * len(text)), 255, np.uint8)
        cv2.putText(img, text, (8, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 2, cv2.LINE_AA)
        crops.append(img)
    ours = engine.recognize_lines(crops)
    theirs = ppocr_onnx.recognize_batched(crops, lambda b: spinning.run(None, {engine._input: b})[0], engine.charset)
    assert ours == theirs
    assert ours[0].text.replace(",", "") == "12345.67"
