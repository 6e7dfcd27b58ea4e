"""modload(8) of NetBSD 1.6: link a module against the kernel, load it, run its entry point.

The real modload (sbin/modload/modload.c 1.30 + elf.c) checks the entry point with nlist, runs
`ld -R /netbsd -e entry -o out -Ttext 0 obj` to learn the size, reserves kernel memory
(LMRESERV), links again at the reserved address, copies the sections in (LMLOADBUF), and asks the
kernel to call the entry point (LMREADY). kemu does each step the same way, with kemu's Python
linker in place of ld, and prints the same messages with the same exit statuses:

    usage / bad option ............................................. 1
    modload: module object must end in .o .......................... 2
    modload: nlist x.o: <strerror> ................................. 1
    modload: entry point _xxx not found in x.o ..................... 1
    x.o: undefined reference to `sym'   (one line per symbol, as ld prints)
    modload: can't prelink `x.o' creating `x' ...................... 1
    modload: can't reserve memory: <strerror> ...................... 9
    modload: error initializing module: <strerror> ................. 14
    Module loaded as ID <n>                                 (stdout)
    modload: can't exec `script': <strerror> ....................... 16

`-p script` then runs the post-install script (see postinstall.py) with the id, the type in hex
and the offset (the major number of a device module); like the real execl(), modload's exit
status is then the script's.

kemu adds one option, `--lenient`: load a module even though it calls kernel functions kemu does
not provide; each such symbol is bound to a stub that logs every call (to the console and dmesg)
and returns 0. Without it a missing symbol fails the load exactly as ld would.
"""
from __future__ import annotations

import errno as host_errno
import os
from dataclasses import dataclass, field
from typing import TextIO

from ..getopt import getopt
from ..postinstall import PostinstallRefused, run_postinstall

KERNEL_PATH = "/netbsd"
DEFAULT_ENTRY = "xxxinit"
DEFAULT_ENTRY_SUFFIX = "_lkmentry"
LENIENT_OPTION = "--lenient"
USAGE = ("usage: modload [-dnsvS] [-A system] [-e entry]\n"
         "\t[-p postinstall] [-o outputfile] <input file>\n")


@dataclass
class LoadResult:
    """What a successful modload did: the module's slot and where its pieces are."""
    id: int
    name: str
    type: int
    offset: int              # the major number for a device module
    area: int                # load address
    size: int                # bytes reserved (page-rounded)
    private: int             # address of the module's lkm_any (`_module`)
    entry: int
    image: object            # the kemu.link LinkedImage
    missing_symbols: list[str] = field(default_factory=list)
    postinstall_status: int | None = None


@dataclass
class Outcome:
    """The exit status of one modload run, and the errno behind a failure if there was one."""
    status: int
    result: LoadResult | None = None
    errno: int | None = None


@dataclass
class Options:
    debug: bool = False
    verbose: bool = False
    kernel: str = KERNEL_PATH
    entry: str = DEFAULT_ENTRY
    postinstall: str | None = None
    outfile: str | None = None
    noready: bool = False
    symtab: bool = True
    keep_output: bool = False
    lenient: bool = False
    module: str = ""


#: getopt letter -> (Options field, value it sets; None: the option's argument)
OPTION_FIELDS: dict[str, tuple[str, bool | None]] = {
    "d": ("debug", True), "v": ("verbose", True), "n": ("noready", True), "s": ("symtab", False),
    "S": ("keep_output", True), "A": ("kernel", None), "e": ("entry", None),
    "p": ("postinstall", None), "o": ("outfile", None),
}


