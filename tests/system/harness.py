"""Run one object through a user path of a NetBSD LKM system and judge the outcome.

The only acceptable outcomes of any input are success or kemu's own documented error
(`SyscallError` and its kinds from the Python API; the tool's message and exit status from a
command), within the machine's time limits, and a machine that still loads the clean fibo
driver and reads 1 1 2 3 5 from /dev/fibo0 afterwards. `Verdict` says which; anything else
(a Python exception of another kind, traceback text in a command's output, a poisoned machine)
is raised as `Unacceptable` with what happened.
"""
from __future__ import annotations

import io
import os
import struct
import traceback
from pathlib import Path

from kemu.kernel import SyscallError
from kemu.os.netbsd_lkm.system import NetBSDLKM
from kemu.paths import FIXTURES, GUEST

POSTINSTALL = str(GUEST / "netbsd-lkm" / "fibo" / "fibo_postinstall.sh")
LKM = FIXTURES / "netbsd-lkm"
MUTANT_TIMEOUT = 0.1        # s per guest call: mutants that loop are stopped by the machine
FIBO_START = (1, 1, 2, 3, 5)
TRACEBACK_WORDS = ("Traceback (most recent call last)", "internal error")
#: every command a loaded mutant's device sees: (name, what it does to an fd)
ECHO_IOCTLS = (0x40044501, 0x80044502, 0x40044503, 0x20004504)   # GLEN, SCAP, GCAP, CLEAR
HOSTILE_IOCTLS = ((0x20004808, None), (0x40184809, bytes(24)), (0x40104809, bytes(16)),
                  (0xC0044806, b"\x04\x00\x00\x00"), (0xC0044806, b"\x0b\x00\x00\x00"))


class Unacceptable(AssertionError):
    """An input made kemu do something no input may: the message says what and where."""


def clean_fibo(arch: str, compiler: str = "gcc") -> str:
    return str(LKM / arch / compiler / "fibo.o")


def assert_no_traceback(text: str, what: str) -> None:
    for word in TRACEBACK_WORDS:
        if word in text:
            raise Unacceptable(f"{what} printed {word!r}:\n{text[-3000:]}")


def _unexpected(what: str) -> Unacceptable:
    return Unacceptable(f"{what} raised something other than kemu's errors:\n{traceback.format_exc()}")


def remove_nodes(system: NetBSDLKM, pattern: str) -> None:
    for path in system.devfs.glob(pattern):
        system.devfs.unlink(path)


def unload_everything(system: NetBSDLKM) -> list[str]:
    """modunload every loaded module (a mutant's exit may refuse: EBUSY, a crash); returns the
    names of those still loaded, which is a module's right, not kemu's failure."""
    left = []
    for stat in list(system.modstat()):
        for _ in range(2):        # `busy`-like modules refuse once
            try:
                system.modunload(id=stat.id)
                break
            except SyscallError:
                continue
            except Exception:
                raise _unexpected(f"modunload of {stat.name!r}") from None
        else:
            left.append(stat.name)
    return left


def exercise_devices(system: NetBSDLKM, loaded, name: str) -> None:
    """Open, read, write and ioctl the device a loaded mutant registered (if it did); every
    failure must be a SyscallError."""
    if loaded is None or loaded.type != 1:           # LM_DEV only
        return
    node = f"/dev/mut_{name}"
    try:
        if not system.devfs.glob(node):
            system.devfs.mknod(node, "c", loaded.offset & 0xFFF, 0, 0o666)
    except SyscallError:
        return
    except Exception:
        raise _unexpected("mknod for a mutant's device") from None
    steps = [lambda fd: system.read(fd, 64), lambda fd: system.write(fd, b"kemu mutant\n" * 3),
             lambda fd: system.read(fd, 4096), lambda fd: system.readv(fd, [3, 0, 17])]
    steps += [lambda fd, c=c: system.ioctl(fd, c, b"\x10\x00\x00\x00" if c & 0x80000000 else None)
              for c in ECHO_IOCTLS]
    if name == "hostile":        # its odd-CPU act, a look at the CPU, two service abuses
        steps += [lambda fd, c=c, a=a: system.ioctl(fd, c, a) for c, a in HOSTILE_IOCTLS]
    try:
        fd = system.open(node, "rw")
    except SyscallError:
        remove_nodes(system, node)
        return
    except Exception:
        raise _unexpected(f"open({node})") from None
    for step in steps:
        try:
            step(fd)
        except SyscallError:
            pass
        except Exception:
            raise _unexpected(f"a call on {node}") from None
    try:
        system.close(fd)
    except SyscallError:
        pass
    except Exception:
        raise _unexpected(f"close({node})") from None
    remove_nodes(system, node)


