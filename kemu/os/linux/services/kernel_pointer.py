"""A kernel structure pointer a module hands to a service, checked the way the kernel finds
out: dereferencing NULL or unmapped memory is an oops ("BUG: kernel NULL pointer dereference",
"BUG: unable to handle page fault for address"). Without the check the service framework would
turn the fault into a silent -EFAULT, which no kernel function of this kind returns."""
from __future__ import annotations

from kemu.kernel import KernelPanic


def kernel_struct(k, addr: int, struct: str, what: str) -> int:
    """`addr` if `struct` fits mapped memory there; else the oops, naming `what` was passed."""
    size = k.linux.layout.size(struct)
    if addr < 4096:
        raise KernelPanic(f"BUG: kernel NULL pointer dereference, address: {addr:#x} ({what})")
    if not k.machine.mem.is_mapped(addr, size):
        raise KernelPanic(f"BUG: unable to handle page fault for address: {addr:#x} ({what})")
    return addr
