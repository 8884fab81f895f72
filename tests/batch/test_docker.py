"""The Dockerfile (no Docker engine needed): its COPY sources exist, it installs this project, and its entry
command works when run directly on the host."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PNG, ROOT, copy

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    buf = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    return out


def args_of(name: str) -> list[str]:
    return [rest for word, rest in instructions() if word == name]


def exec_form(rest: str) -> list[str]:
    value = json.loads(rest)
    assert isinstance(value, list), rest
    return value


def optional_extras() -> set[str]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return set(tomllib.load(f)["project"].get("optional-dependencies", {}))


def test_base_user_volumes_healthcheck() -> None:
    (base,) = args_of("FROM")
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", base)
    users = args_of("USER")
    assert users and users[-1] not in ("root", "0")
    assert exec_form(args_of("ENTRYPOINT")[-1]) == ["fiscalscan"]
    assert {"/in", "/out"} <= set(exec_form(args_of("VOLUME")[-1]))
    (health,) = args_of("HEALTHCHECK")
    assert "fiscalscan" in health and "--version" in health


def test_copy_sources_exist() -> None:
    copies = args_of("COPY") + args_of("ADD")
    assert copies
    ignore = ROOT / ".dockerignore"
    ignored = ignore.read_text().split() if ignore.exists() else []
    for rest in copies:
        parts = [p for p in shlex.split(rest) if not p.startswith("--")]
        for src in parts[:-1]:
            assert (ROOT / src).exists(), f"COPY source {src} is not in the repository"
            assert src not in ignored, f"COPY source {src} is excluded by .dockerignore"


def test_installs_the_project_like_the_readme() -> None:
    installs = [r for r in args_of("RUN") if "pip install" in r]
    assert installs, "no pip install step"
    cmd = installs[-1].split("pip install", 1)[1].split("&&")[0]
    targets = [t for t in shlex.split(cmd) if not t.startswith("-")]
    assert targets, cmd
    target = targets[0]
    # ".", ".[x,y]" or ".${EXTRAS:+[$EXTRAS]}": the project itself, with extras defined in pyproject
    assert target == "." or target.startswith(".[") or target.startswith(".${"), target
    assert "-e" not in shlex.split(cmd), "the image must not use an editable install"
    extras = set(re.findall(r"\[([\w,-]+)\]", target))
    defined = optional_extras()
    for group in extras:
        assert set(group.split(",")) <= defined
    for arg in args_of("ARG"):
        name, _, default = arg.partition("=")
        if name == "EXTRAS" and default.strip('"'):
            assert set(default.strip('"').split(",")) <= defined
    # the README's install command (written separately) installs the same project from "."
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for m in re.finditer(r"pip install (?:-e )?['\"]?\.(?:\[([\w,-]+)\])?['\"]?", readme):
        if m.group(1):
            assert set(m.group(1).split(",")) <= defined


def _entry_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def _entrypoint() -> list[str]:
    exe = exec_form(args_of("ENTRYPOINT")[-1])
    found = shutil.which(exe[0], path=os.pathsep.join([str(Path(sys.executable).parent),
                                                         os.environ.get("PATH", "")]))
    if found is None:
        pytest.skip(f"{exe[0]} is not installed on this host")
    return [found, *exe[1:]]


def test_entry_command_on_host(tmp_path: Path) -> None:
    entry = _entrypoint()
    version = subprocess.run([*entry, "--version"], env=_entry_env(), capture_output=True, text=True,
                             timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("fiscalscan ")
    # the default CMD with /in and /out mapped to temp folders (what the VOLUMEs hold in the container)
    inp, out = tmp_path / "in", tmp_path / "out"
    copy(PNG, inp / "scan.png")
    cmd = [a.replace("/in", str(inp)).replace("/out", str(out)) for a in exec_form(args_of("CMD")[-1])]
    res = subprocess.run([*entry, *cmd, "--workers", "1"], env=_entry_env(), capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert (out / "scan" / "document.json").is_file()
    assert (out / "manifest.jsonl").is_file()