def check_still_usable(system: NetBSDLKM, compiler: str = "gcc") -> None:
    """The same machine loads the clean fibo, reads 1 1 2 3 5 from /dev/fibo0 and unloads it."""
    left = [s.name for s in system.modstat()]
    if "fibo" in left:
        return          # a mutant of fibo that will not go: its name is taken, rightly
    try:
        remove_nodes(system, "/dev/fibo*")
        system.modload(clean_fibo(system.arch, compiler), postinstall=POSTINSTALL,
                       out=io.StringIO(), err=io.StringIO())
        fd = system.open("/dev/fibo0")
        got = struct.unpack("<5I", system.read(fd, 20))
        system.close(fd)
        system.modunload(name="fibo")
        remove_nodes(system, "/dev/fibo*")
    except Exception:
        raise Unacceptable(f"the machine is poisoned: the clean fibo no longer works "
                           f"(modules left: {left}):\n{traceback.format_exc()}") from None
    if got != FIBO_START:
        raise Unacceptable(f"the machine is poisoned: /dev/fibo0 reads {got}")


#: modload's own options, one set drawn per command-path mutant: -d prints ld's line and the
#: placements, -S keeps the linked output, -n links without initialising, --lenient binds
#: unknown kernel functions to logging stubs.
MODLOAD_OPTIONS = ([], [], ["-d"], ["-v"], ["-n"], ["-s"], ["-S", "-o", "{dir}/linked"], ["--lenient"],
                   ["-d", "-v", "--lenient"])


def load_through_api(system: NetBSDLKM, path: str, name: str, how: str, options: int = 0) -> str:
    """One load of `path` by the Python API (`how`: "modload" or "load") or the modload
    command ("command", with MODLOAD_OPTIONS[options]), then device calls and unload;
    returns the outcome's name."""
    out, err = io.StringIO(), io.StringIO()
    postinstall = POSTINSTALL if name == "fibo" else None
    loaded = None
    try:
        if how == "command":
            extra = [o.format(dir=os.path.dirname(path)) for o in MODLOAD_OPTIONS[options]]
            argv = ["modload", *extra] + (["-p", postinstall] if postinstall else []) + [path]
            status = system.run_command(argv, out, err, cwd=os.path.dirname(path))
            assert_no_traceback(out.getvalue() + err.getvalue(), f"modload {path}")
            if status != 0:
                if not err.getvalue().strip():
                    raise Unacceptable(f"modload failed with status {status} and said nothing")
                return "refused"
            loaded = system.modstat()[-1] if system.modstat() else None
        elif how == "load":
            module = system.load(path, postinstall=postinstall, out=out, err=err)
            slot = module.os.get("lkm_slot")
            loaded = system.lkm.stat(slot, None) if slot is not None else None
        else:
            loaded = system.modload(path, postinstall=postinstall, out=out, err=err)
    except SyscallError as exc:
        if not str(exc).strip():
            raise Unacceptable(f"{how} of {path} failed without a message: {exc!r}") from None
        return "refused"
    except Unacceptable:
        raise
    except Exception:
        raise _unexpected(f"{how} of {path}") from None
    assert_no_traceback(out.getvalue() + err.getvalue(), f"{how} {path}")
    exercise_devices(system, loaded, name)
    left = unload_everything(system)
    return "loaded, stayed" if left else "loaded"


