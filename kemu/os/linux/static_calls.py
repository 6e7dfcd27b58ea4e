"""The static-call trampolines (`__SCT__*`) vmlinux exports, pointing where a booted 6.1 kernel
points them.

A module's `static_call(name)(args)` is a `call __SCT__name`; the trampoline is a `jmp` to the
current target (or a `ret` when the target is NULL), and `__SCK__name.func` holds that target.
Which target a booted Debian 6.1 has (CONFIG_PREEMPT_DYNAMIC, voluntary preemption by
default, so sched_dynamic_update(preempt_dynamic_voluntary) has run):

* `cond_resched`, `might_resched` -> `__cond_resched`, which returns whether it rescheduled:
  with one task there is never another to run, so it returns 0;
* `preempt_schedule`, `preempt_schedule_notrace` -> NULL (disabled): the trampoline returns;
* `tp_func_<tp>` -> `__traceiter_<tp>` (DEFINE_TRACE_FN; tracepoint_update_call leaves the
  iterator there while no single probe is attached). The iterator is the kernel's: it walks
  `__tracepoint_<tp>.funcs` (the last member of struct tracepoint) and calls every probe with
  its own data pointer in place of the first argument and the caller's other arguments,
  stack-passed ones included (up to STACK_ARGS words); with no probe it returns 0.

Module-defined static calls (kvm's `__SCT__kvm_x86_*`) are the exporting module's business.
The routines are laid out in one block of kernel text at boot: one assembled template per
arch, the tracepoint's address patched in, so a few hundred tracepoints cost one write.
"""
from __future__ import annotations

import functools
import struct

from . import exports as kernel_exports
from .thunks import assemble

#: trampolines whose target is __cond_resched in voluntary-preemption mode
COND_RESCHED = ("__SCT__cond_resched", "__SCT__might_resched")
#: trampolines whose target is NULL in voluntary-preemption mode (a `ret`)
DISABLED = ("__SCT__preempt_schedule", "__SCT__preempt_schedule_notrace")
TP_PREFIX = "__SCT__tp_func_"
#: stack words of a probe's arguments the iterator passes on (tracepoints have at most 12 args)
STACK_ARGS = 8
MARK64 = 0x1122334455667788
MARK32 = 0x11223344


def _iterator_text(arch: str, funcs_off: int) -> str:
    """__traceiter_<tp>(void *__data, proto) for the tracepoint at the MARK address."""
    if arch == "x86_64":
        copy = "; ".join(f"mov rax, [rbp+{16 + 8 * i}]; mov [rsp+{8 * i}], rax" for i in range(STACK_ARGS))
        spill = 8 * STACK_ARGS
        return (f"mov rax, {MARK64:#x}; mov rax, [rax+{funcs_off}]; test rax, rax; jz tp_done; "
                f"push rbp; mov rbp, rsp; push rbx; push r12; push r13; push r14; push r15; "
                f"sub rsp, {spill + 24}; mov rbx, rax; mov r12, rsi; mov r13, rdx; mov r14, rcx; "
                f"mov r15, r8; mov [rsp+{spill}], r9; "
                f"tp_loop: {copy}; mov rdi, [rbx+8]; mov rsi, r12; mov rdx, r13; mov rcx, r14; mov r8, r15; "
                f"mov r9, [rsp+{spill}]; mov rax, [rbx]; call rax; add rbx, 24; "
                f"cmp qword ptr [rbx], 0; jne tp_loop; "
                f"add rsp, {spill + 24}; pop r15; pop r14; pop r13; pop r12; pop rbx; pop rbp; "
                f"tp_done: xor eax, eax; ret")
    copy = "; ".join(f"mov eax, [ebp+{8 + 4 * i}]; mov [esp+{4 * i}], eax" for i in range(STACK_ARGS))
    spill = 4 * STACK_ARGS
    # regparm(3): __data in eax, the next two arguments in edx and ecx, the rest on the stack
    return (f"push ebp; mov ebp, esp; push ebx; push esi; push edi; sub esp, {spill}; "
            f"mov esi, edx; mov edi, ecx; mov ebx, {MARK32:#x}; mov ebx, [ebx+{funcs_off}]; "
            f"test ebx, ebx; jz tp_done; "
            f"tp_loop: {copy}; mov eax, [ebx+4]; mov edx, esi; mov ecx, edi; call dword ptr [ebx]; "
            f"add ebx, 12; cmp dword ptr [ebx], 0; jne tp_loop; "
            f"tp_done: add esp, {spill}; pop edi; pop esi; pop ebx; pop ebp; xor eax, eax; ret")


