"""Which modules a corpus run covers, and what each needs loaded first.

The tree is a /lib/modules/RELEASE directory (Debian's unpacked package): its modules.dep
when it has one, as modprobe reads it; otherwise depmod.py indexes it as kmod's depmod
would. Each module's task carries its modules.dep line reversed (the deepest dependency
first), so a worker never reads the index itself."""
from __future__ import annotations

import fnmatch
import os
from typing import Callable

from ..depmod import modules_dep, parse_dep
from .trial import Task


class CorpusError(Exception):
    """The tree cannot be run (not a directory, no modules, an unreadable module)."""


def plan(tree: str, *, arch: str = "x86_64", only: list[str] | None = None, lenient: bool = False,
         call_timeout: float = 5.0, limit: int | None = None,
         warn: Callable[[str], None] | None = None) -> list[Task]:
    """One task per module below `tree` (sorted by path), restricted to paths or module names
    matching any of the `only` globs, at most `limit` of them; `warn` gets depmod's complaints
    about files that are not modules (those still get a task: insmod refuses them)."""
    from ..depmod import DepmodError
    if not os.path.isdir(tree):
        raise CorpusError(f"kemu corpus: {tree}: not a directory")
    try:
        index = parse_dep(_modules_dep_text(tree, warn))
    except DepmodError as exc:
        raise CorpusError(str(exc)) from None
    if not index:
        raise CorpusError(f"kemu corpus: {tree}: no kernel modules (*.ko) below it")
    tasks = []
    for name, (path, *deps) in sorted(index.items(), key=lambda kv: kv[1][0]):
        if only and not any(fnmatch.fnmatch(path, g) or fnmatch.fnmatch(name, g)
                            or fnmatch.fnmatch(os.path.basename(path), g) for g in only):
            continue
        tasks.append(Task(tree=os.path.abspath(tree), path=path, chain=list(reversed(deps)),
                          arch=arch, lenient=lenient, call_timeout=call_timeout))
    return tasks[:limit] if limit is not None else tasks


def _modules_dep_text(tree: str, warn: Callable[[str], None] | None) -> str:
    """The tree's own modules.dep when it has one (modprobe reads that), else depmod's."""
    shipped = os.path.join(tree, "modules.dep")
    if os.path.isfile(shipped):
        with open(shipped, encoding="utf-8", errors="replace") as f:
            return f.read()
    return modules_dep(tree, warn)
