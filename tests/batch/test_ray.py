"""--ray: the same outputs, manifest and resume semantics on a local Ray cluster."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import HERE, PDF, PNG, ROOT, copy

from pipeline.batch import LocalStore, last_records, run_batch
from pipeline.config import PipelineConfig

pytestmark = pytest.mark.ray


def test_ray_local_cluster(tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    inp, out = tmp_path / "in", tmp_path / "out"
    copy(PNG, inp / "budget.png")
    copy(PDF, inp / "sub" / "final.pdf")
    (inp / "empty.pdf").write_bytes(b"")
    copy(PNG, inp / "x-crashme.png")  # the test plugin kills the actor that opens it
    env = {"PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)]), "OMP_NUM_THREADS": "1",
           "FISCALSCAN_EXTRA_PLUGINS": "crash_plugin"}
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": env})
    try:
        store = LocalStore(inp, out)
        config = PipelineConfig(ocr_threads=1)
        res = run_batch(store, config, workers=2, ray_address="auto")
        assert (res.done, res.failed) == (2, 2)
        recs = last_records(store.read_manifest())
        assert recs["sub/final.pdf"]["pages"] == 3
        assert (out / "sub__final" / "document.json").is_file()
        assert (out / "budget" / "document.json").is_file()
        assert "empty file" in recs["empty.pdf"]["error"]
        assert "worker crashed (Ray actor died)" in recs["x-crashme.png"]["error"]
        (inp / "x-crashme.png").unlink()
        res = run_batch(store, config, workers=2, ray_address="auto")
        assert (res.done, res.failed, res.skipped) == (0, 1, 2)
    finally:
        ray.shutdown()


def test_missing_ray_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from pipeline.errors import MissingDependencyError
    from pipeline.plugin_manager import require

    real = builtins.__import__

    def fake(name: str, *a: object, **k: object) -> object:
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    monkeypatch.delitem(__import__("sys").modules, "ray", raising=False)
    with pytest.raises(MissingDependencyError, match=r"fiscalscan\[ray\]"):
        require("ray", "ray")
