"""kemu.os.netbsd_lkm — NetBSD 1.6 with its loadable kernel module facility (lkm(4)).

`NetBSDLKM` (system.py) is the booted kernel with the Python API; `Shell` (shell.py) the console
with modload/modstat/modunload (commands/), od, ls -l and friends. Layouts of the structures shared
with modules are in layouts.py, the LKM table in lkm.py, cdevsw/bdevsw in devsw.py.
"""
from __future__ import annotations

__all__ = ["NetBSDLKM", "Shell", "ModuleLoadError", "LoadResult", "ModuleStat"]


def __getattr__(name: str):
    if name in ("NetBSDLKM", "ModuleLoadError", "GuestCrash"):
        from . import system
        return getattr(system, name)
    if name == "Shell":
        from .shell import Shell
        return Shell
    if name == "LoadResult":
        from .loading import LoadResult
        return LoadResult
    if name == "ModuleStat":
        from .lkm import ModuleStat
        return ModuleStat
    raise AttributeError(name)
