"""Helpers for the notifier, RCU, shrinker and lock service tests: call a service as a module
would, and guest-callable callbacks that are test-only services recording their calls."""
from __future__ import annotations

from kemu.kernel import ServiceTable


def call(linux, name: str, *args: int, variadic: bool = False) -> int:
    """Call kernel function `name` through its stub; its C int result, signed. A variadic
    function takes its arguments on the stack on i386 (no regparm), as gcc passes them."""
    abi = "cdecl" if variadic and linux.arch == "i386" else None
    value = linux.machine.call(linux.kernel.installed[name][1], *args, abi=abi) & 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def kdata(linux, size: int) -> int:
    """Zeroed kernel memory."""
    addr = linux.machine.alloc("kdata", size, 16)
    linux.machine.mem.write(addr, bytes(size))
    return addr


class Recorder:
    """Test services installed in the booted kernel: notifier_call, rcu callback, shrinker
    count/scan. Each call is appended to `calls`; notifier results come from `results`."""

    def __init__(self, linux) -> None:
        self.linux = linux
        self.calls: list[tuple] = []
        self.results: dict[int, int] = {}       # nb -> what its notifier_call returns
        self.freeable = 0
        table = ServiceTable(f"test_recorder_{id(self)}")
        rec = self

        @table.service("int kemu_test_notifier(struct notifier_block *nb, unsigned long val, void *v)")
        def kemu_test_notifier(k, nb: int, val: int, v: int) -> int:
            rec.calls.append(("notify", nb, val, v))
            return rec.results.get(nb, 1)

        @table.service("void kemu_test_rcu_cb(struct callback_head *head)")
        def kemu_test_rcu_cb(k, head: int) -> None:
            rec.calls.append(("rcu", head))

        @table.service("unsigned long kemu_test_count(struct shrinker *s, struct shrink_control *sc)")
        def kemu_test_count(k, s: int, sc: int) -> int:
            rec.calls.append(("count", s))
            return rec.freeable

        @table.service("unsigned long kemu_test_scan(struct shrinker *s, struct shrink_control *sc)")
        def kemu_test_scan(k, s: int, sc: int) -> int:
            lay = k.linux.layout
            n = k.machine.mem.read_ptr(sc + lay.offset("struct shrink_control", "nr_to_scan"))
            rec.calls.append(("scan", s, n))
            done = min(n, rec.freeable)
            rec.freeable -= done
            return done

        linux.kernel.install(table)

    def addr(self, name: str) -> int:
        return self.linux.kernel.installed[name][1]

    def block(self, priority: int = 0) -> int:
        """A notifier_block whose notifier_call is kemu_test_notifier."""
        lay = self.linux.layout
        nb = kdata(self.linux, lay.size("struct notifier_block"))
        mem = self.linux.machine.mem
        mem.write_ptr(nb + lay.offset("struct notifier_block", "notifier_call"), self.addr("kemu_test_notifier"))
        mem.write_u32(nb + lay.offset("struct notifier_block", "priority"), priority & 0xFFFFFFFF)
        return nb

    def notified(self) -> list[int]:
        """The blocks called, in order."""
        return [c[1] for c in self.calls if c[0] == "notify"]
