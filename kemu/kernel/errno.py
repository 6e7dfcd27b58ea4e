"""Errno tables: the numbers and strerror texts of each emulated OS.

The kernel layer never hard-codes an errno value: a personality picks a table
(`Errno.netbsd()`, `Errno.freebsd()`, `Errno.linux()`) and every generic service asks it, so the
same `uiomove` returns 14 (EFAULT) everywhere but `EAGAIN` is 35 on the BSDs and 11 on Linux.

Numbers come from each system's <sys/errno.h> / <asm-generic/errno*.h>; texts from its libc
(NetBSD and FreeBSD `sys_errlist`, glibc `strerror`). Kernel-internal pseudo errors (ERESTART,
EJUSTRETURN, ERESTARTSYS …) are included because modules return them, but they have no libc text.
Note: the table in specs/loaders.md §1.1 gives EPROGMISMATCH as 52; <sys/errno.h> of both BSDs
says 75 (52 is ENETRESET), which is what is used here.
"""
from __future__ import annotations

from typing import Iterator

from .errors import SyscallError

# Shared by the BSDs and Linux: the Version 7 Unix errnos (1..34) whose number, name and libc
# text all three still agree on; each table below adds its own rows for the others.
_V7_SHARED = """\
1 EPERM Operation not permitted
2 ENOENT No such file or directory
3 ESRCH No such process
4 EINTR Interrupted system call
5 EIO Input/output error
7 E2BIG Argument list too long
8 ENOEXEC Exec format error
9 EBADF Bad file descriptor
10 ECHILD No child processes
12 ENOMEM Cannot allocate memory
13 EACCES Permission denied
14 EFAULT Bad address
15 ENOTBLK Block device required
17 EEXIST File exists
20 ENOTDIR Not a directory
21 EISDIR Is a directory
22 EINVAL Invalid argument
23 ENFILE Too many open files in system
24 EMFILE Too many open files
25 ENOTTY Inappropriate ioctl for device
26 ETXTBSY Text file busy
27 EFBIG File too large
28 ENOSPC No space left on device
29 ESPIPE Illegal seek
30 EROFS Read-only file system
31 EMLINK Too many links
32 EPIPE Broken pipe
33 EDOM Numerical argument out of domain
"""

# Shared by NetBSD and FreeBSD: the rest of the 4.4BSD numbering, up to 81.
_BSD_COMMON = """\
6 ENXIO Device not configured
11 EDEADLK Resource deadlock avoided
16 EBUSY Device busy
18 EXDEV Cross-device link
19 ENODEV Operation not supported by device
34 ERANGE Result too large
35 EAGAIN Resource temporarily unavailable
36 EINPROGRESS Operation now in progress
37 EALREADY Operation already in progress
38 ENOTSOCK Socket operation on non-socket
39 EDESTADDRREQ Destination address required
40 EMSGSIZE Message too long
41 EPROTOTYPE Protocol wrong type for socket
42 ENOPROTOOPT Protocol not available
43 EPROTONOSUPPORT Protocol not supported
44 ESOCKTNOSUPPORT Socket type not supported
45 EOPNOTSUPP Operation not supported
46 EPFNOSUPPORT Protocol family not supported
47 EAFNOSUPPORT Address family not supported by protocol family
48 EADDRINUSE Address already in use
49 EADDRNOTAVAIL Can't assign requested address
50 ENETDOWN Network is down
51 ENETUNREACH Network is unreachable
52 ENETRESET Network dropped connection on reset
53 ECONNABORTED Software caused connection abort
54 ECONNRESET Connection reset by peer
55 ENOBUFS No buffer space available
56 EISCONN Socket is already connected
57 ENOTCONN Socket is not connected
58 ESHUTDOWN Can't send after socket shutdown
59 ETOOMANYREFS Too many references: can't splice
60 ETIMEDOUT Operation timed out
61 ECONNREFUSED Connection refused
62 ELOOP Too many levels of symbolic links
63 ENAMETOOLONG File name too long
64 EHOSTDOWN Host is down
65 EHOSTUNREACH No route to host
66 ENOTEMPTY Directory not empty
67 EPROCLIM Too many processes
68 EUSERS Too many users
69 EDQUOT Disc quota exceeded
70 ESTALE Stale NFS file handle
71 EREMOTE Too many levels of remote in path
72 EBADRPC RPC struct is bad
73 ERPCMISMATCH RPC version wrong
74 EPROGUNAVAIL RPC prog. not avail
75 EPROGMISMATCH Program version wrong
76 EPROCUNAVAIL Bad procedure for program
77 ENOLCK No locks available
78 ENOSYS Function not implemented
79 EFTYPE Inappropriate file type or format
80 EAUTH Authentication error
81 ENEEDAUTH Need authenticator
"""

