"""`./fibotest`: the NetBSD LKM tutorial's test program (guest/netbsd-lkm/fibo/fibotest.c).

It opens /dev/fibo0 and prints each 32-bit number a read of 4 bytes returns, one a line, for
as long as reads return 4 bytes — fibo never ends, so neither does fibotest: the tutorial runs
it as `./fibotest | head -n 50`, where head's exit ends it (SIGPIPE). Its failures read as
err(3) writes them: `fibotest: unable to open /dev/fibo0: Device not configured` (status 1),
`fibotest: read(/dev/fibo0): …` (status 2).
"""
from __future__ import annotations

import os
import struct
from typing import TextIO

from kemu.kernel import SyscallError

DEVICE = "/dev/fibo0"


def fibotest(system, argv: list[str], out: TextIO, err: TextIO) -> int:
    """Run the test program on `system`; returns its exit status."""
    prog = os.path.basename(argv[0]) if argv else "fibotest"
    try:
        fd = system.open(DEVICE, "r")
    except SyscallError as exc:
        err.write(f"{prog}: unable to open {DEVICE}: {exc.message}\n")
        return 1
    try:
        while True:
            try:
                data = system.read(fd, 4)
            except SyscallError as exc:
                err.write(f"{prog}: read({DEVICE}): {exc.message}\n")
                return 2
            if len(data) != 4:
                return 0
            out.write(f"{struct.unpack('<I', data)[0]}\n")
    finally:
        try:
            system.close(fd)
        except SyscallError:
            pass
