"""FreeBSD's kld tools as kemu's console runs them: kldload(8), kldunload(8), kldstat(8), sysctl(8).

Each is `tool(system, argv, out, err, cwd) -> exit status`, parsing its options as the real
tool does (sbin/kldload, sbin/kldunload, sbin/kldstat, sbin/sysctl of FreeBSD 14) and printing
its messages and table formats byte for byte.
"""
from __future__ import annotations

import os

from kemu.kernel import SyscallError
from kemu.userland import atoi, getopt


def kldload_message(system, name: str, exc: SyscallError) -> str:
    """kldload(8)'s line for a failed kldload(2)."""
    if exc.errno == system.errno.EEXIST:
        return f"kldload: can't load {name}: module already loaded or in kernel"
    if exc.errno == system.errno.ENOEXEC:
        return (f"kldload: an error occurred while loading module {name}. "
                f"Please check dmesg(8) for more details.")
    return f"kldload: can't load {name}: {exc.message}"


def _strerror(system, exc: SyscallError) -> str:
    return system.errno.strerror(exc.errno)


def _pointer_width(system) -> int:
    """kldstat's POINTER_WIDTH: 2 * sizeof(void *) + 2."""
    return 2 * system.machine.word_size + 2


def _path_check(system, name: str, cwd: str, quiet: bool, err) -> bool:
    """kldload(8)'s path_check(): a bare `x.ko` present here but not in the module path is
    refused; found in the path elsewhere, it is loaded from there (with a warning)."""
    if "/" in name or ".ko" not in name:
        return True
    here = os.path.join(cwd, name)
    if not os.path.exists(here):
        return True
    here_stat = os.stat(here)
    for directory in system.module_path:
        base = directory if os.path.isabs(directory) else os.path.join(cwd, directory)
        candidate = os.path.join(base, name)
        try:
            st = os.stat(candidate)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (here_stat.st_dev, here_stat.st_ino):
            return True
        if not quiet:
            err.write(f"kldload: {name} will be loaded from {directory}, not the current directory\n")
        return True
    if not quiet:
        err.write(f"kldload: {name} is not in the module path\n")
    return False


def kldload(system, argv: list[str], out, err, cwd: str) -> int:
    """kldload [-nqv] file ..."""
    parsed = getopt("kldload", argv, "nqv")
    usage = "usage: kldload [-nqv] file ...\n"
    if parsed.error:
        err.write(parsed.error + "\n" + usage)
        return 1
    flags = {letter for letter, _ in parsed.options}
    if not parsed.operands:
        err.write(usage)
        return 1
    errors = 0
    for name in parsed.operands:
        if not _path_check(system, name, cwd, "q" in flags, err):
            errors += 1
            continue
        try:
            fid = system.kldload(name, cwd)
        except SyscallError as exc:
            if "n" in flags and exc.errno == system.errno.EEXIST:
                if "v" in flags:
                    out.write(f"{name} is already loaded\n")
                continue
            err.write(kldload_message(system, name, exc) + "\n")
            errors += 1
            continue
        if "v" in flags:
            out.write(f"Loaded {name}, id={fid}\n")
    return 1 if errors else 0


def kldunload(system, argv: list[str], out, err) -> int:
    """kldunload [-fv] -i id ... | kldunload [-fv] [-n] name ..."""
    parsed = getopt("kldunload", argv, "finv")
    usage = "usage: kldunload [-fv] -i id ...\n       kldunload [-fv] [-n] name ...\n"
    if parsed.error:
        err.write(parsed.error + "\n" + usage)
        return 1
    flags = {letter for letter, _ in parsed.options}
    if not parsed.operands:
        err.write(usage)
        return 1
    errors = 0
    for operand in parsed.operands:
        if "i" in flags:
            fid = atoi(operand)
        else:
            try:
                fid = system.kldfind(operand)
            except SyscallError:
                err.write(f"kldunload: can't find file {operand}\n")
                return 1
        if "v" in flags:
            try:
                st = system.kldstat(fid)
            except SyscallError as exc:
                err.write(f"kldunload: can't stat file: {_strerror(system, exc)}\n")
                return 1
            out.write(f"Unloading {st.name}, id={fid}\n")
        try:
            system.kldunloadf(fid, 1 if "f" in flags else 0)
        except SyscallError as exc:
            err.write(f"kldunload: can't unload file: {_strerror(system, exc)}\n")
            errors += 1
    return 1 if errors else 0


