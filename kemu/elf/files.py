"""Reading an object file from a path: the one way every caller (kemu link, the module loaders,
the debugger) gets an object's bytes.

A path may name anything: a directory, a FIFO that never delivers end-of-file, /dev/zero that
never ends, a terminal, or a file of many gigabytes. Only regular files no larger than
`MAX_OBJECT_FILE_SIZE` are read; anything else is a `BadObject` naming the path and what it
is, before a single byte is read (a FIFO is never even opened for reading in blocking mode).
"""
from __future__ import annotations

import errno
import os
import stat

from .errors import BadObject

# Debian's largest Linux module (amdgpu.ko) is 18.6 MiB; with full DWARF such modules grow to
# a few hundred MiB. Nothing larger is a kernel module, and reading it would cost that memory.
MAX_OBJECT_FILE_SIZE = 512 << 20

_KINDS = [(stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket")]


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def _refuse_unless_regular(path: str, st: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise BadObject(path, f"cannot read an object from {_kind(st.st_mode)}: "
                              "only regular files hold objects")
    if st.st_size > limit:
        raise BadObject(path, f"file of {st.st_size:#x} bytes is larger than any kernel module "
                              f"(kemu reads at most {limit:#x})")


def read_object_file(path: str | os.PathLike, limit: int = MAX_OBJECT_FILE_SIZE) -> bytes:
    """The bytes of the regular file at `path`.

    Raises BadObject (naming the path) for a directory, FIFO, device, socket or a file larger
    than `limit`, and OSError (with its filename set) when the file cannot be opened or read."""
    name = os.fspath(path)
    text = name.decode("utf-8", "backslashreplace") if isinstance(name, bytes) else name
    _refuse_unless_regular(text, os.stat(name), limit)
    # Non-blocking so that a FIFO swapped in after the stat cannot hang the open itself.
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                 | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        _refuse_unless_regular(text, st, limit)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:   # the file grew while being read
                raise BadObject(text, f"file grew past {limit:#x} bytes while being read")
    except BlockingIOError as exc:  # pragma: no cover - only for special files, refused above
        raise OSError(errno.EAGAIN, os.strerror(errno.EAGAIN), text) from exc
    finally:
        os.close(fd)
    return b"".join(chunks)
