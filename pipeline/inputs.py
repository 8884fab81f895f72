"""Which given paths are documents to read, and the output folder name each gets.

Only regular files are read: a named pipe (FIFO), a device (``/dev/zero``), a socket or a symlink loop is
never opened (reading one would block forever or never end); it is reported with one line and skipped.

Output names, one rule for ``run`` and ``batch`` (unique within a run, the same for the same inputs in every
run, so ``batch --resume`` finds its outputs again):

1. an input's path below its *root*, without the suffix, folders joined by ``__``: the root of a file found
   in a given folder (``run FOLDER``, ``batch INPUT_DIR``) is that folder (``a/b/x.pdf`` -> ``a__b__x``); the
   root of a file given by itself is the folder it is in (``scans/x.pdf`` -> ``x``);
2. inputs from different roots that get the same name take their path below the deepest folder their roots
   share (``run a/pdf/scan.pdf b/pdf/scan.pdf`` -> ``a__pdf__scan``, ``b__pdf__scan``);
3. inputs whose names still collide keep their suffix (``x.png``, ``x.tif`` -> ``x.png``, ``x.tif``);
4. any name still shared (different spellings joined to the same name) gets ``~2``, ``~3``... in path order.

This was ``batch``'s rule already; ``run`` named by stem and joined colliding paths with ``-`` before
(``a-pdf-scan``), so ``run`` output folders of colliding or foldered inputs are named differently now, while
``batch --resume`` keeps finding every output of an earlier batch.
"""

from __future__ import annotations

import errno
import os
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePath


def not_a_file(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` is not a regular file that can be read (None when it is one).  Never opens it."""
    try:
        st = os.stat(path)  # follows symlinks: a link to /dev/zero is a device
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop (too many levels of symbolic links)"
        return exc.strerror or str(exc)
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder"
    if stat.S_ISFIFO(mode):
        return "named pipe (FIFO), not a regular file: not read"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device, not a regular file: not read"
    if stat.S_ISSOCK(mode):
        return "socket, not a regular file: not read"
    return "not a regular file: not read"


def is_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def expand(items: Iterable[str], suffixes: Iterable[str]) -> tuple[list[Path], list[str]]:
    """Files as given and the supported files inside given folders (recursively, sorted; symlinked folders
    are not followed), each file once; and one line per given path or found entry that cannot be read."""
    wanted = {s.lower() for s in suffixes}
    out: list[Path] = []
    problems: list[str] = []
    seen: set[str] = set()

    def add(p: Path) -> None:
        why = not_a_file(p)
        if why is not None:
            problems.append(f"{p}: {why}")
            return
        key = os.path.realpath(p)
        if key not in seen:  # the same file given twice is read once
            seen.add(key)
            out.append(p)

    for item in items:
        p = Path(item)
        if is_dir(p):
            for f in sorted(p.rglob("*")):
                if f.suffix.lower() in wanted and not f.name.startswith(".") and not is_dir(f):
                    add(f)
        else:
            add(p)
    return out, problems


def _dedupe(names: list[str], keys: Sequence[str], next_name: Callable[[int], str] | None) -> list[str]:
    """Replace every name shared by several inputs with ``next_name(i)`` (or a counter when None)."""
    counts = Counter(names)
    if next_name is not None:
        return [next_name(i) if counts[n] > 1 else n for i, n in enumerate(names)]
    out = list(names)
    taken = set(names)
    for n in sorted(k for k, c in counts.items() if c > 1):
        group = sorted((i for i, m in enumerate(names) if m == n), key=lambda i: keys[i])
        for k, i in enumerate(group[1:], start=2):
            while f"{n}~{k}" in taken:
                k += 1
            out[i] = f"{n}~{k}"
            taken.add(out[i])
    return out


SEP = "__"


def _joined(rel: PurePath, keep_suffix: bool = False) -> str:
    return SEP.join((rel if keep_suffix else rel.with_suffix("")).parts)


def unique_names(paths: Sequence[PurePath], roots: Sequence[PurePath | None] | None = None) -> list[str]:
    """Output names by the module's rule.  ``paths`` are absolute, or all relative to one root; ``roots[i]``
    is the folder ``paths[i]`` was found in (None, or no ``roots``: a file given by itself, rooted in its own
    folder)."""
    keys = [str(p) for p in paths]
    root_of = [r if r is not None else p.parent
               for p, r in zip(paths, roots if roots is not None else [None] * len(paths), strict=True)]
    rels = [p.relative_to(r) for p, r in zip(paths, root_of, strict=True)]
    names = [_joined(r) for r in rels]
    for name in sorted({n for n, c in Counter(names).items() if c > 1}):  # step 2
        group = [i for i, n in enumerate(names) if n == name]
        if len({root_of[i] for i in group}) > 1:
            common = PurePath(os.path.commonpath([str(root_of[i]) for i in group]))
            for i in group:
                rels[i] = paths[i].relative_to(common)
                names[i] = _joined(rels[i])
    names = _dedupe(names, keys, lambda i: _joined(rels[i], keep_suffix=True))  # step 3: keep the suffix
    return _dedupe(names, keys, None)  # step 4: counter