_NETBSD_EXTRA = """\
82 EIDRM Identifier removed
83 ENOMSG No message of desired type
84 EOVERFLOW Value too large to be stored in data type
85 EILSEQ Illegal byte sequence
86 ENOTSUP Not supported
87 ECANCELED Operation canceled
88 EBADMSG Bad or Corrupt message
89 ENODATA No message available
90 ENOSR No STREAM resources
91 ENOSTR Not a STREAM
92 ETIME STREAM ioctl timeout
93 ENOATTR Attribute not found
94 EMULTIHOP Multihop attempted
95 ENOLINK Link has been severed
96 EPROTO Protocol error
-2 EJUSTRETURN (kernel internal: return without touching registers)
-3 ERESTART (kernel internal: restart the system call)
-4 EPASSTHROUGH (kernel internal: ioctl not handled by this layer)
-5 EDUPFD (kernel internal: dup the given descriptor)
-6 EMOVEFD (kernel internal: move the given descriptor)
"""

_FREEBSD_EXTRA = """\
82 EIDRM Identifier removed
83 ENOMSG No message of desired type
84 EOVERFLOW Value too large to be stored in data type
85 ECANCELED Operation canceled
86 EILSEQ Illegal byte sequence
87 ENOATTR Attribute not found
88 EDOOFUS Programming error
89 EBADMSG Bad message
90 EMULTIHOP Multihop attempted
91 ENOLINK Link has been severed
92 EPROTO Protocol error
93 ENOTCAPABLE Capabilities insufficient
94 ECAPMODE Not permitted in capability mode
95 ENOTRECOVERABLE State not recoverable
96 EOWNERDEAD Previous owner died
97 EINTEGRITY Integrity check failed
-1 ERESTART (kernel internal: restart the system call)
-2 EJUSTRETURN (kernel internal: return without touching registers)
-3 ENOIOCTL (kernel internal: ioctl not handled by this layer)
-4 EDIRIOCTL (kernel internal: do direct ioctl in GEOM)
-5 ERELOOKUP (kernel internal: retry the directory lookup)
"""

