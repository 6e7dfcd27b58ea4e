"""The Linux console: kemu's shared console with Debian's module tools (kmod's insmod,
rmmod, lsmod, modinfo), uname, GNU `ls -l`, and /proc and /sys to cat.

Module files are read from the shell's working directory (the host's current directory)."""
from __future__ import annotations

import os
from typing import TextIO

from kemu.userland import Shell as _Shell, ShellTexts, UserlandSpec, gnu_ls_long
from kemu.userland.streams import ByteSource

from .insmod import InsmodError
from .modinfo import read_modinfo
from .procfs import lsmod
from .rmmod import RmmodError

HELP = """\
  depmod [-a]   modprobe [-r] [-f|--force-vermagic|--force-modversion] NAME [param=value ...]   (over the current directory)
  insmod [-f] [--lenient] MODULE.ko [param=value ...]   rmmod [-f] NAME   lsmod   modinfo MODULE.ko
  sleep SECONDS (virtual time: timers fire, work runs)   uname [-r|-a]
  cat /proc/modules /proc/devices /proc/version /sys/module/NAME/refcnt
"""
HELP_FOOTER = "Module files are read from the current directory; everything else lives in kemu.\n"


def _linux_commands(shell: _Shell) -> dict:
    system = shell.system

    def host(path: str) -> str:
        return path if os.path.isabs(path) else os.path.join(shell.cwd, path)

    def insmod(argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
        args = argv[1:]
        force = lenient = False
        while args and args[0].startswith("-") and args[0] != "-":
            if args[0] in ("-f", "--force"):
                force = True
                args = args[1:]
            elif args[0] == "--lenient":          # kemu's: missing kernel functions become logging stubs
                lenient = True
                args = args[1:]
            else:
                err.write(f"insmod: ERROR: unknown option '{args[0]}'\n")
                return 1
        if not args:
            err.write("insmod: ERROR: missing filename.\n")
            return 1
        try:
            system.insmod(host(args[0]), args[1:], force=force, lenient=lenient, display=args[0])
        except InsmodError as exc:
            err.write(exc.output)
            return exc.status
        return 0

    def rmmod(argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
        args, force = argv[1:], False
        if args and args[0] in ("-f", "--force"):
            force, args = True, args[1:]
        if not args:
            err.write("rmmod: ERROR: missing module name.\n")
            return 1
        status = 0
        for name in args:
            try:
                system.rmmod(name, force=force)
            except RmmodError as exc:
                err.write(exc.output)
                status = exc.status
        return status

    def lsmod_cmd(argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
        out.write(lsmod(system))
        return 0

    def modinfo(argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
        if len(argv) < 2:
            err.write("modinfo: ERROR: missing module or filename.\n")
            return 1
        status = 0
        for name in argv[1:]:
            try:
                obj = system.kernel.loader.read_object(host(name), name)
            except OSError:
                err.write(f"modinfo: ERROR: Module {name} not found.\n")
                status = 1
                continue
            except Exception as exc:
                err.write(f"modinfo: ERROR: could not get modinfo from '{name}': {exc}\n")
                status = 1
                continue
            info = read_modinfo(obj)
            out.write(f"{'filename:':<16}{os.path.abspath(host(name))}\n")
            types = {v.split(":", 1)[0]: v.split(":", 1)[1] for v in info.all("parmtype") if ":" in v}
            for tag, value in info.tags:
                if tag == "parmtype":
                    continue
                if tag == "parm" and ":" in value:
                    pname, desc = value.split(":", 1)
                    value = f"{pname}:{desc} ({types[pname]})" if pname in types else value
                out.write(f"{tag + ':':<16}{value}\n")
        return status

    def uname(argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
        flags = argv[1:] or ["-s"]
        machine = "x86_64" if system.arch == "x86_64" else "i686"
        if flags == ["-r"]:
            out.write(system.release + "\n")
        elif flags == ["-a"]:
            out.write(f"Linux kemu {system.release} #1 SMP PREEMPT_DYNAMIC Debian {machine} GNU/Linux\n")
        elif flags == ["-m"]:
            out.write(machine + "\n")
        elif flags == ["-s"]:
            out.write("Linux\n")
        else:
            err.write(f"uname: invalid option -- '{flags[0].lstrip('-')[:1]}'\n")
            return 1
        return 0

    def sleep(argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
        """GNU sleep NUMBER[smhd]: virtual time passes (timers fire, queued work runs)."""
        if len(argv) < 2:
            err.write("sleep: missing operand\n")
            return 1
        total = 0.0
        for word in argv[1:]:
            unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(word[-1:], None)
            number = word[:-1] if unit else word
            try:
                value = float(number)
                if value < 0 or value != value:
                    raise ValueError
            except ValueError:
                err.write(f"sleep: invalid time interval ‘{word}’\n")
                return 1
            total += value * (unit or 1)
        system.advance(total)
        return 0

    def depmod(argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
        from .depmod import DepmodError, modules_dep
        args = [a for a in argv[1:] if a not in ("-a", "-A")]
        if args and args[0] != system.release:
            err.write(f"depmod: ERROR: could not open directory /lib/modules/{args[0]}: "
                      "No such file or directory\n")
            return 1
        try:
            system.modules_dep = modules_dep(shell.cwd, warn=lambda line: err.write(line + "\n"))
        except DepmodError as exc:
            err.write(f"{exc}\n")
            return 1
        system.module_dir = shell.cwd
        return 0

    def modprobe(argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
        from .depmod import parse_dep
        args, remove = argv[1:], False
        force = {"force_vermagic": False, "force_modversion": False}
        while args and args[0].startswith("-") and args[0] != "-":
            opt, args = args[0], args[1:]
            if opt in ("-r", "--remove"):
                remove = True
            elif opt in ("-f", "--force"):           # kmod: both of the forced checks
                force = dict.fromkeys(force, True)
            elif opt == "--force-vermagic":
                force["force_vermagic"] = True
            elif opt == "--force-modversion":
                force["force_modversion"] = True
            else:
                err.write(f"modprobe: ERROR: unknown option '{opt}'\n")
                return 1
        if not args:
            err.write("modprobe: ERROR: missing parameters. See -h.\n")
            return 1
        deps = parse_dep(system.modules_dep or "")
        name = args[0].replace("-", "_")
        chain = deps.get(name)
        if chain is None:
            if remove and system.find_module(name) is None:
                err.write(f"modprobe: FATAL: Module {name} not found.\n")
            else:
                err.write(f"modprobe: FATAL: Module {name} not found in directory /lib/modules/{system.release}\n")
            return 1
        if remove:
            for path in chain:
                mod = path.rsplit("/", 1)[-1][:-3].replace("-", "_")
                if system.find_module(mod) is None:
                    if mod == name:
                        err.write(f"modprobe: FATAL: Module {name} is not in kernel.\n")
                        return 1
                    continue
                if mod != name and system.kernel.loader.users_of(system.find_module(mod)):
                    continue
                try:
                    system.rmmod(mod)
                except RmmodError as exc:
                    err.write(exc.output.replace("rmmod: ERROR:", "modprobe: FATAL:"))
                    return 1
            return 0
        if system.find_module(name) is not None:
            return 0
        for path in reversed(chain):
            mod = path.rsplit("/", 1)[-1][:-3].replace("-", "_")
            if system.find_module(mod) is not None:
                continue
            try:
                system.insmod(os.path.join(system.module_dir, path), args[1:] if mod == name else [],
                              display=path, **force)
            except InsmodError as exc:
                # kmod's modprobe: strerror, but its own hint for a missing symbol or parameter
                text = ("Unknown symbol in module, or unknown parameter (see dmesg)" if exc.name == "ENOENT"
                        else system.errno.strerror(exc.errno))
                err.write(f"modprobe: ERROR: could not insert '{mod}': {text}\n")
                return 1
        return 0

    return {"depmod": depmod, "modprobe": modprobe, "sleep": sleep, "insmod": insmod, "rmmod": rmmod, "lsmod": lsmod_cmd, "modinfo": modinfo, "uname": uname}


LINUX_USERLAND = UserlandSpec(
    system_name="Debian 12 (Linux 6.1)",
    commands=_linux_commands,
    help=HELP,
    help_footer=HELP_FOOTER,
    prompt="# ",
    users={0: "root"},
    groups={0: "root"},
    ls_long=gnu_ls_long,
    getopt_style="gnu",
    texts=ShellTexts(not_found="sh: 1: {name}: not found", cannot_create="sh: 1: cannot create {path}: {error}",
                     cannot_open="sh: 1: cannot open {path}: {error}"),
)


class Shell(_Shell):
    """A Linux console on a booted `Linux`."""

    def __init__(self, system, out: TextIO | None = None, err: TextIO | None = None,
                 cwd: str | None = None, prompt: str | None = None, echo: bool = False):
        super().__init__(system, LINUX_USERLAND, out=out, err=err, cwd=cwd, prompt=prompt, echo=echo)
