"""The line-discipline table (drivers/tty/tty_ldisc.c, n_tty.c in Linux 6.1): PPP, SLIP,
AX.25, CAN, HCI and friends register a `struct tty_ldisc_ops` under its `num`, which a tty
then switches to with TIOCSETD.

* `tty_register_ldisc`: num outside N_TTY..NR_LDISCS-1 is -EINVAL, else tty_ldiscs[num] =
  ops (6.1 overwrites an entry already there) and 0;
* `tty_unregister_ldisc`: tty_ldiscs[ops->num] = NULL;
* `n_tty_inherit_ops`: *ops = n_tty_ops with owner NULL (pps_ldisc wraps N_TTY this way).
  kemu has no N_TTY discipline, so the copied function pointers are the kernel's logging
  stubs for n_tty_open & co: a tty using the copy reports them as fallback calls.
N_TTY itself is the kernel's; a module's entries go with it.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("tty_ldisc")

N_TTY = 0
NR_LDISCS = 31
#: n_tty_ops of 6.1: tty_ldisc_ops member -> n_tty function
N_TTY_OPS = {"open": "n_tty_open", "close": "n_tty_close", "flush_buffer": "n_tty_flush_buffer",
             "read": "n_tty_read", "write": "n_tty_write", "ioctl": "n_tty_ioctl",
             "set_termios": "n_tty_set_termios", "poll": "n_tty_poll", "receive_buf": "n_tty_receive_buf",
             "write_wakeup": "n_tty_write_wakeup", "receive_buf2": "n_tty_receive_buf2",
             "lookahead_buf": "n_tty_lookahead_flow_ctrl"}


class Ldiscs:
    def __init__(self, k) -> None:
        self.k = k
        self.n_tty = self._n_tty_ops()
        self.table: dict[int, int] = {N_TTY: self.n_tty}

    def _n_tty_ops(self) -> int:
        """The kernel's n_tty_ops: "n_tty", N_TTY, its functions (logging stubs in kemu)."""
        k, lay = self.k, self.k.linux.layout
        mem, size = k.machine.mem, lay.size("struct tty_ldisc_ops")
        ops = k.machine.alloc("kdata", size + 8, 16)
        mem.write(ops, bytes(size))
        mem.write(ops + size, b"n_tty\0")
        mem.write_ptr(ops + lay.offset("struct tty_ldisc_ops", "name"), ops + size)
        mem.write_u32(ops + lay.offset("struct tty_ldisc_ops", "num"), N_TTY)
        for field, fn in N_TTY_OPS.items():
            mem.write_ptr(ops + lay.offset("struct tty_ldisc_ops", field), k.missing_stub(fn))
        return ops

    def num(self, ops: int) -> int:
        return self.k.machine.mem.read_int(ops + self.k.linux.layout.offset("struct tty_ldisc_ops", "num"),
                                           4, signed=True)


def ldiscs(k) -> Ldiscs:
    linux = k.linux
    if "tty_ldiscs" not in linux.__dict__:
        linux.__dict__["tty_ldiscs"] = Ldiscs(k)
    return linux.__dict__["tty_ldiscs"]


@table.service("int tty_register_ldisc(struct tty_ldisc_ops *new_ldisc)")
def tty_register_ldisc(k, ops: int) -> int:
    """tty_ldiscs[ops->num] = ops: 0, or -EINVAL for a number outside the table."""
    reg = ldiscs(k)
    num = reg.num(ops)
    if not N_TTY <= num < NR_LDISCS:
        return -k.errno.EINVAL
    reg.table[num] = ops
    module = k.loader.module_at(ops)
    if module is not None:
        module.on_unload(f"line discipline {num}", lambda: reg.table.pop(num) if reg.table.get(num) == ops else None)
    return 0


@table.service("void tty_unregister_ldisc(struct tty_ldisc_ops *ldisc)")
def tty_unregister_ldisc(k, ops: int) -> None:
    """tty_ldiscs[ops->num] = NULL."""
    reg = ldiscs(k)
    num = reg.num(ops)
    if not N_TTY <= num < NR_LDISCS:
        k.linux.pr(f"BUG: tty_unregister_ldisc: discipline number {num} outside the table", 4)
        k.linux.add_taint("W")
        return
    reg.table.pop(num, None)
    module = k.loader.module_at(ops)
    if module is not None:
        module.forget_undo(f"line discipline {num}")


@table.service("void n_tty_inherit_ops(struct tty_ldisc_ops *ops)")
def n_tty_inherit_ops(k, ops: int) -> None:
    """Copy n_tty_ops into *ops and clear its owner."""
    size = k.linux.layout.size("struct tty_ldisc_ops")
    k.machine.mem.copy(ops, ldiscs(k).n_tty, size)
    k.machine.mem.write_ptr(ops + k.linux.layout.offset("struct tty_ldisc_ops", "owner"), 0)
