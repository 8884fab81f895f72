"""Which given paths are documents to read, and the output folder name each gets.

Only regular files are read: a named pipe (FIFO), a device (``/dev/zero``), a socket or a symlink loop is
never opened (reading one would block forever or never end); it is reported with one line and skipped.

Output names, one rule for ``run`` and ``batch`` (unique within a run, the same for the same inputs in every
run, so ``--resume`` finds its outputs again):

1. ``run``: the file's stem (``scans/x.pdf`` -> ``x``); ``batch``: its path below INPUT_DIR without the
   suffix, folders joined by ``__`` (``a/b/x.pdf`` -> ``a__b__x``);
2. ``run`` inputs whose stems collide take their path below the deepest folder they share, joined by ``-``
   (``a/pdf/scan.pdf``, ``b/pdf/scan.pdf`` -> ``a-pdf-scan``, ``b-pdf-scan``);
3. inputs whose names still collide keep their suffix (``x.png``, ``x.tif`` -> ``x.png``, ``x.tif``);
4. any name still shared (different spellings joined to the same name) gets ``~2``, ``~3``... in path order.
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


def _below_common(paths: Sequence[PurePath], group: Sequence[int]) -> dict[int, PurePath]:
    if len(group) == 1:
        return {group[0]: PurePath(paths[group[0]].name)}
    common = PurePath(os.path.commonpath([str(paths[i].parent) for i in group]))
    return {i: paths[i].relative_to(common) for i in group}


def unique_names(paths: Sequence[PurePath], *, sep: str = "-", stem_first: bool = True) -> list[str]:
    """Output names by the module's rule.  ``paths`` are absolute (``run``) or relative to INPUT_DIR
    (``batch``, ``stem_first=False``, ``sep="__"``)."""
    keys = [str(p) for p in paths]
    if stem_first:
        names = [p.stem for p in paths]
        # step 2: colliding stems -> path below the deepest folder the group shares
        for stem in sorted({n for n, c in Counter(names).items() if c > 1}):
            group = [i for i, n in enumerate(names) if n == stem]
            for i, rel in _below_common(paths, group).items():
                names[i] = sep.join(rel.with_suffix("").parts)
        rel_of = {i: r for n in set(names) for i, r in _below_common(
            paths, [j for j, m in enumerate(names) if m == n]).items()}
    else:
        names = [sep.join(p.with_suffix("").parts) for p in paths]
        rel_of = dict(enumerate(paths))
    names = _dedupe(names, keys, lambda i: sep.join(rel_of[i].parts))  # step 3: keep the suffix
    return _dedupe(names, keys, None)  # step 4: counter