def parse(argv: list[str], err: TextIO) -> Options | None:
    """Options as modload's getopt("dnvsA:Se:p:o:") sees them; None after printing usage."""
    opts = Options()
    args = list(argv)
    # --lenient is kemu's: take it out before BSD getopt, which would reject it as "-" "-".
    while LENIENT_OPTION in args:
        args.remove(LENIENT_OPTION)
        opts.lenient = True
    parsed = getopt("modload", args, "dnvsA:Se:p:o:")
    if parsed.error or len(parsed.operands) != 1:
        if parsed.error:
            err.write(parsed.error + "\n")
        err.write(USAGE)
        return None
    for letter, value in parsed.options:
        name, fixed = OPTION_FIELDS[letter]
        setattr(opts, name, value if fixed is None else fixed)
    opts.module = parsed.operands[0]
    return opts


def run(system, argv: list[str], out: TextIO, err: TextIO, cwd: str | None = None) -> int:
    return execute(system, argv, out, err, cwd).status


def execute(system, argv: list[str], out: TextIO, err: TextIO, cwd: str | None = None) -> Outcome:
    opts = parse(argv, err)
    if opts is None:
        return Outcome(1)
    return Modload(system, opts, out, err, cwd).run()


def _host_strerror(system, exc: OSError) -> str:
    """A host OSError's text as NetBSD's libc would print it."""
    name = host_errno.errorcode.get(exc.errno or 0, "")
    if name and name in system.errno:
        return system.errno.strerror(system.errno.value(name))
    return exc.strerror or str(exc)


