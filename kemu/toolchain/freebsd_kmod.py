"""Build FreeBSD 14.3 klds (.ko) from C the way FreeBSD's sys/conf/kmod.mk does.

Why its own module: a FreeBSD kld is not just a compiled object. kmod.mk compiles
every source with the kernel's flags (kern.mk), links the objects with `ld -r`,
makes every symbol not listed in EXPORT_SYMS local (kmod_syms.awk + objcopy), and
then differs by architecture: amd64 klds stay relocatable (ET_REL, loaded by
link_elf_obj.c), every other architecture links the result again into a shared
object (ET_DYN, `ld -Bshareable`, loaded by link_elf.c), and i386 code is compiled
-fPIC for that. This module reproduces those steps with the host's compilers and
LLVM's lld, which is FreeBSD 14's own linker and knows the FreeBSD emulations
(elf_x86_64_fbsd, elf_i386_fbsd: the output is branded ELFOSABI_FREEBSD).

Where kemu departs from a FreeBSD build, and why (docs/freebsd.md has the list):
- no -fstack-protector (FreeBSD's WITHOUT_SSP knob): the host compilers reach the
  guard through a GOT relocation (clang) or %fs (gcc) that link_elf_obj.c cannot
  apply on amd64;
- gcc has no FreeBSD format extension, so it gets kern.mk's MK_FORMAT_EXTENSIONS=no
  setting (-Wno-format); clang targets FreeBSD itself (--target=*-unknown-freebsd14.3)
  and gets FreeBSD's -D__printf__=__freebsd_kprintf__;
- gcc is a Linux-targeted compiler: its Linux predefinitions are removed, __FreeBSD__
  is defined, and its PIE default is turned off on amd64.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from kemu.elf import ObjectFile
from kemu.paths import GUEST
from kemu.toolchain import cc

RELEASE = "14.3-RELEASE"
FREEBSD_VERSION = 1403000          # __FreeBSD_version of 14.3-RELEASE
CLANG_TRIPLE_OS = "freebsd14.3"

SDK_DIR = GUEST / "freebsd"
INCLUDE_DIR = SDK_DIR / "include"
LDSCRIPT_AMD64 = SDK_DIR / "conf" / "ldscript.kmod.amd64"

# `--arch` spellings: kemu's names and FreeBSD's (MACHINE) name for x86-64.
ARCH_ALIASES: dict[str, str] = {"x86_64": "x86_64", "amd64": "x86_64", "i386": "i386"}
MACHINE: dict[str, str] = {"x86_64": "amd64", "i386": "i386"}
LD_EMULATION: dict[str, str] = {"x86_64": "elf_x86_64_fbsd", "i386": "elf_i386_fbsd"}
SHARED_ARCHES = frozenset({"i386"})   # kmod.mk: "amd64 uses direct linking for kmod"

# kmod.mk: -D_KERNEL -DKLD_MODULE, no standard include directories, no commons.
KMOD_FLAGS: tuple[str, ...] = ("-D_KERNEL", "-DKLD_MODULE", "-nostdinc", "-fno-common")

# kern.mk, every architecture: freestanding, wrapping signed arithmetic, C99.
KERN_FLAGS: tuple[str, ...] = ("-ffreestanding", "-fwrapv", "-std=iso9899:1999")

# kern.mk per architecture, plus kmod.mk's frame-pointer flags (amd64) and -fPIC (i386).
KERN_ARCH_FLAGS: dict[str, tuple[str, ...]] = {
    "x86_64": ("-fno-omit-frame-pointer", "-mno-omit-leaf-frame-pointer",
               "-mcmodel=kernel", "-mno-red-zone", "-mno-mmx", "-mno-sse", "-msoft-float",
               "-fno-asynchronous-unwind-tables"),
    "i386": ("-fPIC", "-mno-mmx", "-mno-sse", "-msoft-float"),
}

# kern.mk CWARNFLAGS (with kmod.mk's -Werror), then each compiler's CWARNEXTRA.
WARN_FLAGS: tuple[str, ...] = (
    "-Werror", "-Wall", "-Wnested-externs", "-Wstrict-prototypes", "-Wmissing-prototypes",
    "-Wpointer-arith", "-Wcast-qual", "-Wundef", "-Wno-pointer-sign",
    "-Wmissing-include-dirs", "-fdiagnostics-show-option", "-Wno-unknown-pragmas",
    "-Wno-format-zero-length",
)
WARN_EXTRA: dict[str, tuple[str, ...]] = {
    "clang": ("-Wno-error=tautological-compare", "-Wno-error=empty-body",
              "-Wno-error=parentheses-equality", "-Wno-error=unused-function",
              "-Wno-error=pointer-sign", "-Wno-error=shift-negative-value",
              "-Wno-address-of-packed-member", "-Wno-error=unused-but-set-variable"),
    "gcc": ("-Wno-error=address", "-Wno-error=aggressive-loop-optimizations",
            "-Wno-error=array-bounds", "-Wno-error=attributes", "-Wno-error=cast-qual",
            "-Wno-error=enum-compare", "-Wno-error=maybe-uninitialized",
            "-Wno-error=misleading-indentation", "-Wno-error=nonnull-compare",
            "-Wno-error=overflow", "-Wno-error=sequence-point", "-Wno-error=shift-overflow",
            "-Wno-error=tautological-compare", "-Wno-unused-but-set-variable",
            "-Wno-error=stringop-overflow", "-Wno-error=memset-elt-size",
            "-Wno-error=packed-not-aligned", "-Wno-address-of-packed-member",
            "-Wno-error=alloca-larger-than="),
}

# kern.mk/kmod.mk flags for one compiler only (CFLAGS.gcc, CFLAGS.clang) and FORMAT_EXTENSIONS.
COMPILER_KERN_FLAGS: dict[tuple[str, str], tuple[str, ...]] = {
    ("x86_64", "clang"): ("-mno-aes", "-mno-avx", "-D__printf__=__freebsd_kprintf__"),
    ("i386", "clang"): ("-mno-aes", "-mno-avx", "-D__printf__=__freebsd_kprintf__"),
    ("x86_64", "gcc"): ("-finline-limit=8000", "-fms-extensions", "--param", "inline-unit-growth=100",
                        "--param", "large-function-growth=1000", "-Wno-format"),
    ("i386", "gcc"): ("-mpreferred-stack-boundary=2", "-finline-limit=8000", "-fms-extensions",
                      "--param", "inline-unit-growth=100", "--param", "large-function-growth=1000",
                      "-Wno-format"),
}

# What makes each host compiler produce FreeBSD kernel code (see the module docstring).
HOST_FLAGS: dict[tuple[str, str], tuple[str, ...]] = {
    ("x86_64", "clang"): (f"--target=x86_64-unknown-{CLANG_TRIPLE_OS}", "-fno-pic",
                          "-fno-stack-protector"),
    ("i386", "clang"): (f"--target=i386-unknown-{CLANG_TRIPLE_OS}", "-fno-stack-protector"),
    ("x86_64", "gcc"): ("-m64", "-fno-pie", "-fno-pic", "-fno-stack-protector",
                        "-fno-stack-clash-protection", "-fcf-protection=none",
                        "-U__linux__", "-U__linux", "-U__gnu_linux__", "-Ulinux",
                        "-D__FreeBSD__=14"),
    ("i386", "gcc"): ("-m32", "-march=i686", "-fno-stack-protector",
                      "-fno-stack-clash-protection", "-fcf-protection=none",
                      "-U__linux__", "-U__linux", "-U__gnu_linux__", "-Ulinux",
                      "-D__FreeBSD__=14"),
}

# Linker flags kmod.mk passes to lld 14: -warn-common and a build id (no -d: lld >= 14).
LD_FLAGS: tuple[str, ...] = ("-warn-common", "--build-id=sha1")
# The second, shared link on every architecture but amd64.
SHARED_FLAGS: tuple[str, ...] = ("-Bshareable", "-znotext", "-znorelro")


@dataclass(frozen=True)
class KmodRequest:
    """One kld to build: its sources, arch and kmod.mk knobs.

    `export_syms` is kmod.mk's EXPORT_SYMS: "NO" (the default: every symbol becomes
    local, as in FreeBSD), "YES" (keep every global), or the names to keep global,
    which other klds that MODULE_DEPEND on this one can then call.
    """

    arch: str
    sources: tuple[Path, ...]
    output: Path
    debug: bool = False
    optimize: str = "2"
    defines: tuple[str, ...] = ()
    include_dirs: tuple[str, ...] = ()
    export_syms: str | tuple[str, ...] = "NO"


@dataclass
class KmodResult:
    """What the build did: every command run, in order, and how the last one ended."""

    commands: list[list[str]] = field(default_factory=list)
    returncode: int = 0
    stderr: str = ""
    output: Path | None = None

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def canonical_arch(arch: str) -> str:
    """kemu's name for `arch` ("amd64" is accepted for "x86_64"), or ToolchainError."""
    try:
        return ARCH_ALIASES[arch]
    except KeyError:
        raise cc.ToolchainError(
            f"unknown arch {arch!r} for target freebsd: expected one of amd64, i386, x86_64"
        ) from None


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise cc.ToolchainError(f"{name} not found on PATH; install the Debian package {package}")
    return path


