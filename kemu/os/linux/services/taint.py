"""Kernel taint from a module (kernel/panic.c add_taint) and printk rate limiting
(lib/ratelimit.c ___ratelimit), on the kernel's jiffies."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("taint")

TAINT_LETTERS = "PFSRMBUDAWCIOELKXTN"          # include/linux/panic.h, bit order
LOCKDEP_NOW_UNRELIABLE = 1
RATELIMIT_MSG_ON_RELEASE = 1


@table.service("void add_taint(unsigned flag, enum lockdep_ok lockdep_ok)")
def add_taint(k, flag: int, lockdep_ok: int) -> None:
    """Set taint bit `flag`; LOCKDEP_NOW_UNRELIABLE also turns lock debugging off (said once)."""
    if flag < len(TAINT_LETTERS):
        k.linux.add_taint(TAINT_LETTERS[flag], lockdep_unreliable=lockdep_ok == LOCKDEP_NOW_UNRELIABLE)


@table.service("int ___ratelimit(struct ratelimit_state *rs, const char *func)")
def ___ratelimit(k, rs: int, func: int) -> int:
    """1 if the caller may print now: at most `burst` times per `interval` jiffies; the
    suppressed ones are counted and reported ("func: N callbacks suppressed") when the next
    interval begins, unless RATELIMIT_MSG_ON_RELEASE defers that."""
    lay, mem, word = k.linux.layout, k.machine.mem, k.machine.word_size
    off = lambda f: rs + lay.offset("struct ratelimit_state", f)      # noqa: E731
    interval, burst = mem.read_u32(off("interval")), mem.read_u32(off("burst"))
    if not interval:
        return 1
    jiffies = k.linux.timekeeping.jiffies & ((1 << (8 * word)) - 1)
    begin = mem.read_int(off("begin"), word)
    if not begin:
        begin = jiffies
        mem.write_int(off("begin"), word, begin)
    printed, missed = mem.read_u32(off("printed")), mem.read_u32(off("missed"))
    if ((begin + interval - jiffies) & ((1 << (8 * word)) - 1)) >> (8 * word - 1):   # begin+interval < jiffies
        if missed and not mem.read_u32(off("flags")) & RATELIMIT_MSG_ON_RELEASE:
            k.linux.pr(f"{k.read_str(func, 64).decode('latin-1')}: {missed} callbacks suppressed", 4)
            missed = 0
        mem.write_int(off("begin"), word, jiffies)
        printed = 0
    if burst and burst > printed:
        printed, ret = printed + 1, 1
    else:
        missed, ret = missed + 1, 0
    mem.write_u32(off("printed"), printed)
    mem.write_u32(off("missed"), missed)
    return ret
