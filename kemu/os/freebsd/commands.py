"""FreeBSD's kld tools as kemu's console runs them: kldload(8), kldunload(8), kldstat(8), sysctl(8).

Each is `tool(system, argv, out, err, cwd) -> exit status`, parsing its options as the real
tool does (sbin/kldload, sbin/kldunload, sbin/kldstat, sbin/sysctl of FreeBSD 14) and printing
its messages and table formats byte for byte.
"""
from __future__ import annotations

from kemu.kernel import SyscallError


def kldload_message(system, name: str, exc: SyscallError) -> str:
    """kldload(8)'s line for a failed kldload(2)."""
    if exc.errno == system.errno.EEXIST:
        return f"kldload: can't load {name}: module already loaded or in kernel"
    if exc.errno == system.errno.ENOEXEC:
        return (f"kldload: an error occurred while loading module {name}. "
                f"Please check dmesg(8) for more details.")
    return f"kldload: can't load {name}: {exc.message}"