def _check(request: KmodRequest, cwd: Path) -> str:
    arch = canonical_arch(request.arch)
    if request.optimize not in cc.OPT_LEVELS:
        raise cc.ToolchainError(
            f"bad optimisation level -O{request.optimize}: expected one of "
            + ", ".join("-O" + level for level in cc.OPT_LEVELS))
    if not INCLUDE_DIR.is_dir():
        raise cc.ToolchainError(f"guest SDK headers for freebsd not found at {INCLUDE_DIR}")
    if not request.sources:
        raise cc.ToolchainError("no source files given")
    for source in request.sources:
        path = cwd / source
        if not path.exists():
            raise cc.ToolchainError(f"source file not found: {source}")
        if not path.is_file():
            raise cc.ToolchainError(f"source is not a regular file: {source}")
    stems = [Path(s).stem for s in request.sources]
    if len(set(stems)) != len(stems):
        raise cc.ToolchainError(f"two sources would make the same object: {', '.join(map(str, request.sources))}")
    if not (cwd / request.output).parent.is_dir():
        raise cc.ToolchainError(f"output directory does not exist: {(cwd / request.output).parent}")
    for define in request.defines:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(=.*)?", define, flags=re.S):
            raise cc.ToolchainError(f"bad -D definition {define!r}: expected NAME or NAME=VALUE")
    if isinstance(request.export_syms, str) and request.export_syms not in ("NO", "YES"):
        raise cc.ToolchainError(f"bad EXPORT_SYMS {request.export_syms!r}: expected NO, YES or a list of names")
    return arch


