"""kemu.os — one personality per emulated system (contract: docs/interfaces.md §5).

`boot(name, arch)` returns a booted system; the personality is imported only when asked for,
so `import kemu` stays cheap.
"""
from __future__ import annotations

from typing import Any

#: name -> (module, class) of each personality
SYSTEMS = {
    "netbsd-lkm": ("kemu.os.netbsd_lkm.system", "NetBSDLKM"),
    "netbsd": ("kemu.os.netbsd.system", "NetBSD"),
    "freebsd": ("kemu.os.freebsd.system", "FreeBSD"),
    "linux": ("kemu.os.linux.system", "Linux"),
}


def boot(name: str, arch: str = "i386", **options: Any):
    """A freshly booted system: `boot("netbsd-lkm", "x86_64")` (`"amd64"` names x86_64 too)."""
    import importlib

    from kemu.arch import canonical_arch
    try:
        module_name, class_name = SYSTEMS[name]
    except KeyError:
        raise ValueError(f"unknown system {name!r}; kemu knows: {', '.join(sorted(SYSTEMS))}") from None
    arch = canonical_arch(arch)
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(arch, **options)
