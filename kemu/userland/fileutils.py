"""`mknod`, `rm`, `chmod` and `ls` over a system's /dev, with the BSD tools' options and messages.

The console and a personality's helpers (NetBSD's post-install shims) share these, so a
script's `mknod /dev/fibo0 c 29 0` and a user's typed one behave the same. Every function
takes the system whose /dev it acts on, the personality's `UserlandSpec` (owner and group
names, the `ls -l` format), argv without the command name and the output streams, and
returns the exit status. Error texts are the system's (`system.errno.strerror`).
"""
from __future__ import annotations

import re
from typing import TextIO

from .getopt import getopt
from .spec import UserlandSpec


def mknod(system, spec: UserlandSpec, argv: list[str], out: TextIO, err: TextIO) -> int:
    """mknod name [b | c] major minor — the node is created with mode 0666 less the umask (022)."""
    parsed = getopt("mknod", argv, "", spec.getopt_style)
    usage = "usage: mknod name [b | c] major minor\n"
    if parsed.error or len(parsed.operands) != 4:
        if parsed.error:
            err.write(parsed.error + "\n")
        err.write(usage)
        return 1
    name, kind, major_text, minor_text = parsed.operands
    if kind not in ("b", "c"):
        err.write("mknod: node must be type 'b' or 'c'.\n")
        return 1
    numbers = []
    for what, text in (("major", major_text), ("minor", minor_text)):
        try:
            value = int(text, 0)
        except ValueError:
            value = -1
        if value < 0 or value > 0xFFFFFFFF:
            err.write(f"mknod: invalid {what} number '{text}'\n")
            return 1
        numbers.append(value)
    try:
        system.kernel.devfs.mknod(name, kind, numbers[0], numbers[1], 0o666 & ~getattr(system, "umask", 0o022))
    except OSError as exc:
        err.write(f"mknod: {name}: {system.errno.strerror(exc.errno)}\n")
        return 1
    return 0


def rm(system, spec: UserlandSpec, argv: list[str], out: TextIO, err: TextIO) -> int:
    """rm [-f] [-v] file ... — only device nodes exist in kemu's file system."""
    parsed = getopt("rm", argv, "fiRrvdPW", spec.getopt_style)
    if parsed.error or not parsed.operands and not any(o == "f" for o, _ in parsed.options):
        if parsed.error:
            err.write(parsed.error + "\n")
        err.write("usage: rm [-f|-i] [-dPRrvW] file ...\n")
        return 1
    flags = {o for o, _ in parsed.options}
    status = 0
    for name in parsed.operands:
        try:
            system.kernel.devfs.unlink(name)
        except OSError as exc:
            if "f" in flags and exc.errno == system.errno.ENOENT:
                continue
            err.write(f"rm: {name}: {system.errno.strerror(exc.errno)}\n")
            status = 1
            continue
        if "v" in flags:
            out.write(name + "\n")
    return status


_SYMBOLIC = re.compile(r"([ugoa]*)([-+=])([rwxXst]*|[ugo])$")


def parse_mode(text: str, current: int) -> int | None:
    """An octal or symbolic (u+w,go=r) mode applied to `current`; None if it is not a mode."""
    if re.fullmatch(r"[0-7]{1,4}", text):
        return int(text, 8)
    mode = current
    for clause in text.split(","):
        match = _SYMBOLIC.match(clause)
        if not match:
            return None
        who, op, perms = match.groups()
        mask = 0
        for w in who or "a":
            mask |= {"u": 0o4700, "g": 0o2070, "o": 0o0007, "a": 0o6777}[w]
        if not who:
            mask &= ~0o022  # like chmod(1) with no "who": the umask limits it
        if perms in ("u", "g", "o"):
            shift = {"u": 6, "g": 3, "o": 0}[perms]
            bits = (current >> shift) & 7
            value = bits << 6 | bits << 3 | bits
        else:
            value = 0
            for p in perms:
                value |= {"r": 0o444, "w": 0o222, "x": 0o111, "X": 0o111, "s": 0o6000, "t": 0o1000}[p]
        value &= mask | (0o1000 if "t" in perms else 0)
        if op == "+":
            mode |= value
        elif op == "-":
            mode &= ~value
        else:
            mode = (mode & ~(mask if who else 0o7777 & ~0o022)) | value
    return mode & 0o7777


def chmod(system, spec: UserlandSpec, argv: list[str], out: TextIO, err: TextIO) -> int:
    """chmod mode file ... — octal or symbolic modes."""
    parsed = getopt("chmod", argv, "fhHLPR", spec.getopt_style)
    if parsed.error or len(parsed.operands) < 2:
        if parsed.error:
            err.write(parsed.error + "\n")
        err.write("usage: chmod [-R [-H | -L | -P]] [-fh] mode file ...\n")
        return 1
    mode_text, *names = parsed.operands
    if parse_mode(mode_text, 0) is None:
        err.write(f"chmod: invalid file mode: {mode_text}\n")
        return 1
    quiet = any(o == "f" for o, _ in parsed.options)
    status = 0
    for name in names:
        try:
            node = system.kernel.devfs.stat(name)
            system.kernel.devfs.chmod(name, parse_mode(mode_text, node.mode))
        except OSError as exc:
            if not quiet:
                err.write(f"chmod: {name}: {system.errno.strerror(exc.errno)}\n")
            status = 1
    return status


def ls(system, spec: UserlandSpec, argv: list[str], out: TextIO, err: TextIO) -> int:
    """ls [-l] [file ...] — names, or the system's long format (`spec.ls_long`); `/dev` lists
    every node."""
    parsed = getopt("ls", argv, "1ladFs", spec.getopt_style)
    if parsed.error:
        err.write(parsed.error + "\n")
        err.write("usage: ls [-AaBbCcdFfghikLlmnopqRrSsTtuWwx1] [file ...]\n")
        return 1
    long_format = any(o == "l" for o, _ in parsed.options)
    names = parsed.operands or ["/dev"]
    status = 0
    files: list[tuple[str, object]] = []
    directories: list[str] = []
    for name in names:
        if name.rstrip("/") in ("/dev", "/"):
            directories.append(name)
            continue
        listed = system.list_directory(name) if hasattr(system, "list_directory") else None
        if listed is not None:              # a directory the system generates (Linux's /sys/bus)
            out.write("".join(entry + "\n" for entry in listed))
            continue
        node = system.kernel.devfs.lookup(name)
        if node is None:
            err.write(f"ls: {name}: {system.errno.strerror(system.errno.ENOENT)}\n")
            status = 1
            continue
        files.append((name, node))
    files.sort(key=lambda item: item[0])
    now = system.kernel.clock.time
    if files:
        if long_format:
            for line in spec.ls_long(files, spec.user_name, spec.group_name, now):
                out.write(line + "\n")
        else:
            for name, _ in files:
                out.write(name + "\n")
    for i, directory in enumerate(directories):
        if files or len(directories) > 1:
            out.write(("\n" if files or i else "") + f"{directory}:\n")
        nodes = system.kernel.devfs.nodes()
        if long_format:
            total = 0
            out.write(f"total {total}\n")
            for line in spec.ls_long([(n.name, n) for n in nodes], spec.user_name, spec.group_name, now):
                out.write(line + "\n")
        else:
            for n in nodes:
                out.write(n.name + "\n")
    return status


#: name -> function(system, spec, argv without the name, out, err) -> status
FILE_TOOLS = {"mknod": mknod, "rm": rm, "chmod": chmod, "ls": ls}
