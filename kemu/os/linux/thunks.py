"""Kernel entry points that must be real machine code, not Python services.

A 6.1 module calls `__fentry__` at the top of every function (ftrace), leaves every function
through `jmp __x86_return_thunk` (return-stack mitigations) and makes indirect calls through
`__x86_indirect_thunk_<reg>` (retpolines). None of them takes C arguments: they depend on the
exact register and stack state, so a trap into Python would be both slow and wrong. They are
assembled here with keystone into kernel text, doing what the kernel's versions do once
patched for a CPU without the mitigations: return, and jump to the register.

`__put_user_N` and `__get_user_N` have their own register convention (arch/x86/lib/putuser.S,
getuser.S in 6.1): the pointer in %ecx (put) or %eax (get), the value in %eax[:%edx] (put) or
returned in %edx[:%ecx] (get), the error in %ecx (put) or %eax (get), every other register
preserved. Their guest code saves what the trap would clobber, calls a plain C-convention
service that does the checked user access, and moves the results where the caller expects them.
"""
from __future__ import annotations

import functools
from typing import Callable

REGS = {"x86_64": ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11", "r12",
                   "r13", "r14", "r15"),
        "i386": ("eax", "ebx", "ecx", "edx", "esi", "edi", "ebp")}


@functools.lru_cache(maxsize=1024)
def assemble(arch: str, text: str, addr: int) -> bytes:
    """Machine code for `text` placed at `addr` (keystone)."""
    from kemu.keystone_radix import decimal_ks
    ks = decimal_ks(arch)
    code, _ = ks.asm(text, addr)
    return bytes(code)


def simple_thunks(arch: str) -> dict[str, str]:
    """name -> assembly of the thunks that need no service."""
    thunks = {"__fentry__": "ret", "__x86_return_thunk": "ret"}
    # the scheduler's static calls are static_calls.py's
    for reg in REGS[arch]:
        thunks[f"__x86_indirect_thunk_{reg}"] = f"jmp {reg}"
    return thunks


def user_access_thunks(arch: str, put_user: int, get_user: int) -> dict[str, str]:
    """__put_user_{1,2,4,8} and __get_user_{1,2,4,8}: register-convention wrappers around the
    C services at `put_user` (addr, value_lo, value_hi, size) -> 0|-EFAULT and `get_user`
    (addr, size, result_ptr) -> 0|-EFAULT."""
    out = {}
    if arch == "x86_64":
        saved = ("rax", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11")
        push = "; ".join(f"push {r}" for r in saved)
        pop = "; ".join(f"pop {r}" for r in reversed(saved))
        for n in (1, 2, 4, 8):
            # put: value in rax, pointer in rcx, error out in ecx
            out[f"__put_user_{n}"] = (f"{push}; mov rdi, rcx; mov rsi, rax; xor edx, edx; mov ecx, {n}; "
                                      f"mov rax, {put_user:#x}; call rax; mov rcx, rax; {pop}; ret")
            # get: pointer in rax; error out in rax, value in rdx
            gsaved = ("rcx", "rsi", "rdi", "r8", "r9", "r10", "r11")
            gpush = "; ".join(f"push {r}" for r in gsaved)
            gpop = "; ".join(f"pop {r}" for r in reversed(gsaved))
            out[f"__get_user_{n}"] = (f"{gpush}; sub rsp, 16; mov rdi, rax; mov esi, {n}; mov rdx, rsp; "
                                      f"mov rax, {get_user:#x}; call rax; mov rdx, [rsp]; add rsp, 16; "
                                      f"{gpop}; ret")
    else:
        for n in (1, 2, 4, 8):
            hi = "edx" if n == 8 else "0"
            # regparm(3) service: eax=addr, edx=value_lo, ecx=value_hi, then size on the stack
            out[f"__put_user_{n}"] = (f"push ebx; push eax; push edx; push {n}; push {hi}; mov edx, eax; "
                                      f"mov eax, ecx; pop ecx; mov ebx, {put_user:#x}; call ebx; "
                                      f"add esp, 4; mov ecx, eax; pop edx; pop eax; pop ebx; ret")
            # get: eax=addr -> eax=error, edx=value (ecx=high half for 8)
            keep = "push ebx; " if n == 8 else "push ebx; push ecx; "
            restore = "pop ebx; " if n == 8 else "pop ecx; pop ebx; "
            out[f"__get_user_{n}"] = (f"{keep}sub esp, 8; mov edx, {n}; mov ecx, esp; mov ebx, {get_user:#x}; "
                                      f"call ebx; mov edx, [esp]; "
                                      + ("mov ecx, [esp+4]; " if n == 8 else "")
                                      + f"add esp, 8; {restore}ret")
    return out


def install(machine, define: Callable[[str, int], None], sources: dict[str, str]) -> dict[str, int]:
    """Assemble each routine into kernel text and define it with `define(name, addr)`."""
    placed = {}
    for name, text in sources.items():
        size = len(assemble(machine.arch, text, 0)) + 16
        addr = machine.alloc("ktext", size, 16)
        machine.mem.load_code(addr, assemble(machine.arch, text, addr))
        define(name, addr)
        placed[name] = addr
    return placed
