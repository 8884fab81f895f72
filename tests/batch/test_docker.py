"""The Dockerfile (no Docker engine needed): its COPY sources exist, it installs this project, and its entry
command works when run directly on the host."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
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


ENTRY_SCRIPT = ROOT / "docker" / "entrypoint.sh"
USER_UID = 4321  # stands for the host user who owns the scans


def test_base_user_volumes_healthcheck() -> None:
    (base,) = args_of("FROM")
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", base)
    users = args_of("USER")
    # the process never runs as root by default: either USER is a plain user, or the image starts as root only
    # for docker/entrypoint.sh, which drops to the output folder's owner (tested below)
    entry = exec_form(args_of("ENTRYPOINT")[-1])
    if users and users[-1] not in ("root", "0"):
        assert entry == ["fiscalscan"]
    else:
        assert entry == ["fiscalscan-entrypoint"]
        assert any(f"docker/entrypoint.sh /usr/local/bin/{entry[0]}" in c for c in args_of("COPY"))
        assert "setpriv" in ENTRY_SCRIPT.read_text(encoding="utf-8")
        assert any("useradd" in r and "10001" in r for r in args_of("RUN"))
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


def _fiscalscan() -> str:
    found = shutil.which("fiscalscan", path=os.pathsep.join([str(Path(sys.executable).parent),
                                                            os.environ.get("PATH", "")]))
    if found is None:
        pytest.skip("fiscalscan is not installed on this host")
    return found


def _entrypoint() -> list[str]:
    """The image's entrypoint as a host command: the script (running the host's fiscalscan) or fiscalscan."""
    exe = exec_form(args_of("ENTRYPOINT")[-1])
    if exe == ["fiscalscan-entrypoint"]:
        return ["sh", str(ENTRY_SCRIPT)]
    assert exe == ["fiscalscan"], exe
    return [_fiscalscan()]


def readme_docker_args() -> list[str]:
    """The arguments after the image name in the README's `docker run` one-liner."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"docker run (--rm )?(-v \S+ )+fiscalscan ([^\n`]*)", readme)
    assert m, "README has no `docker run ... fiscalscan ...` command"
    mounts = {dst: src for src, dst in re.findall(r'-v "\$PWD/(\w+):(/\w+)(?::ro)?"', m.group(0))}
    assert mounts == {"/in": "scans", "/out": "out"}, mounts
    return shlex.split(m.group(3))


def _mapped(args: list[str], inp: Path, out: Path) -> list[str]:
    return [a.replace("/in", str(inp)).replace("/out", str(out)) for a in args]


def _shared_tmp() -> Path:
    """A temp folder another uid can reach (pytest's tmp_path is private to root)."""
    base = Path(tempfile.mkdtemp(prefix="fiscalscan-docker-", dir="/tmp"))
    os.chmod(base, 0o755)
    return base


needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("setpriv"),
                                reason="the entrypoint's user switch needs root and setpriv (as in the image)")


