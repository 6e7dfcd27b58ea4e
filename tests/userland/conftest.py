"""A toy personality for the shared console's tests: the least a system offers kemu.userland.

`ToySystem` has a real Machine and Kernel (Linux errno numbers, so the texts are not NetBSD's),
two Python drivers — `/dev/count0`, an endless source whose byte i is i % 251, and
`/dev/sink0`, which keeps what is written — and one command of its own, `greet`, registered
through a `UserlandSpec` as any personality would."""
from __future__ import annotations

import io

import pytest

from kemu.kernel import Errno, Kernel
from kemu.machine import Machine
from kemu.userland import Shell, ShellTexts, UserlandSpec


class CountDriver:
    """Endless: byte i of the stream is i % 251; records the size of every read asked for."""

    def __init__(self, system: "ToySystem"):
        self.system = system

    def open(self, f) -> None:
        pass

    def close(self, f) -> None:
        pass

    def read(self, f, uaddr: int, n: int) -> int:
        self.system.read_sizes.append(n)
        self.system.kernel.user.copyout(bytes((f.offset + i) % 251 for i in range(n)), uaddr)
        return n

    def write(self, f, uaddr: int, n: int) -> int:
        raise self.system.errno.error("EPERM", "count0 is read-only")

    def ioctl(self, f, cmd: int, arg: int) -> int:
        raise self.system.errno.error("ENOTTY", "no ioctls")


class SinkDriver(CountDriver):
    def read(self, f, uaddr: int, n: int) -> int:
        return 0

    def write(self, f, uaddr: int, n: int) -> int:
        self.system.writes.append(self.system.kernel.user.copyin(uaddr, n))
        return n


class ToySystem:
    def __init__(self, arch: str = "x86_64"):
        self.machine = Machine(arch)
        self.errno = Errno.linux()
        self.console = None
        self.kernel = Kernel(self.machine, self.errno, console=self._console, driver_for=self._driver_for)
        self.read_sizes: list[int] = []
        self.writes: list[bytes] = []
        self.drivers = {10: CountDriver(self), 11: SinkDriver(self)}
        self.kernel.devfs.mknod("/dev/count0", "c", 10, 0, 0o444)
        self.kernel.devfs.mknod("/dev/sink0", "c", 11, 0, 0o666)

    def _console(self, text: str) -> None:
        if self.console is not None:
            self.console(text)

    def _driver_for(self, node):
        return self.drivers.get(node.major)

    def open(self, path, mode="r"):
        return self.kernel.files.open(path, mode)

    def read(self, fd, n):
        return self.kernel.files.read(fd, n)

    def write(self, fd, data):
        return self.kernel.files.write(fd, data)

    def close(self, fd):
        self.kernel.files.close(fd)

    def dmesg(self) -> str:
        return self.kernel.dmesg()


def _greet(shell):
    def greet(argv, stdin, out, err):
        if len(argv) < 2:
            err.write("usage: greet name\n")
            return 64
        shell.system.kernel.msgbuf.write(f"toy: greeted {argv[1]}\n")
        out.write(f"hello, {argv[1]}\n")
        return 0
    return {"greet": greet}


TOY_USERLAND = UserlandSpec(
    system_name="Toy OS", commands=_greet, help="  greet name\n", prompt="$ ",
    groups={0: "root"}, getopt_style="gnu",
    texts=ShellTexts(not_found="sh: 1: {name}: not found"))


@pytest.fixture(params=["i386", "x86_64"])
def toy(request) -> ToySystem:
    system = ToySystem(request.param)
    yield system
    system.machine.close()


class Console:
    """A shell over the toy system with captured output: `run(line) -> status`."""

    def __init__(self, system: ToySystem):
        self.system = system
        self.out, self.err = io.StringIO(), io.StringIO()
        self.shell = Shell(system, TOY_USERLAND, out=self.out, err=self.err)

    def run(self, line: str) -> int:
        return self.shell.run_line(line)

    def script(self, text: str, **kw) -> int:
        return self.shell.run_script(text, **kw)

    @property
    def output(self) -> str:
        return self.out.getvalue()

    @property
    def errors(self) -> str:
        return self.err.getvalue()


@pytest.fixture
def console(toy) -> Console:
    return Console(toy)