def _template(arch: str, funcs_off: int) -> tuple[bytes, int]:
    """The iterator's position-independent code and where the MARK immediate sits in it."""
    code = assemble(arch, _iterator_text(arch, funcs_off), 0)
    mark = struct.pack("<Q", MARK64) if arch == "x86_64" else struct.pack("<I", MARK32)
    at = code.find(mark)
    if at < 0 or code.find(mark, at + 1) >= 0:
        raise AssertionError("tracepoint iterator template: marker not found exactly once")
    return code, at


def _jmp(src: int, dst: int) -> bytes:
    """jmp rel32 at `src` to `dst`, padded to 8 bytes with int3 (a static-call trampoline)."""
    return b"\xe9" + struct.pack("<i", dst - (src + 5)) + b"\xcc\xcc\xcc"


@functools.lru_cache(maxsize=None)
def _exports(release: str, word: int) -> tuple[dict, tuple[str, ...]]:
    """(name -> (license, crc, namespace) of the static-call names, the tracepoints whose
    trampoline and iterator vmlinux both exports), worked out once per release."""
    code = {name: (lic, crc, ns) for name, lic, crc, ns in kernel_exports.plan(release, word).code}
    tps = tuple(name[len(TP_PREFIX):] for name in code
                if name.startswith(TP_PREFIX) and f"__traceiter_{name[len(TP_PREFIX):]}" in code)
    wanted = {"__cond_resched", *COND_RESCHED, *DISABLED}
    wanted.update(n for tp in tps for n in (TP_PREFIX + tp, f"__traceiter_{tp}"))
    return {n: code[n] for n in wanted if n in code}, tps


def install_static_calls(system) -> dict[str, int]:
    """Define every `__SCT__*` export this file knows the target of (with its CRC), plus
    `__cond_resched` and each `__traceiter_<tp>`; fill the `__SCK__*.func` keys. Returns
    name -> address of what was defined."""
    k, m = system.kernel, system.machine
    meta, candidates = _exports(system.release, m.word_size)
    word = m.word_size
    tps = [tp for tp in candidates if f"__tracepoint_{tp}" in system.data]
    tp_size = k.symbols.get(f"__tracepoint_{tps[0]}").size if tps else 0
    template, mark_at = _template(m.arch, tp_size - word) if tps else (b"", 0)
    slot = (len(template) + 15) & ~15
    fixed = assemble(m.arch, "xor eax, eax; ret", 0)                  # __cond_resched
    size = 16 + 8 * (len(COND_RESCHED) + len(DISABLED)) + len(tps) * (slot + 8)
    base = m.alloc("ktext", size, 16)
    blob = bytearray(size)
    placed: dict[str, int] = {}

    def put(name: str, at: int, code: bytes, target: int | None) -> None:
        blob[at - base:at - base + len(code)] = code
        placed[name] = at
        lic, crc, ns = meta.get(name, (None, None, None))
        k.symbols.define(name, at, "func", replace=True, license=lic, crc=crc, namespace=ns)
        key = system.data.get("__SCK__" + name[len("__SCT__"):]) if name.startswith("__SCT__") else None
        if key is not None and target is not None:
            m.mem.write_ptr(key, target)                              # static_call_key.func

    cond_resched = base
    put("__cond_resched", cond_resched, fixed, None)
    at = base + 16
    for name in COND_RESCHED:
        put(name, at, _jmp(at, cond_resched), cond_resched)
        at += 8
    for name in DISABLED:
        put(name, at, b"\xc3" + b"\xcc" * 7, None)                    # NULL target: ret
        at += 8
    for tp in tps:
        tracepoint = system.data[f"__tracepoint_{tp}"]
        code = bytearray(template)
        code[mark_at:mark_at + word] = tracepoint.to_bytes(word, "little")
        put(f"__traceiter_{tp}", at, bytes(code), None)
        iterator = at
        at += slot
        put(TP_PREFIX + tp, at, _jmp(at, iterator), iterator)
        at += 8
    m.mem.load_code(base, bytes(blob))
    m.symbolizers.append(lambda a, s=base, e=base + size: _name_at(placed, a) if s <= a < e else None)
    return placed


def _name_at(placed: dict[str, int], addr: int) -> tuple[str, int] | None:
    best = max(((n, a) for n, a in placed.items() if a <= addr), key=lambda p: p[1], default=None)
    return (best[0], addr - best[1]) if best else None
