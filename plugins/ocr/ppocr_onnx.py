"""Default OCR engine: PaddleOCR's PP-OCRv6 recognition (and detection) models run by ONNX Runtime.

The weights are the ones shipped inside the ``rapidocr`` wheel (nothing is downloaded at run time).  The
recognition model carries its character dictionary in the ONNX metadata (``character``), so it is run directly
on line crops: grayscale crop -> height 48, width by aspect -> batches padded only to the batch's widest crop
-> CTC greedy decode with per-character probabilities.

Detection (``detect_and_recognize``) goes through rapidocr's own det+rec pipeline with the text-line
orientation classifier switched off (it flips short codes: "99" -> "66").
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np

from pipeline import hookimpl
from pipeline.config import PipelineConfig
from pipeline.errors import MissingDependencyError
from pipeline.interfaces import LineRecognition, OcrEngine
from pipeline.model import BBox, TextLine
from pipeline.timing import stage

log = logging.getLogger(__name__)

REC_HEIGHT = 48
REC_MODEL = "PP-OCRv6_rec_small.onnx"
DET_MODEL = "PP-OCRv6_det_small.onnx"
DET_MAX_SIDE = 1536  # detector input: larger crops are shrunk to this side, smaller ones kept as they are
MAX_BATCH_PIXELS = 48 * 320 * 24  # keeps a batch's input tensor small (memory)
MAX_LINE_WIDTH = 3200


def rapidocr_model_dir() -> Path:
    """Folder of the ONNX weights inside the installed rapidocr wheel."""
    try:
        import rapidocr
    except ImportError as exc:
        raise MissingDependencyError("the rapidocr wheel (which ships the PP-OCRv6 weights) is not installed: "
                                     "pip install rapidocr onnxruntime") from exc
    return Path(rapidocr.__file__).parent / "models"


def prepare_crop(crop: np.ndarray, height: int = REC_HEIGHT) -> np.ndarray:
    """Grayscale crop -> float32 3×H×W tensor normalised to [-1, 1], height ``height``."""
    if crop.ndim == 3:
        crop = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    h, w = crop.shape
    new_w = max(8, min(MAX_LINE_WIDTH, math.ceil(height * w / max(h, 1))))
    resized = cv2.resize(crop, (new_w, height), interpolation=cv2.INTER_AREA if h > height else cv2.INTER_CUBIC)
    x = resized.astype(np.float32) / 127.5 - 1.0
    return np.repeat(x[None, :, :], 3, axis=0)


#: runner-up readings kept per character (:attr:`pipeline.interfaces.LineRecognition.char_alternatives`) …
ALTERNATIVES = 3
#: … when at least this probable, for characters read with less confidence than ``ALTERNATIVES_BELOW`` (a surer
#: character's runners-up share at most 0.001 and :mod:`plugins.cells.charconf` takes it as it is; skipping them
#: keeps the decoder's cost near a plain argmax)
MIN_ALTERNATIVE = 0.005
ALTERNATIVES_BELOW = 0.999


def ctc_decode(probs: np.ndarray, charset: Sequence[str]) -> LineRecognition:
    """Greedy CTC decode of one T×C probability matrix (index 0 = blank), with each character's runner-up
    readings at the frame its confidence comes from."""
    idx = probs.argmax(axis=1)
    conf = probs[np.arange(len(idx)), idx]
    chars: list[str] = []
    char_conf: list[float] = []
    frames: list[int] = []
    prev = -1
    for i, c in enumerate(idx):
        if c != prev and c != 0:
            chars.append(charset[c])
            char_conf.append(float(conf[i]))
            frames.append(i)
        elif c == prev and c != 0 and char_conf and float(conf[i]) > char_conf[-1]:
            char_conf[-1] = float(conf[i])
            frames[-1] = i
        prev = c
    text = "".join(chars)
    if not chars:
        return LineRecognition("", 0.0, ())
    return LineRecognition(text, float(np.mean(char_conf)), tuple(char_conf),
                           tuple(alternatives(probs[i], int(idx[i]), charset) if p < ALTERNATIVES_BELOW else ()
                                 for i, p in zip(frames, char_conf, strict=True)))


def alternatives(row: np.ndarray, chosen: int, charset: Sequence[str]) -> tuple[tuple[str, float], ...]:
    """The ``ALTERNATIVES`` most probable readings of one frame besides ``chosen`` ("" for the blank)."""
    k = min(ALTERNATIVES + 1, len(row) - 1)
    top = np.argpartition(-row, k)[: k + 1]
    top = top[np.argsort(-row[top])]
    return tuple(("" if j == 0 else charset[j], float(row[j])) for j in top
                 if j != chosen and row[j] >= MIN_ALTERNATIVE)[:ALTERNATIVES]


def width_batches(widths: Sequence[int], max_pixels: int = MAX_BATCH_PIXELS, height: int = REC_HEIGHT
                  ) -> list[list[int]]:
    """Indices of crops grouped into batches of similar width (sorted by width), each batch padded to its
    widest member holding at most ``max_pixels`` pixels (a batch of one may exceed it)."""
    order = sorted(range(len(widths)), key=lambda i: widths[i])
    batches: list[list[int]] = []
    for i in order:
        if batches and widths[i] * (len(batches[-1]) + 1) * height <= max_pixels:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


def recognize_batched(crops: Sequence[np.ndarray], run: Callable[[np.ndarray], np.ndarray],
                      charset: Sequence[str]) -> list[LineRecognition]:
    """Read line crops with a CTC recogniser: ``run`` maps an N×3×H×W float32 batch to N×T×C probabilities
    (index 0 = blank of ``charset``).  Crops are batched by width so little padding is computed."""
    tensors = [prepare_crop(c) for c in crops]
    out: list[LineRecognition] = [LineRecognition("", 0.0)] * len(tensors)
    for batch_idx in width_batches([t.shape[2] for t in tensors]):
        width = max(tensors[i].shape[2] for i in batch_idx)
        batch = np.zeros((len(batch_idx), 3, REC_HEIGHT, width), dtype=np.float32)
        for j, i in enumerate(batch_idx):
            batch[j, :, :, : tensors[i].shape[2]] = tensors[i]
        probs = run(batch)
        for j, i in enumerate(batch_idx):
            out[i] = ctc_decode(probs[j], charset)
    return out


class PPOCRv6Onnx(OcrEngine):
    name: ClassVar[str] = "ppocr-onnx"

    def __init__(self, threads: int = 0) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise MissingDependencyError("onnxruntime is not installed: pip install onnxruntime") from exc
        self.model_dir = rapidocr_model_dir()
        rec_path = self.model_dir / REC_MODEL
        if not rec_path.is_file():
            raise MissingDependencyError(f"PP-OCRv6 recognition weights not found at {rec_path}; "
                                         "reinstall rapidocr>=3.10 (nothing is downloaded at run time)")
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        # idle pool threads sleep instead of spinning: on a shared or busy 2-core box a spinning thread burns the
        # core another worker or stage needs (measured: -25% CPU for the same cell readings; no effect with 1 thread)
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._opts = opts
        self._threads = threads
        self.rec = ort.InferenceSession(str(rec_path), sess_options=opts, providers=["CPUExecutionProvider"])
        meta = self.rec.get_modelmeta().custom_metadata_map
        if "character" not in meta:
            raise MissingDependencyError(f"{rec_path} carries no character dictionary in its metadata")
        self.charset = ["<blank>", *meta["character"].split("\n"), " "]
        self._input = self.rec.get_inputs()[0].name
        self._det: Any = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ recognition

    def recognize_lines(self, crops: Sequence[np.ndarray]) -> list[LineRecognition]:
        with stage("recognize"):
            return recognize_batched(crops, lambda batch: self.rec.run(None, {self._input: batch})[0],
                                     self.charset)

    # ------------------------------------------------------------------ detection (fallback)

    def _detector(self) -> Any:
        with self._lock:
            if self._det is None:
                try:
                    from rapidocr import RapidOCR
                except ImportError as exc:
                    raise MissingDependencyError("rapidocr is not installed: pip install rapidocr") from exc
                # crops are cells, not pages: never upscale them (the default scales the short side up to 736 px,
                # which made a 40 px wide cell cost seconds), only shrink very large ones
                params: dict[str, Any] = {"Global.use_cls": False, "Global.log_level": "error",
                                          "Det.limit_type": "max", "Det.limit_side_len": DET_MAX_SIDE}
                if self._threads:
                    params["EngineConfig.onnxruntime.intra_op_num_threads"] = self._threads
                self._det = RapidOCR(params=params)
            return self._det

    def detect_and_recognize(self, image: np.ndarray) -> list[TextLine]:
        with stage("detect"):
            return self._detect_and_recognize(image)

    def _detect_and_recognize(self, image: np.ndarray) -> list[TextLine]:
        engine = self._detector()
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        res = engine(image, use_cls=False)
        lines: list[TextLine] = []
        if res is None or res.boxes is None:
            return lines
        for box, text, score in zip(res.boxes, res.txts, res.scores, strict=False):
            pts = np.asarray(box, dtype=float)
            lines.append(TextLine(text=str(text), confidence=float(score),
                                  bbox=BBox(float(pts[:, 0].min()), float(pts[:, 1].min()),
                                            float(pts[:, 0].max()), float(pts[:, 1].max()))))
        return lines

    def describe(self) -> dict[str, str]:
        return {"engine": self.name, "rec_model": REC_MODEL, "det_model": DET_MODEL,
                "weights_from": "rapidocr wheel"}


_ENGINES: dict[int, PPOCRv6Onnx] = {}
_ENGINES_LOCK = threading.Lock()


def get_engine(threads: int = 0) -> PPOCRv6Onnx:
    """One engine per process and thread setting (sessions are expensive to create)."""
    with _ENGINES_LOCK:
        if threads not in _ENGINES:
            _ENGINES[threads] = PPOCRv6Onnx(threads=threads)
        return _ENGINES[threads]


@hookimpl
def get_ocr_engine(config: PipelineConfig) -> OcrEngine | None:
    if config.ocr_engine != PPOCRv6Onnx.name:
        return None
    threads = config.ocr_threads or int(os.environ.get("FISCALSCAN_OCR_THREADS", "0") or 0)
    return get_engine(threads)
