"""What modload(8) of NetBSD 1.6 does, as the personality's Python API.

The real modload (sbin/modload/modload.c 1.30 + elf.c) checks the entry point with nlist, runs
`ld -R /netbsd -e entry -o out -Ttext 0 obj` to learn the size, reserves kernel memory
(LMRESERV), links again at the reserved address, copies the sections in (LMLOADBUF), and asks
the kernel to call the entry point (LMREADY); then it may run a post-install script. kemu does
each step the same way, with the shared loader (kemu.kernel.loader) doing the linking, placing
and guarded call, and the LKM table (lkm.py) the slot bookkeeping.

`modload(system, path, ...)` returns a `LoadResult` or raises `ModuleLoadError`, which names the
step that failed, the errno behind it, the linker's complaints, and modload's exit status; the
messages modload prints for each step are in `MESSAGES` so the command (commands/modload.py)
and the error's `output` print the same words.

kemu adds one option, `lenient`: load a module even though it calls kernel functions kemu does
not provide; each such symbol is bound to a stub that logs every call (to the console and dmesg)
and returns 0. Without it a missing symbol fails the load exactly as ld would.
"""
from __future__ import annotations

import errno as host_errno
import os
from typing import Callable, TextIO

from kemu.kernel import LinkFailure, SyscallError
from kemu.record import Record


KERNEL_PATH = "/netbsd"
DEFAULT_ENTRY = "xxxinit"
DEFAULT_ENTRY_SUFFIX = "_lkmentry"

#: step -> (modload's exit status, its message after "modload: "); {fields} come from the error
MESSAGES: dict[str, tuple[int, str]] = {
    "name": (2, "module object must end in .o"),
    "nlist": (1, "nlist {module}: {reason}"),
    "format": (1, "{reason}"),
    "entry": (1, "entry point _{entry} not found in {module}"),
    "prelink": (1, "can't prelink `{module}' creating `{outfile}'"),
    "reserve": (9, "can't reserve memory: {reason}"),
    "link": (1, "can't link `{module}' creating `{outfile}' bound to {base:#x}"),
    "ready": (14, "error initializing module: {reason}"),
    "poststat": (15, "error fetching module stats for post-install"),
    "postinstall": (16, "can't exec `{script}': {reason}"),
}


class LoadResult(Record, fields=("id", "name", "type", "offset", "area", "size", "private", "entry",
                                 "image", "missing_symbols", "postinstall_status")):
    """What a successful modload did: the module's slot and where its pieces are."""

    def __init__(self, id: int, name: str, type: int, offset: int, area: int, size: int, private: int,
                 entry: int, image: object, missing_symbols: list[str] | None = None,
                 postinstall_status: int | None = None) -> None:
        self.id = id
        self.name = name
        self.type = type
        self.offset = offset        # the major number for a device module
        self.area = area            # load address
        self.size = size            # bytes reserved (page-rounded)
        self.private = private      # address of the module's lkm_any (`_module`)
        self.entry = entry
        self.image = image          # the kemu.link LinkedImage
        self.missing_symbols = [] if missing_symbols is None else missing_symbols
        self.postinstall_status = postinstall_status


