"""Anonymous user mappings made from the kernel (mm/util.c vm_mmap, mm/mmap.c vm_munmap;
6.1), as test modules use them to get user memory of their own (lib/test_user_copy.c).

vm_mmap maps zeroed, page-aligned user memory in the current process — kemu's user address
space (kernel.user) — and returns its address; vm_munmap unmaps it, after which a user
copy to it faults (-EFAULT) as it would. kemu has no files to map: a file mapping is
-ENODEV; a mapping that is neither anonymous nor of a file, or of length 0, is -EINVAL, as
do_mmap refuses it. Protections are not enforced (user memory is read-write). Mappings left
at a module's unload belong to the process that loaded it; kemu unmaps them then.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .owner import owning_module

table = ServiceTable("vm_mmap")

PAGE_SIZE = 4096
MAP_ANONYMOUS = 0x20


def _mappings(k) -> dict[int, int]:
    return k.linux.__dict__.setdefault("vm_mappings", {})


def _err(k, errno: int) -> int:
    return (-errno) & ((1 << (8 * k.machine.word_size)) - 1)


@table.service("unsigned long vm_mmap(struct file *file, unsigned long addr, unsigned long len, "
               "unsigned long prot, unsigned long flag, unsigned long offset)", needs_call=True)
def vm_mmap(k, file: int, addr: int, len: int, prot: int, flag: int, offset: int, call=None) -> int:
    """The address of a new anonymous mapping of `len` bytes (rounded up to pages), or an
    errno as the kernel returns it (see the module docstring)."""
    if file:
        return _err(k, k.linux.errno.ENODEV)
    if not flag & MAP_ANONYMOUS or not len or offset & (PAGE_SIZE - 1):
        return _err(k, k.linux.errno.EINVAL)
    size = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
    try:
        start = k.user.alloc(size, PAGE_SIZE)
    except Exception:
        return _err(k, k.linux.errno.ENOMEM)
    _mappings(k)[start] = size
    module = owning_module(k, call)
    if module is not None:
        module.on_unload(f"user mapping {start:#x}", lambda: _unmap(k, start))
    return start


def _unmap(k, start: int) -> bool:
    if _mappings(k).pop(start, None) is None:
        return False
    k.user.free(start)
    return True


@table.service("int vm_munmap(unsigned long start, size_t len)", needs_call=True)
def vm_munmap(k, start: int, len: int, call=None) -> int:
    """Unmap a whole mapping vm_mmap made (0); an unaligned start is -EINVAL; a range with no
    mapping is 0 (nothing to do), as munmap says; part of a mapping is not supported by kemu
    (-EINVAL with a message)."""
    if start & (PAGE_SIZE - 1):
        return -k.linux.errno.EINVAL
    size = _mappings(k).get(start)
    if size is None:
        return 0
    if (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1) != size:
        k.linux.pr(f"kemu: vm_munmap of part of the mapping at {start:#x} is not supported", 4)
        return -k.linux.errno.EINVAL
    _unmap(k, start)
    module = owning_module(k, call)
    if module is not None:
        module.forget_undo(f"user mapping {start:#x}")
    return 0


@table.service("void mmu_notifier_synchronize(void)")
def mmu_notifier_synchronize(k) -> None:
    """Wait for the SRCU callbacks that free put mmu notifiers (mmu_notifier_put queues them).
    kemu registers no mmu notifiers and runs nothing concurrently, so none is pending and
    the grace period has passed: it returns at once, as the kernel does with none queued."""