def _file_line(system, fid: int, verbose: bool) -> str:
    st = system.kldstat(fid)
    width = _pointer_width(system)
    line = f"{st.id:2d} {st.refs:4d} {f'{st.address:#x}':>{width}} {st.size:8x} {st.name}"
    if not verbose:
        return line + "\n"
    line += f" ({st.pathname})\n\tContains modules:\n\t\t Id Name\n"
    mid = system.kldfirstmod(fid)
    while mid:
        line += f"\t\t{mid:3d} {system.modstat(mid).name}\n"
        mid = system.modfnext(mid)
    return line


def kldstat(system, argv: list[str], out, err) -> int:
    """kldstat [-dhqv] [-i id] [-n filename] | kldstat [-dq] [-m modname]"""
    parsed = getopt("kldstat", argv, "dhi:m:n:qv")
    usage = ("usage: kldstat [-dhqv] [-i id] [-n filename]\n"
             "       kldstat [-dq] [-m modname]\n")
    if parsed.error or parsed.operands:
        if parsed.error:
            err.write(parsed.error + "\n")
        err.write(usage)
        return 1
    opts = dict(parsed.options)
    quiet, verbose = "q" in opts, "v" in opts
    if "m" in opts:
        name = opts["m"]
        try:
            st = system.modstat(system.modfind(name))
        except SyscallError as exc:
            if not quiet:
                err.write(f"kldstat: can't find module {name}: {_strerror(system, exc)}\n")
            return 1
        out.write("Id  Refs Name\n")
        out.write(f"{st.id:3d} {st.refs:4d} {st.name}\n")
        return 0
    fid = 0
    if "i" in opts:
        fid = atoi(opts["i"])
    if "n" in opts:
        try:
            fid = system.kldfind(opts["n"])
        except SyscallError as exc:
            if not quiet:
                err.write(f"kldstat: can't find file {opts['n']}: {_strerror(system, exc)}\n")
            return 1
    width = _pointer_width(system)
    out.write(f"Id Refs Address{' ' * (width - 7)} {'Size':>8} Name\n")
    try:
        if fid:
            out.write(_file_line(system, fid, verbose))
            return 0
        fid = system.kldnext(0)
        while fid:
            out.write(_file_line(system, fid, verbose))
            fid = system.kldnext(fid)
    except SyscallError as exc:
        err.write(f"kldstat: can't stat file id {fid}: {_strerror(system, exc)}\n")
        return 1
    return 0


def _show(system, oid, value) -> str:
    return value if isinstance(value, str) else (value.hex() if isinstance(value, bytes) else str(value))


def sysctl(system, argv: list[str], out, err) -> int:
    """sysctl [-n] name[=value] ... | sysctl [-n] -a"""
    parsed = getopt("sysctl", argv, "an")
    if parsed.error:
        err.write(parsed.error + "\n")
        err.write("usage: sysctl [-n] name[=value] ...\n       sysctl [-n] -a\n")
        return 1
    flags = {letter for letter, _ in parsed.options}
    bare = "n" in flags
    tree = system.sysctl
    operands = parsed.operands or ([""] if "a" in flags else [])
    if not operands:
        err.write("usage: sysctl [-n] name[=value] ...\n       sysctl [-n] -a\n")
        return 1
    status = 0
    for operand in operands:
        name, assign, new = operand.partition("=")
        try:
            node = tree.root if name == "" else tree.find(name)
        except SyscallError:
            err.write(f"sysctl: unknown oid '{name}'\n")
            status = 1
            continue
        if assign:
            if not node.kind & tree.WR:
                err.write(f"sysctl: oid '{name}' is read only\n")
                status = 1
                continue
            try:
                old = tree.read(node)
                parsed_new: int | str = new
                if tree.type_of(node) != tree.STRING:
                    try:
                        parsed_new = int(new, 0)
                    except ValueError:
                        err.write(f"sysctl: invalid integer '{new}'\n")
                        status = 1
                        continue
                tree.write(node, parsed_new)
                now = tree.read(node)
            except SyscallError as exc:
                err.write(f"sysctl: {operand}: {_strerror(system, exc)}\n")
                status = 1
                continue
            out.write(f"{_show(system, node, old)} -> {_show(system, node, now)}\n" if bare
                      else f"{name}: {_show(system, node, old)} -> {_show(system, node, now)}\n")
            continue
        for leaf in tree.leaves(node):
            try:
                value = tree.read(leaf)
            except SyscallError as exc:
                err.write(f"sysctl: {leaf.path}: {_strerror(system, exc)}\n")
                status = 1
                continue
            out.write(f"{_show(system, leaf, value)}\n" if bare else f"{leaf.path}: {_show(system, leaf, value)}\n")
    return status


#: name -> tool(system, argv, out, err[, cwd])
COMMANDS = {"kldload": kldload, "kldunload": kldunload, "kldstat": kldstat, "sysctl": sysctl}
