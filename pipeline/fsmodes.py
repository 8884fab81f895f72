"""Permissions of what fiscalscan writes: the modes a plain ``mkdir`` / ``open`` would give under the process
umask (0755 / 0644 under the usual 022).

``tempfile.mkdtemp`` and ``mkstemp`` create 0700 / 0600 on purpose (private temp files); the staging folders
and temp files that are renamed into place become the published outputs, so they get these modes first.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

_lock = threading.Lock()


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux: /proc/self/status)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _lock:  # elsewhere: set and restore (other threads calling os.umask meanwhile would race)
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def dir_mode() -> int:
    return 0o777 & ~current_umask()


def file_mode() -> int:
    return 0o666 & ~current_umask()


def publish_dir(path: str | os.PathLike[str]) -> None:
    """Give a folder made by ``tempfile.mkdtemp`` the mode ``mkdir`` would have given it."""
    os.chmod(path, dir_mode())


def publish_fd(fd: int) -> None:
    """Give a file opened by ``tempfile.mkstemp`` the mode ``open(..., "w")`` would have given it."""
    os.fchmod(fd, file_mode())