_LINUX = """\
6 ENXIO No such device or address
11 EAGAIN Resource temporarily unavailable
16 EBUSY Device or resource busy
18 EXDEV Invalid cross-device link
19 ENODEV No such device
34 ERANGE Numerical result out of range
35 EDEADLK Resource deadlock avoided
36 ENAMETOOLONG File name too long
37 ENOLCK No locks available
38 ENOSYS Function not implemented
39 ENOTEMPTY Directory not empty
40 ELOOP Too many levels of symbolic links
42 ENOMSG No message of desired type
43 EIDRM Identifier removed
44 ECHRNG Channel number out of range
45 EL2NSYNC Level 2 not synchronized
46 EL3HLT Level 3 halted
47 EL3RST Level 3 reset
48 ELNRNG Link number out of range
49 EUNATCH Protocol driver not attached
50 ENOCSI No CSI structure available
51 EL2HLT Level 2 halted
52 EBADE Invalid exchange
53 EBADR Invalid request descriptor
54 EXFULL Exchange full
55 ENOANO No anode
56 EBADRQC Invalid request code
57 EBADSLT Invalid slot
59 EBFONT Bad font file format
60 ENOSTR Device not a stream
61 ENODATA No data available
62 ETIME Timer expired
63 ENOSR Out of streams resources
64 ENONET Machine is not on the network
65 ENOPKG Package not installed
66 EREMOTE Object is remote
67 ENOLINK Link has been severed
68 EADV Advertise error
69 ESRMNT Srmount error
70 ECOMM Communication error on send
71 EPROTO Protocol error
72 EMULTIHOP Multihop attempted
73 EDOTDOT RFS specific error
74 EBADMSG Bad message
75 EOVERFLOW Value too large for defined data type
76 ENOTUNIQ Name not unique on network
77 EBADFD File descriptor in bad state
78 EREMCHG Remote address changed
79 ELIBACC Can not access a needed shared library
80 ELIBBAD Accessing a corrupted shared library
81 ELIBSCN .lib section in a.out corrupted
82 ELIBMAX Attempting to link in too many shared libraries
83 ELIBEXEC Cannot exec a shared library directly
84 EILSEQ Invalid or incomplete multibyte or wide character
85 ERESTART Interrupted system call should be restarted
86 ESTRPIPE Streams pipe error
87 EUSERS Too many users
88 ENOTSOCK Socket operation on non-socket
89 EDESTADDRREQ Destination address required
90 EMSGSIZE Message too long
91 EPROTOTYPE Protocol wrong type for socket
92 ENOPROTOOPT Protocol not available
93 EPROTONOSUPPORT Protocol not supported
94 ESOCKTNOSUPPORT Socket type not supported
95 EOPNOTSUPP Operation not supported
96 EPFNOSUPPORT Protocol family not supported
97 EAFNOSUPPORT Address family not supported by protocol
98 EADDRINUSE Address already in use
99 EADDRNOTAVAIL Cannot assign requested address
100 ENETDOWN Network is down
101 ENETUNREACH Network is unreachable
102 ENETRESET Network dropped connection on reset
103 ECONNABORTED Software caused connection abort
104 ECONNRESET Connection reset by peer
105 ENOBUFS No buffer space available
106 EISCONN Transport endpoint is already connected
107 ENOTCONN Transport endpoint is not connected
108 ESHUTDOWN Cannot send after transport endpoint shutdown
109 ETOOMANYREFS Too many references: cannot splice
110 ETIMEDOUT Connection timed out
111 ECONNREFUSED Connection refused
112 EHOSTDOWN Host is down
113 EHOSTUNREACH No route to host
114 EALREADY Operation already in progress
115 EINPROGRESS Operation now in progress
116 ESTALE Stale file handle
117 EUCLEAN Structure needs cleaning
118 ENOTNAM Not a XENIX named type file
119 ENAVAIL No XENIX semaphores available
120 EISNAM Is a named type file
121 EREMOTEIO Remote I/O error
122 EDQUOT Disk quota exceeded
123 ENOMEDIUM No medium found
124 EMEDIUMTYPE Wrong medium type
125 ECANCELED Operation canceled
126 ENOKEY Required key not available
127 EKEYEXPIRED Key has expired
128 EKEYREVOKED Key has been revoked
129 EKEYREJECTED Key was rejected by service
130 EOWNERDEAD Owner died
131 ENOTRECOVERABLE State not recoverable
132 ERFKILL Operation not possible due to RF-kill
133 EHWPOISON Memory page has hardware error
512 ERESTARTSYS Unknown error 512
513 ERESTARTNOINTR Unknown error 513
514 ERESTARTNOHAND Unknown error 514
515 ENOIOCTLCMD Unknown error 515
516 ERESTART_RESTARTBLOCK Unknown error 516
517 EPROBE_DEFER Unknown error 517
518 EOPENSTALE Unknown error 518
519 ENOPARAM Unknown error 519
521 EBADHANDLE Unknown error 521
522 ENOTSYNC Unknown error 522
523 EBADCOOKIE Unknown error 523
524 ENOTSUPP Unknown error 524
525 ETOOSMALL Unknown error 525
526 ESERVERFAULT Unknown error 526
527 EBADTYPE Unknown error 527
528 EJUKEBOX Unknown error 528
529 EIOCBQUEUED Unknown error 529
530 ERECALLCONFLICT Unknown error 530
"""

_BSD_ALIASES = {"EWOULDBLOCK": "EAGAIN"}
_FREEBSD_ALIASES = {"EWOULDBLOCK": "EAGAIN", "ENOTSUP": "EOPNOTSUPP"}
_LINUX_ALIASES = {"EWOULDBLOCK": "EAGAIN", "EDEADLOCK": "EDEADLK", "ENOTSUP": "EOPNOTSUPP"}


