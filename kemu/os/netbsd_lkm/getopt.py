"""NetBSD's getopt(3) for the module tools: kemu.userland.getopt with its BSD style (the default)."""
from kemu.userland.getopt import Parsed, atoi, getopt

__all__ = ["Parsed", "atoi", "getopt"]
