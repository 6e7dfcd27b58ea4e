"""The NetBSD 1.6 user commands kemu provides: modload, modunload, modstat and the /dev file tools.

Each is `run(system, argv, out, err) -> exit status` with argv *without* the command name, and
prints exactly what the real program prints (messages from NetBSD's sbin/modload, sbin/modstat,
sbin/modunload; see /work/shared/specs/loaders.md §2).
"""
from . import fileutils, modload, modstat, modunload

COMMANDS = {
    "modload": modload.run,
    "modunload": modunload.run,
    "modstat": modstat.run,
    **fileutils.COMMANDS,
}