def _relative(path: Path, cwd: Path) -> str:
    try:
        return str(path.resolve().relative_to(cwd.resolve()))
    except ValueError:
        return str(path)


def compile_flags(arch: str, compiler: cc.Compiler, *, debug: bool = False, optimize: str = "2",
                  defines: tuple[str, ...] = (), include_dirs: tuple[str, ...] = (),
                  cwd: Path | None = None) -> list[str]:
    """Every compiler option for one kld source, without the compiler, -c, source and -o.

    Order follows kmod.mk/kern.mk: host target selection, -O, kmod.mk's flags and include
    directories (the user's -I first, then the SDK as ${SYSDIR}), debug flags, the
    architecture's kernel flags, freestanding/C99, warnings, then the compiler's own.
    """
    cwd = Path.cwd() if cwd is None else cwd
    arch = canonical_arch(arch)
    out = list(HOST_FLAGS[(arch, compiler.name)])
    out.append("-O" + optimize)
    if optimize in ("2", "3", "s"):
        out.append("-fno-strict-aliasing")
    out += KMOD_FLAGS
    out += ["-D" + d for d in defines]
    out += ["-I" + _relative(cwd / inc, cwd) for inc in include_dirs]
    out.append("-I" + _relative(INCLUDE_DIR, cwd))
    if debug:
        out += cc.DEBUG_FLAGS
    out.append(f"-fdebug-prefix-map={cwd.resolve()}=.")
    out += KERN_ARCH_FLAGS[arch]
    out += KERN_FLAGS
    out += WARN_FLAGS
    out += WARN_EXTRA[compiler.name]
    out += COMPILER_KERN_FLAGS[(arch, compiler.name)]
    return out


def defined_symbols(nm_output: str) -> dict[str, str]:
    """name -> nm type letter of every symbol nm lists with a value, except absolute ones.

    This is kmod_syms.awk's selection: lines "VALUE TYPE NAME" whose type is not A or U.
    """
    found = {}
    for line in nm_output.splitlines():
        parts = line.split()
        if len(parts) == 3 and not line[0].isspace() and parts[1] not in ("A", "U"):
            found[parts[2]] = parts[1]
    return found


def export_arguments(symbols: dict[str, str], export: str | tuple[str, ...]) -> list[str]:
    """objcopy options making every symbol outside `export` local (commons are stripped)."""
    if export == "YES":
        return []
    keep = set() if export == "NO" else set(export)
    args = []
    for name in sorted(symbols):
        if name in keep:
            continue
        args.append(("-N" if symbols[name] == "C" else "-L") + name)
    return args


def linker_sets(relocatable: Path) -> list[str]:
    """Names of the linker sets (allocated `set_<name>' sections) in a relocatable kld."""
    obj = ObjectFile.load(relocatable)
    return sorted({s.name[len("set_"):] for s in obj.sections if s.name.startswith("set_") and s.alloc})


