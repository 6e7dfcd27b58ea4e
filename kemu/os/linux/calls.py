"""Calling a kernel function (an export of vmlinux or of a loaded module) from Python, as
another kernel module would: `system.call("crc7_be", 0, b"123456789", 9)`.

Integer arguments travel as they are (the machine's ABI: regparm(3) on i386); a `bytes`
argument is copied into a kernel buffer that lives for the call and is passed as its address.
The call is guarded: a fault is an oops in dmesg and a GuestCrash, the machine stays usable.
"""
from __future__ import annotations

from kemu.kernel import KernelError, guarded_call


class NoSuchFunction(KernelError):
    """The name is not a function the kernel or a loaded module defines."""


def function_address(system, name: str) -> int:
    """Where the function `name` is: a vmlinux export kemu implements or a module's export."""
    sym = system.kernel.symbols.get(name)
    if sym is None or sym.kind != "func":
        loaded = ", ".join(m.name for m in system.modules()) or "none"
        raise NoSuchFunction(f"no kernel function {name!r} (loaded modules: {loaded})")
    return sym.addr


def call_function(system, name: str, *args: "int | bytes") -> int:
    """Call `name(*args)`; its raw return word. Bytes arguments become kernel buffers."""
    addr = function_address(system, name)
    heap, mem = system.kernel.heap, system.machine.mem
    buffers, words = [], []
    try:
        for arg in args:
            if isinstance(arg, (bytes, bytearray)):
                buf = heap.alloc(max(len(arg), 1), "call argument")
                mem.write(buf, bytes(arg))
                buffers.append(buf)
                words.append(buf)
            elif isinstance(arg, int):
                words.append(arg & ((1 << (8 * system.machine.word_size)) - 1))
            else:
                raise TypeError(f"{name}: argument {arg!r} is neither an int nor bytes")
        return guarded_call(system.kernel, addr, *words, what=name, timeout=system.call_timeout)
    finally:
        for buf in buffers:
            heap.free(buf)
