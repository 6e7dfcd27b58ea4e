"""`kemu debug --batch` on each system's own module format, both arches, from the command line:
stop in the driver's read routine while `od` (the guest shell's) reads the device, then `bt`,
`info args` and `finish` show the frame, its arguments and the value handed back to the kernel.

The modules are the committed debug-info fixtures: FreeBSD's fibo-g.ko, NetBSD's fibo-g.kmod and
Linux's fibo.ko (kbuild builds with -g)."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from kemu.cli.main import main
from kemu.paths import fixture

from debug_helpers import ARCHES


@dataclass(frozen=True)
class Case:
    os: str
    directory: tuple[str, ...]           # under fixtures/, {arch} filled in
    module: str
    setup: tuple[str, ...]               # guest commands before the read
    line: str                            # where fibo_read's breakpoint is reported
    args: tuple[str, ...]                # `info args` lines (regular expressions)
    returned: int                        # fibo_read's return value


CASES = {
    "freebsd": Case("freebsd", ("freebsd", "{arch}", "gcc"), "./fibo-g.ko", (), "fibo.c:72",
                    (r"dev = 0x[0-9a-f]+", r"uio = 0x[0-9a-f]+", r"ioflag = 0"), 0),
    "netbsd": Case("netbsd", ("netbsd", "{arch}", "gcc", "fibo"), "./fibo-g.kmod",
                   ("mknod /dev/fibo0 c 358 0",), "fibo.c:123",
                   (r"dev = 91648", r"uio = 0x[0-9a-f]+", r"flag = 0"), 0),    # makedev(358, 0)
    "linux": Case("linux", ("linux", "{arch}"), "fibo.ko", (), "fibo_ops.c:87",
                  (r"file = 0x[0-9a-f]+", r'buf = 0x[0-9a-f]+ ""', r"count = 8", r"ppos = 0x[0-9a-f]+"), 8),
}
OD = "od -An -tu4 -N 8 /dev/fibo0"


def _after(text: str, command: str) -> str:
    """What `command` printed: from its echo up to the next prompt."""
    return text.split(f"(kemu) {command}\n", 1)[1].split("(kemu) ", 1)[0]


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("system", sorted(CASES))
def test_break_in_read_bt_info_args_and_finish(system, arch, tmp_path, monkeypatch, capsys):
    case = CASES[system]
    directory = fixture(*(part.format(arch=arch) for part in case.directory))
    if not (directory / case.module).exists():
        pytest.skip(f"{directory / case.module} not built")
    batch = tmp_path / "commands"
    batch.write_text("\n".join(["continue", "break fibo_read", *case.setup, OD, "bt", "info args",
                                "finish", "continue"]) + "\n")
    monkeypatch.chdir(directory)
    status = main(["debug", "--os", case.os, "--no-context", "--batch", str(batch), case.module])
    text = capsys.readouterr().out
    assert status == 0, text
    stop = _after(text, OD)
    assert re.search(rf"Breakpoint 1, fibo_read \(.*\) at {case.line}\n", stop), stop
    bt = _after(text, "bt").splitlines()
    assert bt[0].startswith("#0  fibo_read (") and bt[0].endswith(f"at {case.line}")
    assert bt[1] == "#1  <kernel> (called from Python, guest call depth 1)"
    info = _after(text, "info args").splitlines()
    assert len(info) == len(case.args) and all(re.fullmatch(p, s) for p, s in zip(case.args, info)), info
    finish = _after(text, "finish")
    assert finish.startswith("Run till exit from #0  fibo_read (")
    assert f"Value returned is $1 = {case.returned}\n" in finish
    assert finish.endswith("1          1\n")                     # od gets the first two numbers
