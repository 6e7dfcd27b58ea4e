"""NetBSD 10's module tools as kemu's console runs them: modload(8), modunload(8), modstat(8),
and the two system commands that matter to modules, sysctl(8) for `kern.module.*` and sleep(1)
(virtual time, so the auto-unload thread can be watched).

Each is a face over the system's modctl verbs (system.py): it parses its options as the real
program does (sbin/modload/main.c 1.16, sbin/modunload/main.c 1.5, sbin/modstat/main.c 1.23;
docs/netbsd-module.md §3, §7, §8) and prints what it prints.
"""
from __future__ import annotations

import re

from kemu.kernel import SyscallError
from kemu.userland.getopt import getopt

from kemu.intbits import to_signed

from . import constants as C
from .layouts import MODSTAT
from .modules import ModStat
from .proplib import PlistError, externalize, parse_plist

MODLOAD_USAGE = ("Usage: modload [-fP] [-b var=boolean] [-i var=integer] [-s var=string] module\n"
                 "       modload -p [-b var=boolean] [-d var] [-i var=integer] [-m plist]\n"
                 "               [-s var=string]\n")
MODUNLOAD_USAGE = "Usage: modunload <module_name ...>\n"
MODSTAT_USAGE = "Usage: modstat [-Aaen] [name]\n"
SUFFIXES = {"": 0, "b": 0, "k": 10, "m": 20, "g": 30, "t": 40, "p": 50, "e": 60}


def _host_path(cwd, path: str) -> str:
    import os
    return path if os.path.isabs(path) or cwd is None else os.path.join(cwd, path)


def dehumanize_number(text: str) -> int:
    """libutil's dehumanize_number: `10k` is 10240; ValueError (EINVAL) or OverflowError (ERANGE)."""
    m = re.fullmatch(r"\s*([-+]?\d+)([bBkKmMgGtTpPeE]?)", text)
    if not m:
        raise ValueError(text)
    value = int(m.group(1)) << SUFFIXES[m.group(2).lower()]
    if not -(1 << 63) <= value < (1 << 63):
        raise OverflowError(text)
    return value


def _split(arg: str, err) -> tuple[str, str] | None:
    if "=" not in arg:
        err.write(f"modload: Invalid parameter `{arg}'\n")
        return None
    name, value = arg.split("=", 1)
    return name, value


def modload(system, args: list[str], out, err, cwd: str | None = None) -> int:
    """modload [-fP] [-b var=bool] [-i var=int] [-s var=string] module; -p prints the dictionary."""
    parsed = getopt("modload", args, "Pb:d:fi:m:ps:")
    if parsed.error:
        err.write(parsed.error + "\n" + MODLOAD_USAGE)
        return 1
    flags, props, printing, deletes, merge_file = 0, {}, False, [], None
    for opt, value in parsed.options:
        opt = "-" + opt.lstrip("-")
        if opt == "-f":
            flags |= C.MODCTL_LOAD_FORCE
        elif opt == "-P":
            flags |= C.MODCTL_NO_PROP
        elif opt == "-p":
            printing = True
        elif opt == "-d":
            deletes.append(value)
        elif opt == "-m":
            merge_file = value
        else:
            pair = _split(value, err)
            if pair is None:
                return 1
            name, text = pair
            if opt == "-b":
                word = text.lower()
                if word in ("1", "true", "yes"):
                    props[name] = True
                elif word in ("0", "false", "no"):
                    props[name] = False
                else:
                    err.write(f"modload: Invalid boolean value `{text}'\n")
                    return 1
            elif opt == "-i":
                try:
                    props[name] = dehumanize_number(text)
                except ValueError:
                    err.write(f"modload: Invalid integer value `{text}': {system.errno.strerror(system.errno.EINVAL)}\n")
                    return 1
                except OverflowError:
                    err.write(f"modload: Invalid integer value `{text}': {system.errno.strerror(system.errno.ERANGE)}\n")
                    return 1
            else:
                props[name] = text
    if printing:
        if parsed.operands:
            err.write(MODLOAD_USAGE)
            return 1
        if merge_file is not None:
            try:
                with open(_host_path(cwd, merge_file), "rb") as f:
                    props = {**parse_plist(f.read()), **props}
            except (OSError, PlistError) as exc:
                err.write(f"modload: {merge_file}: {getattr(exc, 'strerror', None) or exc}\n")
                return 1
        for name in deletes:
            props.pop(name, None)
        out.write(externalize(props).decode("utf-8"))
        return 0
    if deletes or merge_file is not None or len(parsed.operands) != 1:
        err.write(MODLOAD_USAGE)
        return 1
    module = parsed.operands[0]
    try:
        system.modctl_load(module, flags, props, cwd=cwd)
    except SyscallError as exc:
        err.write(f"modload: {module}: {exc.message}\n")
        return 1
    return 0


def modunload(system, args: list[str], out, err, cwd: str | None = None) -> int:
    """modunload name ...: each in turn; the first failure ends it."""
    parsed = getopt("modunload", args, "")
    if parsed.error or not parsed.operands:
        err.write((parsed.error + "\n" if parsed.error else "") + MODUNLOAD_USAGE)
        return 1
    for name in parsed.operands:
        try:
            system.modctl_unload(name)
        except SyscallError as exc:
            err.write(f"modunload: {name}: {exc.message}\n")
            return 1
    return 0


