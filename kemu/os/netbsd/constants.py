"""NetBSD 10.0's module(9) numbers (sys/module.h 1.48, kern_module.c 1.160.2.1).

See docs/netbsd-module.md §1 for where each one comes from.
"""
from __future__ import annotations

RELEASE = "10.0"
NETBSD_VERSION = 1000000000            # __NetBSD_Version__ of NetBSD 10.0
MACHINE = {"i386": "i386", "x86_64": "amd64"}

CLASS_NAMES = ("any", "misc", "vfs", "driver", "exec", "secmodel", "bufq")
MODULE_CLASS_ANY, MODULE_CLASS_MISC, MODULE_CLASS_DRIVER, MODULE_CLASS_SECMODEL, MODULE_CLASS_MAX = 0, 1, 3, 5, 7
SOURCE_NAMES = ("builtin", "boot", "filesys")
MODULE_SOURCE_KERNEL, MODULE_SOURCE_BOOT, MODULE_SOURCE_FILESYS = 0, 1, 2
MODULE_CMD_INIT, MODULE_CMD_FINI, MODULE_CMD_STAT, MODULE_CMD_AUTOUNLOAD = 0, 1, 2, 3
MAXMODNAME = 32
MODFLG_MUST_FORCE, MODFLG_AUTO_LOADED = 0x01, 0x02
MODCTL_LOAD_FORCE, MODCTL_NO_PROP = 0x1, 0x2
MODCTL_LOAD, MODCTL_UNLOAD, MODCTL_OSTAT, MODCTL_EXISTS, MODCTL_STAT = 0, 1, 2, 3, 4
PLIST_MAX = 8191                       # kern_module_vfs.c: a plist of this size or more is EFBIG
PROPS_MAX = 4096                       # sys_module.c: modload's externalized dictionary
AUTOTIME_DEFAULT = 10                  # kern.module.autotime, seconds
NODEVMAJOR = -1
MAXDEVSW = 512                         # subr_devsw.c: majors >= this are "exhausted"


def module_compatible(v1: int, v2: int) -> bool:
    """kern_module.c's check on a release kernel: the same major.minor."""
    return abs(v1 - v2) < 10000


def module_base(arch: str) -> str:
    """The kernel's module directory, `/stand/<machine>/<release>/modules`."""
    return f"/stand/{MACHINE[arch]}/{RELEASE}/modules"