def fresh_system(arch: str) -> NetBSDLKM:
    return NetBSDLKM(arch, call_timeout=MUTANT_TIMEOUT)


def write_mutant(directory: Path, name: str, data: bytes) -> str:
    """The mutant under its module's own name (modload finds `<name>_lkmentry` by it)."""
    path = directory / f"{name}.o"
    path.write_bytes(data)
    return str(path)


# --- the kemu command, in this process --------------------------------------------------------
INTERNAL_ERROR = 70           # kemu's exit status for a bug (kemu.cli.main)
DEBUG_SCRIPT = """stepi 12
bt
info registers
x/16x $sp
disassemble
step
next
list
info frame
info args
info locals
info line
up
info locals
down
print $pc
print *lkmtp
print lkmtp->private
print fibo_scs
list fibo_read
info symbol $pc
x/4i $pc
finish
shell modstat
{od}
shell modunload -n {name}
quit
"""
KERNEL_ADDR = {"i386": 0xC0100000, "x86_64": 0xFFFFFFFF80100000}
LOAD_AT = {"i386": 0xDCA4F000, "x86_64": 0xFFFFFFFFA0000000}


def run_kemu(argv: list[str]) -> tuple[int, str, str]:
    """`kemu ARGV` in this process: (exit status, stdout, stderr)."""
    import contextlib

    from kemu.cli.main import main
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
    except SystemExit as exc:               # argparse's usage errors
        status = exc.code if isinstance(exc.code, int) else 2
    except Exception:
        raise _unexpected(f"kemu {' '.join(argv)}") from None
    return status, out.getvalue(), err.getvalue()


def judge_kemu(argv: list[str], status: int, out: str, err: str) -> str:
    what = f"kemu {' '.join(argv)}"
    assert_no_traceback(out + err, what)
    if status == INTERNAL_ERROR:
        raise Unacceptable(f"{what} ended with kemu's internal-error status:\n{err[-3000:]}")
    if status != 0 and not err.strip() and not out.strip():
        raise Unacceptable(f"{what} failed with status {status} and said nothing")
    return "ok" if status == 0 else "refused"


#: kemu trace's output modes, one drawn per mutant
TRACE_OPTIONS = ([], ["--json"], ["-c"], ["-s", "0"], ["--instructions", "{name}_lkmentry"],
                 ["--lenient", "-s", "4096"])


def kemu_argv(tool: str, path: str, seed, workdir: Path, variant: int = 0) -> list[str]:
    """The command line that takes a mutant through `tool` (link, debug, trace); `variant`
    picks kemu trace's TRACE_OPTIONS."""
    timeout = ["--timeout", str(MUTANT_TIMEOUT)]
    postinstall = ["-p", POSTINSTALL] if seed.name == "fibo" else []
    if tool == "link":
        syms = [f"--sym={name}={KERNEL_ADDR[seed.arch] + 16 * i:#x}"
                for i, name in enumerate(seed.imports)]
        return ["link", "--base", hex(LOAD_AT[seed.arch]), "--map", *syms,
                "-o", str(workdir / "linked.elf"), path]
    if tool == "debug":
        script = workdir / "batch.gdb"
        od = "shell od -N 16 -t u4 /dev/fibo0" if seed.name == "fibo" else "shell ls -l /dev"
        script.write_text(DEBUG_SCRIPT.format(name=seed.name, od=od))
        return ["debug", *timeout, "--batch", str(script), "--no-context", *postinstall, path]
    runs = ["--run", "od -N 16 -t u4 /dev/fibo0"] if seed.name == "fibo" else []
    mode = [o.format(name=seed.name) for o in TRACE_OPTIONS[variant % len(TRACE_OPTIONS)]]
    return ["trace", *timeout, *mode, *postinstall, *runs, "--run", "modstat",
            "--run", f"modunload -n {seed.name}", path]