def read_stat_buffer(data: bytes, arch: str) -> list[ModStat]:
    """The rows of a MODCTL_STAT buffer, read as NetBSD 10's modstat reads them."""
    layout = MODSTAT.layout(arch)
    count = int.from_bytes(data[:4], "little")
    strings = data[4 + count * layout.size:]
    rows = []
    for i in range(count):
        rec = data[4 + i * layout.size:4 + (i + 1) * layout.size]
        f = layout.unpack(rec)
        name = rec[:C.MAXMODNAME].split(b"\0", 1)[0].decode("latin-1")
        off = f["ms_reqoffset"]
        required = strings[off:].split(b"\0", 1)[0].decode("latin-1") if off else ""
        rows.append(ModStat(name, f["ms_class"], f["ms_source"], f["ms_flags"],
                            to_signed(f["ms_refcnt"], 32), f["ms_addr"], f["ms_size"], required))
    return rows


def modstat(system, args: list[str], out, err, cwd: str | None = None) -> int:
    """modstat [-Aaek] [-n name | name]: the table sorted by name."""
    parsed = getopt("modstat", args, "Aaekn:")
    if parsed.error or len(parsed.operands) > 1:
        err.write((parsed.error + "\n" if parsed.error else "") + MODSTAT_USAGE)
        return 1
    opts = {"-" + o.lstrip("-"): v for o, v in parsed.options}
    name = opts.get("-n") or (parsed.operands[0] if parsed.operands else None)
    if "-A" in opts or "-a" in opts:
        if "-A" in opts and not system.sysctl_get("kern.module.autoload"):
            err.write("modstat: Modules can be autoloaded, but kern.module.autoload = 0.\n")
            return 1
        try:
            system.modctl_exists(autoload=True)
        except SyscallError:
            err.write("modstat: Modules can not be autoloaded right now.\n")
            return 1
        out.write("Modules can be autoloaded.\n")
        return 0
    if "-e" in opts:
        try:
            system.modctl_exists(autoload=False)
        except SyscallError:
            err.write("modstat: You are not allowed to load modules right now.\n")
            return 1
        out.write("You can load modules.\n")
        return 0
    rows = read_stat_buffer(system.modctl_stat_buffer(), system.arch)
    width = max([16] + [len(r.name) for r in rows])
    show_addr = "-k" in opts
    head = f"{'NAME':<{width}} {'CLASS':<8} {'SOURCE':<8} {'FLAG':<4} {'REFS':>5} "
    if show_addr:
        head += f"{'ADDRESS':<16} "
    out.write(head + f"{'SIZE':>7} {'REQUIRES'} \n")
    for r in sorted(rows, key=lambda r: r.name.encode("latin-1")):
        if name is not None and r.name != name:
            continue
        cls = C.CLASS_NAMES[r.modclass] if 0 <= r.modclass < len(C.CLASS_NAMES) else "UNKNOWN"
        src = C.SOURCE_NAMES[r.source] if 0 <= r.source < len(C.SOURCE_NAMES) else "UNKNOWN"
        flag = ("-", "f", "a", "af")[r.flags & 3]
        line = f"{r.name:<{width}} {cls:<8} {src:<8} {flag:<4} {r.refcnt:>5d} "
        if show_addr:
            line += f"{r.addr:<16x} "
        line += f"{str(r.size) if r.size else '-':>7} {r.required or '-'}\n"
        out.write(line)
    return 0


def sysctl(system, args: list[str], out, err, cwd: str | None = None) -> int:
    """sysctl [-n] [name[=value] ...] for kern.module.*; no name lists them all."""
    parsed = getopt("sysctl", args, "an")
    if parsed.error:
        err.write(parsed.error + "\nusage: sysctl [-n] variable[=value] ...\n")
        return 1
    bare = any(o.lstrip("-") == "n" for o, _ in parsed.options)
    names = parsed.operands or ["kern.module"]
    status = 0
    for item in names:
        name, _, value = item.partition("=")
        keys = ([f"kern.module.{k}" for k in system.modules.sysctl] if name in ("kern.module", "kern")
                else [name])
        try:
            if "=" in item:
                old = system.sysctl_get(name)
                system.sysctl_set(name, value)
                out.write(f"{name}: {old} -> {system.sysctl_get(name)}\n")
                continue
            for key in keys:
                v = system.sysctl_get(key)
                out.write(f"{v}\n" if bare else f"{key} = {v}\n")
        except SyscallError as exc:
            if exc.name == "ENOENT":
                err.write(f"sysctl: third level name `{name.split('.')[-1]}' in {name} is invalid\n")
            else:
                err.write(f"sysctl: {name}: {exc.message}\n")
            status = 1
        except ValueError:
            err.write(f"sysctl: {name}: {system.errno.strerror(system.errno.EINVAL)}\n")
            status = 1
    return status


def sleep(system, args: list[str], out, err, cwd: str | None = None) -> int:
    """sleep N: N seconds of the virtual clock pass (the kernel's threads run meanwhile)."""
    if len(args) != 1 or not args[0].isdigit():
        err.write("usage: sleep seconds\n")
        return 1
    system.sleep(int(args[0]))
    return 0


COMMANDS = {"modload": modload, "modunload": modunload, "modstat": modstat, "sysctl": sysctl,
            "sleep": sleep}
