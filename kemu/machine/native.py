"""Direct ctypes access to libunicorn for the hot paths.

The Python binding wraps every hook in a closure with exception bookkeeping, resets its
saved exception on each `emu_start` (which breaks nested runs), and costs ~1.4 µs per
register access. The trap round trip and `Machine.call` go through the C library directly,
with argument arrays allocated once.
"""
from __future__ import annotations

import ctypes

from unicorn import unicorn_const as ucc
from unicorn.unicorn_py3.unicorn import (HOOK_CODE_CFUNC, HOOK_INTR_CFUNC, HOOK_MEM_ACCESS_CFUNC,
                                         HOOK_TLB_FILL_CFUNC, uclib, uc_tlb_entry)

__all__ = ["uclib", "HOOK_CODE_CFUNC", "HOOK_INTR_CFUNC", "HOOK_MEM_ACCESS_CFUNC",
           "HOOK_TLB_FILL_CFUNC", "uc_tlb_entry", "RegisterBatch", "error_name"]

emu_start = uclib.uc_emu_start
emu_stop = uclib.uc_emu_stop
context_save = uclib.uc_context_save
context_restore = uclib.uc_context_restore


def error_name(code: int) -> str:
    """"UC_ERR_READ_UNMAPPED" for 6, etc."""
    for name in dir(ucc):
        if name.startswith("UC_ERR_") and getattr(ucc, name) == code:
            return name
    return f"UC_ERR_{code}"


class RegisterBatch:
    """A fixed list of 64-bit registers read or written with one library call.

    The arrays are allocated once; `write(values)` and `read()` then cost one ctypes call.
    """

    def __init__(self, handle: int, reg_ids: list[int]) -> None:
        n = len(reg_ids)
        self._handle = handle
        self._n = n
        self._ids = (ctypes.c_int * n)(*reg_ids)
        self._vals = (ctypes.c_uint64 * n)()
        self._ptrs = (ctypes.c_void_p * n)(*[ctypes.addressof(self._vals) + 8 * i for i in range(n)])

    def write(self, values: list[int]) -> None:
        self._vals[:] = values
        err = uclib.uc_reg_write_batch(self._handle, self._ids, self._ptrs, self._n)
        if err:
            raise RuntimeError(f"uc_reg_write_batch failed: {error_name(err)}")

    def read(self) -> list[int]:
        err = uclib.uc_reg_read_batch(self._handle, self._ids, self._ptrs, self._n)
        if err:
            raise RuntimeError(f"uc_reg_read_batch failed: {error_name(err)}")
        return self._vals[:]


def hook_add(handle: int, htype: int, cfunc: object, begin: int = 1, end: int = 0) -> int:
    """Register an already-built CFUNCTYPE callback; returns the hook handle."""
    h = ctypes.c_size_t()
    err = uclib.uc_hook_add(handle, ctypes.byref(h), htype, cfunc, None,
                            ctypes.c_uint64(begin), ctypes.c_uint64(end))
    if err:
        raise RuntimeError(f"uc_hook_add failed: {error_name(err)}")
    return h.value


def hook_del(handle: int, hook: int) -> None:
    err = uclib.uc_hook_del(handle, ctypes.c_size_t(hook))
    if err:
        raise RuntimeError(f"uc_hook_del failed: {error_name(err)}")


class Context:
    """A preallocated CPU context for saving/restoring around nested runs."""

    def __init__(self, handle: int) -> None:
        self._handle = handle
        self.ptr = ctypes.c_void_p()
        err = uclib.uc_context_alloc(handle, ctypes.byref(self.ptr))
        if err:
            raise RuntimeError(f"uc_context_alloc failed: {error_name(err)}")

    def save(self) -> None:
        context_save(self._handle, self.ptr)

    def restore(self) -> None:
        context_restore(self._handle, self.ptr)

    def __del__(self) -> None:
        try:
            uclib.uc_context_free(self.ptr)
        except Exception:
            pass