def _parse(table: str) -> list[tuple[int, str, str]]:
    rows = []
    for line in table.splitlines():
        number, name, text = line.split(" ", 2)
        rows.append((int(number), name, text))
    return rows


class Errno:
    """One OS's errno numbering: `e.EFAULT` → 14, `e.strerror(14)` → "Bad address".

    Unknown names raise AttributeError naming the OS, so a personality that asks for an errno
    its OS does not have (EPROGMISMATCH on Linux) finds out at once rather than returning garbage.
    """

    def __init__(self, os_name: str, rows: list[tuple[int, str, str]], aliases: dict[str, str],
                 unknown_format: str):
        self.os = os_name
        self._by_name: dict[str, int] = {}
        self._name_of: dict[int, str] = {}
        self._text_of: dict[int, str] = {}
        self._unknown_format = unknown_format
        for number, name, text in rows:
            if name in self._by_name or number in self._name_of:
                raise ValueError(f"{os_name} errno table: {name}={number} defined twice")
            self._by_name[name] = number
            self._name_of[number] = name
            self._text_of[number] = text
        for alias, target in aliases.items():
            self._by_name[alias] = self._by_name[target]
        # Plain attributes make `errno.EFAULT` as cheap as a constant inside hot services.
        self.__dict__.update(self._by_name)

    # constructors, one per OS -------------------------------------------------------------
    @classmethod
    def netbsd(cls) -> "Errno":
        # NetBSD's libc kept the older text for 60; FreeBSD's says "Operation timed out".
        rows = [(n, name, "Connection timed out" if name == "ETIMEDOUT" else text)
                for n, name, text in _parse(_BSD_COMMON)]
        return cls("NetBSD", _parse(_V7_SHARED) + rows + _parse(_NETBSD_EXTRA), _BSD_ALIASES,
                   "Unknown error: {}")

    @classmethod
    def freebsd(cls) -> "Errno":
        return cls("FreeBSD", _parse(_V7_SHARED) + _parse(_BSD_COMMON) + _parse(_FREEBSD_EXTRA),
                   _FREEBSD_ALIASES, "Unknown error: {}")

    @classmethod
    def linux(cls) -> "Errno":
        return cls("Linux", _parse(_V7_SHARED) + _parse(_LINUX), _LINUX_ALIASES, "Unknown error {}")

    @classmethod
    def for_os(cls, name: str) -> "Errno":
        """By name: "netbsd", "freebsd" or "linux" (case-insensitive)."""
        makers = {"netbsd": cls.netbsd, "freebsd": cls.freebsd, "linux": cls.linux}
        try:
            return makers[name.lower()]()
        except KeyError:
            raise ValueError(f"no errno table for OS {name!r}; known: {', '.join(makers)}") from None

    # queries ------------------------------------------------------------------------------
    def __getattr__(self, name: str) -> int:
        # Only reached for names missing from __dict__, i.e. unknown errno names.
        if name.startswith("_"):
            raise AttributeError(name)
        raise AttributeError(f"{self.os} has no errno named {name}")

    def value(self, name: str) -> int:
        """Number of a symbolic name; KeyError naming the OS if it has no such errno."""
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"{self.os} has no errno named {name}") from None

    def name(self, number: int) -> str:
        """Symbolic name of a number (the primary one: EAGAIN, not EWOULDBLOCK); "E?<n>" if unknown."""
        return self._name_of.get(number, f"E?{number}")

    def strerror(self, number: int) -> str:
        """The text the OS's libc prints for this errno, or its "Unknown error" form."""
        text = self._text_of.get(number)
        return text if text is not None else self._unknown_format.format(number)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, str):
            return item in self._by_name
        return item in self._name_of

    def __iter__(self) -> Iterator[tuple[str, int]]:
        """(name, number) for every primary name, ordered by number."""
        return iter(sorted(((n, v) for v, n in self._name_of.items()), key=lambda p: p[1]))

    def error(self, which: int | str, context: str | None = None) -> SyscallError:
        """A SyscallError for an errno given by number or name, with the OS's name and text."""
        number = self.value(which) if isinstance(which, str) else which
        return SyscallError(number, self.name(number), self.strerror(number), context)

    def __repr__(self) -> str:
        return f"Errno.{self.os.lower()}()"