class ModuleLoadError(SyscallError):
    """modload failed at `step` (a key of MESSAGES). `status` is modload's exit status, `lines`
    what it prints on stderr (the linker's complaints first), `output` the same as one text."""

    def __init__(self, step: str, errno: int, name: str, message: str, *, details: list[str] = (),
                 status: int | None = None, **fields: object):
        super().__init__(errno, name, message, "modload")
        self.step = step
        self.fields = fields
        code, text = MESSAGES[step]
        self.status = code if status is None else status
        self.lines = [*details, "modload: " + text.format(**fields)]

    @property
    def output(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    def __str__(self) -> str:
        return self.output.rstrip()


class ModloadOptions(Record, fields=("entry", "postinstall", "outfile", "kernel", "symbols", "noready",
                                     "keep_output", "debug", "verbose", "lenient")):
    """modload's options, as keyword arguments of `NetBSDLKM.modload`."""

    def __init__(self, entry: str | None = None, postinstall: str | None = None,
                 outfile: str | None = None, kernel: str = KERNEL_PATH, symbols: bool = True,
                 noready: bool = False, keep_output: bool = False, debug: bool = False,
                 verbose: bool = False, lenient: bool = False) -> None:
        self.entry = entry                # -e (default: xxxinit, then <name>_lkmentry)
        self.postinstall = postinstall    # -p
        self.outfile = outfile            # -o
        self.kernel = kernel              # -A
        self.symbols = symbols            # -s turns it off
        self.noready = noready            # -n
        self.keep_output = keep_output    # -S
        self.debug = debug                # -d
        self.verbose = verbose            # -v
        self.lenient = lenient            # kemu's --lenient


def modload(system, path: str, opts: ModloadOptions, *, cwd: str | None = None,
            notes: Callable[[str], None] | None = None, out: TextIO | None = None,
            err: TextIO | None = None,
            loaded: Callable[[LoadResult], None] | None = None) -> LoadResult | None:
    """Load the module at `path` (resolved against `cwd`) as modload does; `notes` receives the
    lines modload prints along the way (warnings, -v, -d, ld's -d command line), `loaded` the
    result as soon as the module is initialised (before any post-install script runs), `out`/`err`
    the post-install script's output. Returns None for `noready` (-n: linked and loaded, then
    released without being initialised)."""
    run = _Modload(system, path, opts, cwd, notes or (lambda line: None), out, err)
    run.loaded = loaded or (lambda result: None)
    return run.run()


def _host_strerror(errno_table, exc: OSError) -> str:
    """A host OSError's text as NetBSD's libc would print it."""
    name = host_errno.errorcode.get(exc.errno or 0, "")
    if name and name in errno_table:
        return errno_table.strerror(errno_table.value(name))
    return exc.strerror or str(exc)


class _Modload:
    """One modload run; each method is one step of the real program."""

    def __init__(self, system, path: str, opts: ModloadOptions, cwd: str | None,
                 notes: Callable[[str], None], out: TextIO | None, err: TextIO | None):
        self.system = system
        self.lkm = system.lkm
        self.errno = system.errno
        self.module = path
        self.opts = opts
        self.cwd = cwd
        self.note = notes
        self.out = out
        self.err = err
        modout = path[:79]
        dot = modout.rfind(".")
        self.named_ok = dot >= 0 and modout[dot:] == ".o"
        self.modout = modout[:dot] if self.named_ok else modout
        self.outfile = opts.outfile or self.modout

    def fail(self, step: str, errno: int | str, *, details: list[str] = (), status: int | None = None,
             **fields: object) -> ModuleLoadError:
        number = errno if isinstance(errno, int) else self.errno.value(errno)
        fields.setdefault("module", self.module)
        fields.setdefault("outfile", self.outfile)
        return ModuleLoadError(step, number, self.errno.name(number), self.errno.strerror(number),
                               details=details, status=status, **fields)

    def host_path(self, path: str) -> str:
        return path if self.cwd is None or os.path.isabs(path) else os.path.join(self.cwd, path)

    def run(self) -> LoadResult | None:
        if not self.named_ok:
            raise self.fail("name", "EINVAL")
        obj = self.read()
        entry = self.find_entry(obj)
        bound: dict = {}
        image = self.link(obj, entry, 0, bound)
        if image is None:
            raise self.fail("prelink", "ENOEXEC", details=self.ld_lines)
        for name in self.system.kernel.lenient_imports(image):
            self.note(f"modload: warning: {self.module}: undefined reference to `{name}' bound to a "
                      f"kemu stub (--lenient): each call is logged and returns 0")
        if self.opts.verbose:
            self.note(f"modload: reserving {image.size} bytes of memory")
        return self.load(obj, entry, image.size)

    def read(self):
        """nlist(): the object, or the errors modload prints for an unreadable one."""
        eftype = self.errno.strerror(self.errno.EFTYPE)
        try:
            obj = self.lkm.loader.read_object(self.host_path(self.module), display_name=self.module)
        except OSError as exc:
            raise self.fail("nlist", "ENOENT", reason=_host_strerror(self.errno, exc)) from None
        except ValueError as exc:  # kemu.elf.BadObject
            raise self.fail("format", "ENOEXEC", details=[f"modload: nlist {self.module}: {eftype}"],
                            reason=str(exc)) from None
        if obj.shared:            # NetBSD 1.6's modload links relocatable objects only
            raise self.fail("format", "ENOEXEC", details=[f"modload: nlist {self.module}: {eftype}"],
                            reason=f"{self.module}: a shared object (ET_DYN); an LKM is a relocatable "
                                   f"object (ET_REL) made with cc -c or ld -r")
        return obj

    def find_entry(self, obj) -> str:
        entry = self.opts.entry or DEFAULT_ENTRY
        if self.lkm.has_entry(obj, entry):
            return entry
        if entry == DEFAULT_ENTRY:
            entry = self.modout.rsplit("/", 1)[-1] + DEFAULT_ENTRY_SUFFIX
            if self.lkm.has_entry(obj, entry):
                return entry
        raise self.fail("entry", "ENOEXEC", entry=entry)

    def link(self, obj, entry: str, base: int, bound: dict):
        """The module linked at `base`, or None with ld's complaints in `self.ld_lines`."""
        opts = self.opts
        if opts.debug:
            self.note(f"ld -R {opts.kernel} -e {entry} -o {self.outfile} -Ttext {base:#x} {self.module}")
        if opts.kernel != KERNEL_PATH:
            self.ld_lines = [f"ld: cannot open {opts.kernel}: No such file or directory "
                             f"(kemu's kernel is {KERNEL_PATH})"]
            return None
        try:
            bound.clear()
            return self.lkm.link(obj, base, lenient=opts.lenient, bound=bound)
        except LinkFailure as exc:
            if exc.kind == "size":      # LMRESERV could never give that much: ENOMEM, as there
                raise self.fail("reserve", "ENOMEM", details=exc.lines,
                                reason=self.errno.strerror(self.errno.ENOMEM)) from None
            self.ld_lines = exc.lines
            return None

    def load(self, obj, entry: str, modsize: int) -> LoadResult | None:
        opts, lkm = self.opts, self.lkm
        symtab, old = opts.symbols, False
        while True:
            try:
                slot = lkm.reserve(modsize, self.modout)
            except OSError as exc:
                details = []
                if symtab and not old:
                    details.append("modload: not loading symbols: kernel does not support symbol "
                                   f"table loading: {self.errno.strerror(exc.errno)}")
                raise self.fail("reserve", exc.errno, details=details,
                                reason=self.errno.strerror(exc.errno)) from None
            bound: dict = {}
            image = self.link(obj, entry, slot.area, bound)
            if image is None:
                lkm.unreserve(slot)
                raise self.fail("link", "ENOEXEC", details=self.ld_lines, base=slot.area)
            entry_addr = image.entry(entry)
            if opts.debug:
                for placement in sorted(image.placements, key=lambda p: p.addr):
                    self.note(f"loading `{placement.name}': addr = {placement.addr:#x}, "
                              f"size = {placement.size:#x}")
                self.note(f"modentry = {entry_addr:#x}")
            lkm.load(slot, image, obj, symbols=symtab, bound=bound)
            if opts.keep_output:
                self.write_output(image, obj)
            if opts.noready:
                lkm.unreserve(slot)
                return None
            try:
                lkm.ready(slot, entry_addr)
            except OSError as exc:
                if exc.errno == self.errno.EINVAL and not old:
                    # modload 1.6 retries the pre-symbol-table interface once, exactly like this.
                    self.note("modload: module failed to load using new version; trying old "
                              f"version: {self.errno.strerror(exc.errno)}")
                    old, symtab = True, False
                    continue
                raise self.fail("ready", exc.errno, reason=self.errno.strerror(exc.errno)) from None
            break
        stat = lkm.stat(slot.id, None)
        result = LoadResult(slot.id, stat.name, stat.type, stat.offset, stat.area, slot.size,
                            stat.private, entry_addr, image, list(slot.missing_symbols))
        self.loaded(result)
        if opts.postinstall is not None:
            self.postinstall(result)
        return result

    def write_output(self, image, obj) -> None:
        """-S: keep the linked module as the file ld would have left behind."""
        from kemu.link import LinkError
        try:
            self.lkm.write_executable(image, obj, self.host_path(self.outfile))
        except OSError as exc:
            self.note(f"modload: {self.outfile}: {_host_strerror(self.errno, exc)}")
        except LinkError as exc:      # its debug sections' relocations cannot be applied
            self.note(f"modload: {self.outfile} not written: {exc}")

    def postinstall(self, result: LoadResult) -> None:
        """-p: run the script with id, type and offset; like execl(), its status is modload's."""
        from .postinstall import PostinstallRefused, run_postinstall   # only -p needs it
        script = self.opts.postinstall
        try:
            stat = self.lkm.stat(result.id, None)
        except OSError as exc:
            raise self.fail("poststat", exc.errno) from None
        word = self.system.machine.word_size
        args = [str(stat.id), f"0x{stat.type:x}", str(stat.offset_signed(word))]
        out, err = self.out, self.err
        if out is None or err is None:
            import io
            out, err = out or io.StringIO(), err or io.StringIO()
        try:
            status = run_postinstall(script, args, self.system.shim_handler, out, err, cwd=self.cwd)
        except PostinstallRefused as exc:
            raise self.fail("postinstall", "ENOEXEC", script=script, reason=str(exc)) from None
        result.postinstall_status = status
        if status != 0:
            error = self.fail("postinstall", "EINVAL", status=status, script=script, reason="exit status")
            error.lines = []           # the script already said what went wrong; modload adds nothing
            error.result = result      # the module itself stays loaded
            raise error