def set_bound_references(sets: list[str]) -> list[str]:
    """lld options that reference __start_set_<name>/__stop_set_<name> for each set.

    Why: <sys/linker_set.h> declares the bounds `.weak' so that the shared link defines
    and exports them, and link_elf.c finds each set by looking its bounds up in the
    dynamic symbol table. clang's assembler keeps those weak references; GNU as drops a
    weak symbol nothing references, so a gcc-built i386 kld would come out with no set
    bounds and, on FreeBSD, no modules. Referencing them at link time restores what the
    .weak directives mean.
    """
    return [f"--undefined=__{edge}_set_{name}" for name in sets for edge in ("start", "stop")]


class _Runner:
    """Runs the build's commands in order, stopping at the first failure."""

    def __init__(self, cwd: Path, result: KmodResult, verbose: TextIO | None):
        self.cwd, self.result, self.verbose = cwd, result, verbose
        self.env = dict(os.environ, LC_ALL="C")

    def run(self, argv: list[str], tool: str) -> str | None:
        """stdout of `argv`, or None after recording the failure in the result."""
        self.result.commands.append(argv)
        if self.verbose is not None:
            print(shlex.join(argv), file=self.verbose)
        try:
            done = subprocess.run(argv, cwd=self.cwd, capture_output=True, text=True,
                                  errors="backslashreplace", env=self.env, check=False)
        except OSError as exc:
            raise cc.ToolchainError(f"cannot run {tool} ({argv[0]}): {exc.strerror}") from exc
        self.result.stderr += done.stderr
        if done.returncode != 0:
            self.result.returncode = done.returncode
            return None
        return done.stdout


def build_kmod(request: KmodRequest, compiler: cc.Compiler | str = "clang", cwd: Path | None = None,
               verbose: TextIO | None = None) -> KmodResult:
    """Build `request` into a .ko; ToolchainError for a bad request, a KmodResult otherwise.

    As with `cc.compile_object`, a failing tool is not an exception: the result holds
    its exit status and diagnostics, and no output file is left behind.
    """
    cwd = Path.cwd() if cwd is None else cwd
    arch = _check(request, cwd)
    if isinstance(compiler, str):
        compiler = cc.Compiler.find(compiler)
    lld = _tool("ld.lld", "lld")
    objcopy = _tool("objcopy", "binutils")
    nm = _tool("nm", "binutils")
    output = cwd / request.output
    result = KmodResult(output=output)
    runner = _Runner(cwd, result, verbose)
    flags = compile_flags(arch, compiler, debug=request.debug, optimize=request.optimize,
                          defines=request.defines, include_dirs=request.include_dirs, cwd=cwd)
    with tempfile.TemporaryDirectory(prefix="kemu-kmod-") as tmp:
        objects = []
        for source in request.sources:
            obj = Path(tmp) / (Path(source).stem + ".o")
            if runner.run([compiler.path, *flags, "-c", _relative(cwd / source, cwd), "-o", str(obj)],
                          compiler.name) is None:
                return result
            objects.append(str(obj))
        shared = arch in SHARED_ARCHES
        relocatable = str(Path(tmp) / "kmod.kld") if shared else str(Path(tmp) / "kmod.ko")
        ld = [lld, "-m", LD_EMULATION[arch], *LD_FLAGS]
        if arch == "x86_64":
            ld += ["-T", str(LDSCRIPT_AMD64)]
        if runner.run([*ld, "-r", "-o", relocatable, *objects], "ld.lld") is None:
            return result
        listing = runner.run([nm, relocatable], "nm")
        if listing is None:
            return result
        localize = export_arguments(defined_symbols(listing), request.export_syms)
        if localize and runner.run([objcopy, *localize, relocatable], "objcopy") is None:
            return result
        final = relocatable
        if shared:
            final = str(Path(tmp) / "kmod.ko")
            bounds = set_bound_references(linker_sets(Path(relocatable)))
            if runner.run([lld, "-m", LD_EMULATION[arch], *SHARED_FLAGS, *LD_FLAGS, *bounds, "-o", final,
                           relocatable], "ld.lld") is None:
                return result
        if not request.debug and runner.run([objcopy, "--strip-debug", final], "objcopy") is None:
            return result
        shutil.copyfile(final, output)
    return result


def compile_request(request: cc.CompileRequest, compiler: cc.Compiler | str, cwd: Path | None,
                    verbose: TextIO | None) -> cc.CompileResult:
    """`kemu cc --target freebsd`: one source built into a kld, reported as cc reports."""
    cwd = Path.cwd() if cwd is None else cwd
    kmod = KmodRequest(arch=request.arch, sources=(Path(request.source),), output=Path(request.output),
                       debug=request.debug, optimize=request.optimize, defines=request.defines,
                       include_dirs=request.include_dirs)
    result = build_kmod(kmod, compiler, cwd=cwd, verbose=verbose)
    return cc.CompileResult(argv=result.commands[-1] if result.commands else [],
                            returncode=result.returncode, stderr=result.stderr, output=cwd / request.output)
