"""How much workspace the kernel's zlib wants (lib/zlib_inflate/infutil.c, lib/zlib_deflate/
deflate.c; 6.1): filesystems (isofs, jffs2, squashfs) and crypto vmalloc a workspace of this
size at init and hand it to zlib_inflateInit2/zlib_deflateInit2.

The structs are private to lib/ (not in the headers package), so their sizes were measured
once by compiling struct inflate_workspace and struct deflate_workspace as 6.1 declares them
(no CONFIG_ZLIB_DFLTCC on x86) with the x86-64 and i386 ABIs:
inflate 42312 / 42284 bytes, deflate 5960 / 5836 bytes before its variable arrays."""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

table = ServiceTable("zlib_sizes")

INFLATE_WORKSPACE = {"x86_64": 42312, "i386": 42284}
DEFLATE_WORKSPACE = {"x86_64": 5960, "i386": 5836}
MAX_WBITS, MAX_MEM_LEVEL = 15, 8
SIZEOF_POS = 2                                        # Pos is a ush


@table.service("int zlib_inflate_workspacesize(void)")
def zlib_inflate_workspacesize(k) -> int:
    """sizeof(struct inflate_workspace): the state plus a 32 KiB window."""
    return INFLATE_WORKSPACE[k.arch]


@table.service("int zlib_deflate_workspacesize(int windowBits, int memLevel)")
def zlib_deflate_workspacesize(k, windowBits: int, memLevel: int) -> int:
    """The deflate state plus its window (2 << windowBits), prev links (1 << windowBits Pos),
    hash heads (1 << (memLevel+7) Pos) and pending overlay (4 << (memLevel+6)); a negative
    windowBits (raw deflate) counts as its magnitude. Out-of-range arguments are the kernel's
    BUG_ON."""
    wbits, level = _s32(windowBits), _s32(memLevel)
    wbits = -wbits if wbits < 0 else wbits
    if level < 1 or level > MAX_MEM_LEVEL or wbits < 9 or wbits > MAX_WBITS:
        raise KernelPanic(f"kernel BUG in zlib_deflate_workspacesize: windowBits {wbits}, memLevel {level}")
    return (DEFLATE_WORKSPACE[k.arch] + (2 << wbits) + (1 << wbits) * SIZEOF_POS
            + (1 << (level + 7)) * SIZEOF_POS + (1 << (level + 6)) * 4)


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v
