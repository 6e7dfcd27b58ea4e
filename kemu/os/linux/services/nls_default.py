"""The kernel's built-in NLS table (fs/nls/nls_base.c, 6.1) and load_nls_default.

load_nls_default first asks for CONFIG_NLS_DEFAULT (Debian: "utf8") with load_nls; when no
such table is registered (nls_utf8 not loaded) it falls back to the built-in table named
"default": bytes 0x00-0xff are the Unicode code points U+0000-U+00FF (Latin-1), the case
tables fold only A-Z/a-z. Its conversion functions are kemu services pointed to by the
table, so a filesystem calling nls->uni2char / nls->char2uni inline reaches them:
* char2uni: the code point of the first byte; -EINVAL for the NUL byte;
* uni2char: the byte of a code point below U+0100 (-EINVAL for U+0000 and anything above),
  -ENAMETOOLONG when there is no room (boundlen <= 0).
The table has no owner, so unload_nls of it drops no module reference.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .nls import find_nls

table = ServiceTable("nls_default")

STRUCT = "struct nls_table"
NLS_DEFAULT = "utf8"        # Debian's CONFIG_NLS_DEFAULT


def _lower(c: int) -> int:
    return c + 32 if 0x41 <= c <= 0x5A else c


def _upper(c: int) -> int:
    return c - 32 if 0x61 <= c <= 0x7A else c


def default_table(k) -> int:
    """The built-in table in kernel memory (made on first use)."""
    addr = k.linux.__dict__.get("nls_default_table")
    if addr:
        return addr
    lay, mem = k.linux.layout, k.machine.mem
    size = lay.size(STRUCT)
    addr = k.machine.alloc("kdata", size + 8 + 512, 16)
    mem.write(addr, bytes(size))
    name, lower, upper = addr + size, addr + size + 8, addr + size + 8 + 256
    mem.write(name, b"default\0")
    mem.write(lower, bytes(_lower(c) for c in range(256)))
    mem.write(upper, bytes(_upper(c) for c in range(256)))
    for field, value in (("charset", name), ("uni2char", k.installed["__kemu_nls_default_uni2char"][1]),
                         ("char2uni", k.installed["__kemu_nls_default_char2uni"][1]),
                         ("charset2lower", lower), ("charset2upper", upper)):
        mem.write_ptr(addr + lay.offset(STRUCT, field), value)
    k.linux.nls_default_table = addr
    return addr


@table.service("int __kemu_nls_default_uni2char(u16 uni, unsigned char *out, int boundlen)")
def __kemu_nls_default_uni2char(k, uni: int, out: int, boundlen: int) -> int:
    """The built-in table's uni2char: Latin-1 only, one byte."""
    uni &= 0xFFFF
    if boundlen & 0x80000000 or boundlen == 0:
        return -k.linux.errno.ENAMETOOLONG
    if uni == 0 or uni > 0xFF:
        return -k.linux.errno.EINVAL
    k.machine.mem.write(out, bytes([uni]))
    return 1


@table.service("int __kemu_nls_default_char2uni(const unsigned char *rawstring, int boundlen, u16 *uni)")
def __kemu_nls_default_char2uni(k, rawstring: int, boundlen: int, uni: int) -> int:
    """The built-in table's char2uni: the byte is its code point; NUL is -EINVAL."""
    c = k.machine.mem.read(rawstring, 1)[0]
    k.machine.mem.write_int(uni, 2, c)
    return 1 if c else -k.linux.errno.EINVAL


@table.service("struct nls_table *load_nls_default(void)")
def load_nls_default(k) -> int:
    """The CONFIG_NLS_DEFAULT table if registered (with its module pinned), else the
    built-in one."""
    return find_nls(k, NLS_DEFAULT) or default_table(k)
