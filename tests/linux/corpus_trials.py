"""Real Debian modules run as `kemu corpus` runs them (kemu/os/linux/corpus/trial.py: the
module's modules.dep chain loaded first, fallback stubs for missing functions, init, rmmod),
for tests that name a dependency root and the dependants that load once the root does.
Skips when tools/fetch_debian_modules.py has not unpacked the arch's tree."""
from __future__ import annotations

import functools

import pytest

from .conftest import load_tool

CLEAN = "init returned 0, clean unload"
DEPENDENCY_FAILED = "dependency failed"


@functools.lru_cache(maxsize=None)
def _chains(arch: str) -> tuple[str, dict]:
    from kemu.os.linux.corpus.plan import plan
    root = load_tool("fetch_debian_modules").modules_root(arch)
    if root is None:
        return "", {}
    return str(root), {t.name: t for t in plan(str(root), arch=arch, lenient=True)}


def corpus_record(arch: str, name: str) -> dict:
    """The corpus record of module `name` (as modinfo names it) on `arch`'s tree."""
    from kemu.os.linux.corpus.trial import run_module
    tree, tasks = _chains(arch)
    if not tree:
        pytest.skip(f"Debian's {arch} tree is not unpacked (python3 tools/fetch_debian_modules.py --arch {arch})")
    task = tasks.get(name)
    if task is None:
        pytest.skip(f"{name} is not in Debian's {arch} tree")
    return run_module(task)


def assert_clean(arch: str, name: str) -> dict:
    """Module `name`'s corpus record, asserted good by the honest measure: init 0, a clean
    unload, no leak, and no fallback stub called."""
    record = corpus_record(arch, name)
    assert record["outcome"] == "init returned 0, clean unload", record["detail"]
    assert record["fallback"] == []
    assert not record["leaks"]
    return record
