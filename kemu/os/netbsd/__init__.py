"""kemu.os.netbsd — NetBSD 10's module(9) framework (`.kmod` modules) on amd64 and i386.

`kemu.boot("netbsd", arch)` returns a `NetBSD` (system.py). The framework of kern_module.c is
modules.py, on the shared loader (kemu.kernel.loader); the kernel services a module calls are
services.py and proplib.py; the user tools (modload, modunload, modstat, sysctl) commands.py.
The facts it follows are in docs/netbsd-module.md.
"""
__all__ = ["NetBSD"]


def __getattr__(name: str):
    if name == "NetBSD":
        from .system import NetBSD
        return NetBSD
    raise AttributeError(name)
