"""kemu.userland — the console every personality shares (contract: docs/interfaces.md §5a).

A layer above kemu.kernel and below kemu.os: sh's line syntax and engine (pipelines that
stream, `&&`, `||`, `;`, redirections, held descriptors), and the standard tools (`od`, `cat`,
`echo`, `head`, `ls -l`, `mknod`, `rm`, `chmod`, `dmesg` …). A personality describes what differs
on its system in a `UserlandSpec` — its own commands (`name -> command(argv, stdin, out, err)
-> status`), texts, prompt and `ls -l` format — and gets a whole console:

    shell = Shell(system, UserlandSpec("NetBSD 1.6", commands=lambda shell: {...}))
    shell.run_line("modload fibo.o && od -N 16 /dev/fibo0")

Each name is imported from its module when first used (kemu.lazy).
"""
from __future__ import annotations

from kemu.lazy import lazy_exports

# `getopt` is also the name of a module here: bound now, so the function is what
# `kemu.userland.getopt` means whichever import comes first (as before).
from .getopt import Parsed, atoi, getopt

__getattr__, __dir__ = lazy_exports(__name__, {
    ".builtins": ["ShellExit", "standard_commands"],
    ".ls_formats": ["gnu_ls_long"],
    ".shell": ["Shell"],
    ".spec": ["Command", "ShellTexts", "UserlandSpec"],
    ".streams": ["ByteSource", "DeviceSource", "HeldSource"],
    ".syntax": ["Redirections", "ShellSyntaxError", "expand_words"],
})

__all__ = ["Shell", "ShellExit", "UserlandSpec", "ShellTexts", "Command", "standard_commands",
           "ByteSource", "DeviceSource", "HeldSource", "Redirections", "ShellSyntaxError",
           "expand_words", "getopt", "Parsed", "atoi", "gnu_ls_long"]