class Modload:
    """One modload run; each method is one step of the real program."""

    def __init__(self, system, opts: Options, out: TextIO, err: TextIO, cwd: str | None):
        self.system = system
        self.opts = opts
        self.out = out
        self.err = err
        self.cwd = cwd
        self.errno = system.errno

    def fail(self, status: int, message: str, errno: int | None = None) -> Outcome:
        self.err.write(f"modload: {message}\n")
        return Outcome(status, None, errno)

    def host_path(self, path: str) -> str:
        return path if self.cwd is None or os.path.isabs(path) else os.path.join(self.cwd, path)

    def run(self) -> Outcome:
        opts, system = self.opts, self.system
        modobj = opts.module
        modout = modobj[:79]
        dot = modout.rfind(".")
        if dot < 0 or modout[dot:] != ".o":
            return self.fail(2, "module object must end in .o")
        modout = modout[:dot]
        outfile = opts.outfile or modout

        # nlist(): read the object and look for the entry point.
        try:
            obj = system.read_object(self.host_path(modobj), display_name=modobj)
        except OSError as exc:
            return self.fail(1, f"nlist {modobj}: {_host_strerror(system, exc)}", self.errno.ENOENT)
        except ValueError as exc:  # kemu.elf.BadObject
            self.err.write(f"modload: nlist {modobj}: {self.errno.strerror(self.errno.EFTYPE)}\n")
            return self.fail(1, str(exc), self.errno.ENOEXEC)
        entry = opts.entry
        if not system.lkm.has_entry(obj, entry):
            if entry == DEFAULT_ENTRY:
                base = modout.rsplit("/", 1)[-1]
                entry = base + DEFAULT_ENTRY_SUFFIX
                if not system.lkm.has_entry(obj, entry):
                    return self.fail(1, f"entry point _{entry} not found in {modobj}", self.errno.ENOEXEC)
            else:
                return self.fail(1, f"entry point _{entry} not found in {modobj}", self.errno.ENOEXEC)

        # Prelink at address 0 to learn the size (and find undefined symbols, as ld does).
        image = self.link(obj, entry, outfile, 0)
        if image is None:
            return self.fail(1, f"can't prelink `{modobj}' creating `{outfile}'", self.errno.ENOEXEC)
        modsize = image.size
        for name in system.missing_symbols(image):
            self.err.write(f"modload: warning: {modobj}: undefined reference to `{name}' bound to a "
                           f"kemu stub (--lenient): each call is logged and returns 0\n")
        if opts.verbose:
            self.err.write(f"modload: reserving {modsize} bytes of memory\n")

        symtab = opts.symtab
        old = False
        while True:
            try:
                slot = system.lkm.reserve(modsize, modout)
            except OSError as exc:
                if symtab and not old:
                    self.err.write("modload: not loading symbols: kernel does not support symbol "
                                   f"table loading: {self.errno.strerror(exc.errno)}\n")
                return self.fail(9, f"can't reserve memory: {self.errno.strerror(exc.errno)}", exc.errno)
            image = self.link(obj, entry, outfile, slot.area)
            if image is None:
                system.lkm.unreserve(slot)
                return self.fail(1, f"can't link `{modobj}' creating `{outfile}' bound to {slot.area:#x}",
                                 self.errno.ENOEXEC)
            entry_addr = image.entry(entry)
            if opts.debug:
                for placement in sorted(image.placements, key=lambda p: p.addr):
                    self.err.write(f"loading `{placement.name}': addr = {placement.addr:#x}, "
                                   f"size = {placement.size:#x}\n")
                self.err.write(f"modentry = {entry_addr:#x}\n")
            system.lkm.load(slot, image, obj, symbols=symtab)
            if opts.keep_output:
                self.write_output(image, obj, outfile)
            if opts.noready:
                system.lkm.unreserve(slot)
                return Outcome(0)
            try:
                system.lkm.ready(slot, entry_addr)
            except OSError as exc:
                if exc.errno == self.errno.EINVAL and not old:
                    # modload 1.6 retries the pre-symbol-table interface once, exactly like this.
                    self.err.write("modload: module failed to load using new version; trying old "
                                   f"version: {self.errno.strerror(exc.errno)}\n")
                    old, symtab = True, False
                    continue
                return self.fail(14, f"error initializing module: {self.errno.strerror(exc.errno)}", exc.errno)
            break

        self.out.write(f"Module loaded as ID {slot.id}\n")
        stat = system.lkm.stat(slot.id, None)
        result = LoadResult(slot.id, stat.name, stat.type, stat.offset, stat.area, slot.size,
                            stat.private, entry_addr, image, list(slot.missing_symbols))
        if opts.postinstall is None:
            return Outcome(0, result)
        return self.postinstall(result)

    def link(self, obj, entry: str, outfile: str, base: int):
        """The module linked at `base`, or None after printing ld's complaints."""
        opts = self.opts
        if opts.debug:
            self.err.write(f"ld -R {opts.kernel} -e {entry} -o {outfile} -Ttext {base:#x} {opts.module}\n")
        if opts.kernel != KERNEL_PATH:
            self.err.write(f"ld: cannot open {opts.kernel}: No such file or directory "
                           f"(kemu's kernel is {KERNEL_PATH})\n")
            return None
        try:
            return self.system.lkm.link(obj, base, lenient=opts.lenient)
        except self.system.lkm.LinkFailure as exc:
            for line in exc.lines(opts.module):
                self.err.write(line + "\n")
            return None

    def write_output(self, image, obj, outfile: str) -> None:
        """-S: keep the linked module as the file ld would have left behind."""
        try:
            self.system.lkm.write_executable(image, obj, self.host_path(outfile))
        except OSError as exc:
            self.err.write(f"modload: {outfile}: {_host_strerror(self.system, exc)}\n")

    def postinstall(self, result: LoadResult) -> Outcome:
        script = self.opts.postinstall
        assert script is not None
        try:
            stat = self.system.lkm.stat(result.id, None)
        except OSError:
            return self.fail(15, "error fetching module stats for post-install")
        args = [str(stat.id), f"0x{stat.type:x}", str(stat.offset_signed(self.system.machine.word_size))]
        try:
            status = run_postinstall(script, args, self.system.shim_handler, self.out, self.err, cwd=self.cwd)
        except PostinstallRefused as exc:
            return self.fail(16, f"can't exec `{script}': {exc}", self.errno.ENOEXEC)
        result.postinstall_status = status
        return Outcome(status, result, None if status == 0 else self.errno.EINVAL)