def test_entry_command_on_host(tmp_path: Path) -> None:
    entry = _entrypoint()
    env = {**_entry_env(), "FISCALSCAN_BIN": _fiscalscan()}
    version = subprocess.run([*entry, "--version"], env=env, capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("fiscalscan ")
    # the README's command, run by fiscalscan itself (the entrypoint's user switch: next tests)
    inp, out = tmp_path / "in", tmp_path / "out"
    copy(PNG, inp / "scan.png")
    res = subprocess.run([_fiscalscan(), *_mapped(readme_docker_args(), inp, out), "--workers", "1"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert (out / "scan" / "document.json").is_file()


@needs_root
def test_readme_docker_command_through_the_entrypoint() -> None:
    """What `docker run -v "$PWD/scans:/in:ro" -v "$PWD/out:/out" fiscalscan batch /in --out /out` does, minus
    the engine: Docker creates the missing out/ as root; the entrypoint gives it to the scans' owner and runs
    the batch as that user; every output is theirs with modes 0755/0644 under umask 022."""
    fiscalscan = _fiscalscan()
    base = _shared_tmp()
    try:
        scans, out = base / "scans", base / "out"
        copy(PNG, scans / "scan.png")
        for p in (scans, scans / "scan.png"):
            os.chown(p, USER_UID, USER_UID)
        out.mkdir()  # made by the Docker daemon for the -v mount: root's
        env = {**_entry_env(), "FISCALSCAN_BIN": fiscalscan, "FISCALSCAN_IN": str(scans)}
        # the batch spawns worker interpreters: the uid must be able to start this Python (in the image it
        # is /usr/local/bin/python3; a host Python under /root, as pyenv installs it, is out of its reach)
        probe = subprocess.run(["setpriv", f"--reuid={USER_UID}", f"--regid={USER_UID}", "--clear-groups",
                                sys.executable, "-c", "import subprocess, sys; "
                                "sys.exit(subprocess.run([sys.executable, '-c', 'import pipeline']).returncode)"],
                               env=env, cwd=base, capture_output=True, text=True, timeout=60)
        if probe.returncode != 0:
            pytest.skip(f"uid {USER_UID} cannot start this host's Python ({sys.executable}): "
                        f"{probe.stderr.strip().splitlines()[-1:]}")
        res = subprocess.run(["sh", "-c", 'umask 022 && exec sh "$@"', "sh", str(ENTRY_SCRIPT),
                              *_mapped(readme_docker_args(), scans, out)],
                             env=env, capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stdout + res.stderr
        assert (out / "scan" / "document.json").is_file() and (out / "manifest.jsonl").is_file()
        paths = [out, *out.rglob("*")]
        assert {(p.stat().st_uid, p.stat().st_gid) for p in paths} == {(USER_UID, USER_UID)}
        for p in paths:
            want = 0o755 if p.is_dir() else 0o644
            assert stat.S_IMODE(p.stat().st_mode) == want, (p, oct(p.stat().st_mode))
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _stub(base: Path) -> Path:
    """Stands for fiscalscan: records who ran it and writes a file into the output folder."""
    stub = base / "stub.sh"
    stub.write_text('#!/bin/sh\nid -u > "$FISCALSCAN_OUT/who"\necho "$HOME" >> "$FISCALSCAN_OUT/who"\n')
    stub.chmod(0o755)
    return stub


@needs_root
@pytest.mark.parametrize(("out_owner", "in_owner", "out_empty", "runs_as"), [
    (USER_UID, 0, True, USER_UID),   # out/ made beforehand by the host user
    (0, USER_UID, True, USER_UID),   # out/ made by Docker: the scans' owner gets it
    (0, 0, True, 10001),             # nobody but root around: the image's own user
    (0, 0, False, 0),                # root's non-empty folder: the host user is root
])
def test_entrypoint_picks_the_output_folders_owner(out_owner: int, in_owner: int, out_empty: bool,
                                                   runs_as: int) -> None:
    base = _shared_tmp()
    try:
        inp, out = base / "in", base / "out"
        inp.mkdir()
        out.mkdir()
        os.chown(inp, in_owner, in_owner)
        if not out_empty:
            (out / "old.txt").write_text("x")
        os.chown(out, out_owner, out_owner)
        env = {**os.environ, "FISCALSCAN_BIN": str(_stub(base)), "FISCALSCAN_IN": str(inp),
               "FISCALSCAN_OUT": str(out)}
        res = subprocess.run(["sh", str(ENTRY_SCRIPT), "batch", str(inp), "--out", str(out)], env=env,
                             capture_output=True, text=True, timeout=30)
        assert res.returncode == 0, res.stderr
        who = (out / "who").read_text().split()
        assert int(who[0]) == runs_as
        assert out.stat().st_uid == runs_as or runs_as == 0
        assert (out / "who").stat().st_uid == runs_as
        if runs_as not in (0, 10001):
            assert who[1] == "/tmp"  # a HOME that uid can write
        # --user given (not root): the entrypoint only runs the command
        res = subprocess.run(["setpriv", f"--reuid={USER_UID}", f"--regid={USER_UID}", "--clear-groups", "sh",
                              str(ENTRY_SCRIPT), "-u"],
                             env={**env, "FISCALSCAN_BIN": "id"}, capture_output=True, text=True, timeout=30)
        assert res.returncode == 0 and res.stdout.strip() == str(USER_UID), res.stdout + res.stderr
    finally:
        shutil.rmtree(base, ignore_errors=True)
