"""Linux's printk format on top of the shared kernel formatter (lib/vsprintf.c, 6.1).

The C conversions are the shared formatter's (kemu.kernel.printf). What Linux adds is the
pointer family: `%p` followed by letters and digits, all of which vsprintf consumes.

* `%p` (and `%pK` with kptr_restrict 0): the pointer hashed, so a log does not give away a
  kernel address. Linux keys the hash randomly at boot; kemu's key is fixed, so the same
  pointer prints the same in every run (deterministic). NULL and error pointers print as
  zeros.
* `%px`: the raw value, zero-padded to the word.
* `%pS`/`%pB` `name+0xoff/0xsize [module]`, `%ps` `name` (no module for the kernel's own).
* `%pM` `aa:bb:cc:dd:ee:ff`, `%pMR` reversed, `%pm` without colons.
* `%pI4` `1.2.3.4`, `%pi4` `001.002.003.004`; `%pa` a phys_addr_t* as `0x` and 2×word digits.
Other extensions print the hashed pointer, as vsprintf does for one it cannot use.
"""
from __future__ import annotations

import hashlib
import re

from kemu.kernel.printf import format_printf

SPEC = re.compile(rb"%[-+ #0]*(?:\*|\d+)?(?:\.(?:\*|\d*))?(?:hh|h|ll|l|q|j|z|t|L|Z)?([A-Za-z%])")
ALNUM = re.compile(rb"[A-Za-z0-9]*")
HASH_KEY = b"kemu-ptr-hash-key"
MAX_ERRNO = 4095


def hashed(ptr: int, word: int) -> bytes:
    """ptr_to_id with kemu's fixed key: 32 bits of a keyed hash, zero-padded to the word."""
    if ptr == 0 or ptr >= (1 << (8 * word)) - MAX_ERRNO:
        return b"0" * (2 * word)
    digest = hashlib.blake2s(ptr.to_bytes(8, "little"), key=HASH_KEY, digest_size=4).digest()
    return f"{int.from_bytes(digest, 'little'):0{2 * word}x}".encode()


def _symbol(system, ptr: int, with_offset: bool) -> bytes:
    found = system.machine.lookup_symbol(ptr)
    if found is None:
        return f"0x{ptr:x}".encode()
    name, off = found
    module = system.module_at(ptr)
    if not with_offset:
        text = name
    else:
        size = 0
        if module is not None:
            size = next((s.size for s in module.image.symbol_list if s.name == name), 0)
        else:
            sym = system.kernel.symbols.get(name)
            size = sym.size if sym is not None else 0
        text = f"{name}+0x{off:x}/0x{size:x}" if size else f"{name}+0x{off:x}"
    if module is not None:
        text += f" [{module.name}]"
    return text.encode("latin-1")


def _pointer(system, ext: bytes, ptr: int) -> bytes:
    word, mem = system.machine.word_size, system.machine.mem
    kind = ext[:1]
    try:
        if kind == b"x":
            return f"{ptr:0{2 * word}x}".encode()
        if kind in (b"S", b"B", b"s"):
            return _symbol(system, ptr, kind != b"s")
        if ptr == 0:
            return b"(null)" if kind in (b"M", b"m", b"I", b"i", b"a") else hashed(ptr, word)
        if kind in (b"M", b"m"):
            raw = mem.read(ptr, 6)
            if ext[1:2] == b"R":
                raw = raw[::-1]
            sep = ":" if kind == b"M" else ""
            return sep.join(f"{b:02x}" for b in raw).encode()
        if kind in (b"I", b"i") and ext[1:2] == b"4":
            raw = mem.read(ptr, 4)
            return ".".join((f"{b:03d}" if kind == b"i" else str(b)) for b in raw).encode()
        if kind == b"a":
            return f"0x{mem.read_ptr(ptr):0{2 * word}x}".encode()
        if kind == b"V":
            return _va_format(system, ptr)
    except Exception:
        return b"(efault)"
    return hashed(ptr, word)


def _va_format(system, vaf: int) -> bytes:
    """%pV: a struct va_format's fmt formatted with its va_list (x86-64: `va` points at
    the __va_list_tag; i386: at the char * that is the va_list)."""
    from kemu.machine import GuestVaList
    lay, mem = system.layout, system.machine.mem
    fmt = mem.read_ptr(vaf + lay.offset("struct va_format", "fmt"))
    va = mem.read_ptr(vaf + lay.offset("struct va_format", "va"))
    ap = va if system.arch == "x86_64" else mem.read_ptr(va)
    return format_linux(system, system.kernel.read_str(fmt), GuestVaList(mem, system.arch, ap))


def format_linux(system, fmt: bytes, args) -> bytes:
    """printk's vsnprintf: the shared formatter for C conversions, Linux's for %p<ext>."""
    k = system.kernel
    out, start, pos = [], 0, 0
    while True:
        m = SPEC.search(fmt, pos)
        if m is None:
            break
        if m.group(1) != b"p":
            pos = m.end()
            continue
        ext = ALNUM.match(fmt, m.end()).group(0)
        out.append(format_printf(fmt[start:m.start()], args, k.read_str, word_size=k.word_size,
                                 warn=k._printf_warning))
        out.append(_pointer(system, ext, args.next_ptr()))
        start = pos = m.end() + len(ext)
    out.append(format_printf(fmt[start:], args, k.read_str, word_size=k.word_size, warn=k._printf_warning))
    return b"".join(out)
