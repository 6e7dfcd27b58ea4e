"""printk: kernel messages with log levels (include/linux/kern_levels.h, kernel/printk)."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("printk")

SOH = 0x01
DEFAULT_LEVEL = 4          # a message without a level: CONFIG_MESSAGE_LOGLEVEL_DEFAULT


def split_level(text: bytes) -> tuple[int | None, bool, bytes]:
    """(level or None, is a continuation, message) of a formatted printk string: the
    KERN_SOH-prefixed level characters are taken off the front ("\\0011" is KERN_ALERT,
    "\\001c" KERN_CONT, "\\001d" KERN_DEFAULT)."""
    level, cont = None, False
    while len(text) >= 2 and text[0] == SOH:
        c = text[1]
        if 0x30 <= c <= 0x37:
            level = c - 0x30
        elif c == ord("c"):
            cont = True
        elif c != ord("d"):
            break
        text = text[2:]
    return level, cont, text


@table.service("int _printk(const char *fmt, ...)")
def _printk(k, fmt: int, args) -> int:
    """Format like the kernel's vsnprintf and log it at the message's level (default 4):
    dmesg gets it with a timestamp; the console if the level is below the console level."""
    level, cont, text = split_level(k.linux.format(fmt, args))
    k.linux.log(text.decode("utf-8", "replace"), DEFAULT_LEVEL if level is None else level, cont=cont)
    return len(text)


@table.service("void __warn_printk(const char *fmt, ...)")
def __warn_printk(k, fmt: int, args) -> None:
    """The message of a WARN(cond, fmt, ...) whose condition held: the cut-here line, then
    the message (the WARNING report itself comes from the trap the macro executes next)."""
    k.linux.pr("------------[ cut here ]------------", 4)
    level, cont, text = split_level(k.linux.format(fmt, args))
    k.linux.log(text.decode("utf-8", "replace"), DEFAULT_LEVEL if level is None else level, cont=cont)


@table.service("void __dynamic_pr_debug(struct _ddebug *descriptor, const char *fmt, ...)")
def __dynamic_pr_debug(k, descriptor: int, fmt: int, args) -> None:
    """A pr_debug site that was enabled: the message at KERN_DEBUG (dmesg only)."""
    level, cont, text = split_level(k.linux.format(fmt, args))
    k.linux.log(text.decode("utf-8", "replace"), 7, cont=cont)
