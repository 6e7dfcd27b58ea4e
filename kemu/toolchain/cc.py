"""Compile guest C into relocatable kernel-module objects with the kernel's own flags.

Why a driver at all: a host compiler left to its defaults builds position-independent,
SSE-using, stack-protected code that expects a hosted C library. A kernel loader can do
nothing with GOT/PLT relocations, a kernel has no SSE state to spare, and the guest SDK
headers (guest/<target>/include) must replace the host's. The flags that make a compiler
produce what a 2002 NetBSD kernel build produced live here, in one table, and are used by
both `kemu cc` and tools/build_lkm_fixtures.py so the committed fixtures and a user's own
builds cannot drift apart.

Reproducibility: builds map the working directory to "." in debug information
(-fdebug-prefix-map), and use paths relative to it where they can, so the same sources
compiled by the same compiler version give byte-identical objects in any checkout.
"""
from __future__ import annotations

import functools
import importlib
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

from kemu.paths import GUEST
from kemu.toolchain import netbsd_kmod

ARCHES: tuple[str, ...] = ("i386", "x86_64")
COMPILERS: tuple[str, ...] = ("gcc", "clang")
OPT_LEVELS: tuple[str, ...] = ("0", "1", "2", "3", "s", "g", "z")


class ToolchainError(Exception):
    """A compile request that cannot be carried out; the message names what is wrong."""


@dataclass(frozen=True)
class Target:
    """A guest system kemu cc can build modules for."""

    name: str
    description: str
    include_dir: Path
    defines: tuple[str, ...]
    # Targets whose modules are more than one compiled object (a linked .ko) name the
    # module that builds them; it provides compile_request(request, compiler, cwd, verbose).
    builder: str | None = None


TARGETS: dict[str, Target] = {
    "netbsd-lkm": Target(
        name="netbsd-lkm",
        description="NetBSD 1.6 loadable kernel module (modload/modstat/modunload)",
        include_dir=GUEST / "netbsd-lkm" / "include",
        defines=("_KERNEL", "_LKM", "__NetBSD__", "__NetBSD_Version__=106000000"),
    ),
    "freebsd": Target(
        name="freebsd",
        description="FreeBSD 14.3 kld (.ko built as sys/conf/kmod.mk does; kldload/kldstat/kldunload)",
        include_dir=GUEST / "freebsd" / "include",
        defines=("_KERNEL", "KLD_MODULE"),
        builder="kemu.toolchain.freebsd_kmod",
    ),
    netbsd_kmod.NAME: Target(
        name=netbsd_kmod.NAME,
        description=netbsd_kmod.DESCRIPTION,
        include_dir=netbsd_kmod.INCLUDE_DIR,
        defines=netbsd_kmod.DEFINES,
        builder="kemu.toolchain.netbsd_kmod",
    ),
}

# Targets whose modules only their own kernel build system can make (it picks compiler
# and flags, and post-processes the objects): target name -> the module that builds them,
# imported on use. Each such module provides `build(target, arch, sources, output,
# defines, include_dirs, cwd, verbose, **options) -> CompileResult`, the options being
# that build system's own (for Linux: extra_symbols, allow_undefined, write_symvers).
BUILD_SYSTEM_TARGETS: dict[str, str] = {
    "linux": "kemu.toolchain.linux_kbuild",
}


def target_names() -> list[str]:
    """Every target `kemu cc --target` accepts, sorted."""
    return sorted([*TARGETS, *BUILD_SYSTEM_TARGETS])


def build_with_target_system(
    target: str,
    arch: str,
    sources: tuple[Path, ...],
    output: Path,
    defines: tuple[str, ...] = (),
    include_dirs: tuple[str, ...] = (),
    cwd: Path | None = None,
    verbose: TextIO | None = None,
    **options: object,
) -> "CompileResult":
    """Build a module for a target in BUILD_SYSTEM_TARGETS with that target's own build system."""
    import importlib

    builder = importlib.import_module(BUILD_SYSTEM_TARGETS[target])
    return builder.build(target, arch, sources, output, defines, include_dirs, cwd, verbose, **options)


# What every kernel build needs, whatever the compiler: no host headers or builtins
# (calls to bzero/printf/memcpy must stay calls to kernel symbols), no PIC/PIE (no GOT),
# no stack protector or CET (no __stack_chk_guard, no endbr), no unwind tables, no
# SSE/MMX/AVX (kernel code must not touch FPU state), no COMMON symbols (modern kernels'
# -fno-common; the object then says where every variable lives), frame pointers kept for
# readable backtraces, and NULL checks kept because address 0 is just memory to a kernel.
KERNEL_FLAGS: tuple[str, ...] = (
    "-std=gnu99",
    "-ffreestanding",
    "-fno-builtin",
    "-nostdinc",
    "-fno-pic",
    "-fno-pie",
    "-fno-stack-protector",
    "-fno-asynchronous-unwind-tables",
    "-fno-unwind-tables",
    "-fcf-protection=none",
    "-mno-sse",
    "-mno-sse2",
    "-mno-mmx",
    "-mno-3dnow",
    "-mno-avx",
    "-fno-common",
    "-fno-omit-frame-pointer",
    "-fno-strict-aliasing",
    "-fno-delete-null-pointer-checks",
    "-Wall",
)

# Flags only one compiler understands (clang warns that stack-clash protection is unused
# for these targets; GCC builds on some distributions enable it by default).
COMPILER_FLAGS: dict[str, tuple[str, ...]] = {
    "gcc": ("-fno-stack-clash-protection",),
    "clang": (),
}

# i386: 32-bit ELF, i486 instructions as NetBSD 1.6 GENERIC; calls come out as R_386_PC32.
# x86_64: kernel code model (everything in the top 2 GiB, R_X86_64_32S for addresses),
# no red zone because interrupts share the kernel stack.
ARCH_FLAGS: dict[tuple[str, str], tuple[str, ...]] = {
    ("i386", "gcc"): ("-m32", "-march=i486"),
    ("i386", "clang"): ("--target=i386-unknown-none-elf", "-march=i486"),
    ("x86_64", "gcc"): ("-m64", "-mcmodel=kernel", "-mno-red-zone"),
    ("x86_64", "clang"): ("--target=x86_64-unknown-none-elf", "-mcmodel=kernel", "-mno-red-zone"),
}

# DWARF 4 rather than the compilers' newer default: every tool kemu's debugger relies on
# (pyelftools, gdb) reads it fully, and both compilers then emit the same format.
DEBUG_FLAGS: tuple[str, ...] = ("-g", "-gdwarf-4")


@dataclass(frozen=True)
class Compiler:
    """An installed compiler: its path, identity and builtin header directory (stdarg.h)."""

    name: str
    path: str
    version: str
    builtin_include: str

    @classmethod
    def find(cls, name: str) -> "Compiler":
        """Locate `name` ("gcc" or "clang") on PATH, or raise ToolchainError saying so."""
        if name not in COMPILERS:
            raise ToolchainError(f"unknown compiler {name!r}: expected one of {', '.join(COMPILERS)}")
        path = shutil.which(name)
        if path is None:
            raise ToolchainError(
                f"compiler {name!r} not found on PATH; install it or choose another with --compiler"
            )
        return _describe_compiler(name, path)


@functools.lru_cache(maxsize=None)
def _describe_compiler(name: str, path: str) -> Compiler:
    version = _run_capture([path, "--version"], name).splitlines()[0].strip()
    if name == "gcc":
        builtin = _run_capture([path, "-print-file-name=include"], name).strip()
    else:
        builtin = str(Path(_run_capture([path, "-print-resource-dir"], name).strip()) / "include")
    if not Path(builtin, "stdarg.h").is_file():
        raise ToolchainError(f"{name} at {path}: builtin header directory {builtin} has no stdarg.h")
    return Compiler(name=name, path=path, version=version, builtin_include=builtin)


def _run_capture(argv: list[str], name: str) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, errors="backslashreplace", check=False)
    except OSError as exc:
        raise ToolchainError(f"cannot run {name} ({argv[0]}): {exc.strerror}") from exc
    if done.returncode != 0:
        raise ToolchainError(f"{shlex.join(argv)} failed with exit status {done.returncode}: {done.stderr.strip()}")
    return done.stdout


@dataclass(frozen=True)
class CompileRequest:
    """One translation unit to compile: what, for which guest, and how."""

    target: str
    arch: str
    source: Path
    output: Path
    debug: bool = False
    optimize: str = "2"
    defines: tuple[str, ...] = ()
    include_dirs: tuple[str, ...] = ()


@dataclass
class CompileResult:
    """What running the compiler did: the exact command, its status and diagnostics."""

    argv: list[str]
    returncode: int
    stderr: str
    output: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class _Checked:
    target: Target
    source: Path
    output: Path
    cwd: Path


def get_target(name: str) -> Target:
    """The Target called `name`, or ToolchainError listing the known ones."""
    try:
        return TARGETS[name]
    except KeyError:
        raise ToolchainError(f"unknown target {name!r}: expected one of {', '.join(sorted(TARGETS))}") from None


def _check(request: CompileRequest, cwd: Path) -> _Checked:
    target = get_target(request.target)
    if request.arch not in ARCHES:
        raise ToolchainError(
            f"unknown arch {request.arch!r} for target {target.name}: expected one of {', '.join(ARCHES)}"
        )
    if request.optimize not in OPT_LEVELS:
        raise ToolchainError(
            f"bad optimisation level -O{request.optimize}: expected one of "
            + ", ".join("-O" + level for level in OPT_LEVELS)
        )
    if not target.include_dir.is_dir():
        raise ToolchainError(f"guest SDK headers for {target.name} not found at {target.include_dir}")
    source = cwd / request.source
    if not source.exists():
        raise ToolchainError(f"source file not found: {request.source}")
    if not source.is_file():
        raise ToolchainError(f"source is not a regular file: {request.source}")
    output = cwd / request.output
    if not output.parent.is_dir():
        raise ToolchainError(f"output directory does not exist: {output.parent}")
    for define in request.defines:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(=.*)?", define, flags=re.S):
            raise ToolchainError(f"bad -D definition {define!r}: expected NAME or NAME=VALUE")
    return _Checked(target=target, source=source, output=output, cwd=cwd)


def _shortest(path: Path, cwd: Path) -> str:
    """`path` relative to `cwd` when it lies inside it (keeps objects checkout-independent)."""
    try:
        return str(path.resolve().relative_to(cwd.resolve()))
    except ValueError:
        return str(path)


def flags(request: CompileRequest, compiler: Compiler, cwd: Path | None = None) -> list[str]:
    """Every compiler option for `request`, without the compiler, -c, source and -o.

    Order: arch, kernel, compiler-specific, optimisation, debug, prefix map, target
    defines, user defines, user include dirs, the guest SDK, the compiler's builtin headers
    (last, so the SDK wins; it supplies only stdarg.h-style compiler headers).
    """
    cwd = Path.cwd() if cwd is None else cwd
    checked = _check(request, cwd)
    out = list(ARCH_FLAGS[(request.arch, compiler.name)])
    out += KERNEL_FLAGS
    out += COMPILER_FLAGS[compiler.name]
    out.append("-O" + request.optimize)
    if request.debug:
        out += DEBUG_FLAGS
    out.append(f"-fdebug-prefix-map={cwd.resolve()}=.")
    out += ["-D" + d for d in checked.target.defines]
    out += ["-D" + d for d in request.defines]
    out += ["-I" + _shortest(cwd / inc, cwd) for inc in request.include_dirs]
    out.append("-I" + _shortest(checked.target.include_dir, cwd))
    out += ["-isystem", compiler.builtin_include]
    return out


def command(request: CompileRequest, compiler: Compiler, cwd: Path | None = None) -> list[str]:
    """The complete argv that compiles `request` into its output object."""
    cwd = Path.cwd() if cwd is None else cwd
    checked = _check(request, cwd)
    return [
        compiler.path,
        *flags(request, compiler, cwd),
        "-c",
        _shortest(checked.source, cwd),
        "-o",
        _shortest(checked.output, cwd),
    ]


def compile_object(
    request: CompileRequest,
    compiler: Compiler | str = "gcc",
    cwd: Path | None = None,
    verbose: TextIO | None = None,
) -> CompileResult:
    """Compile `request`; ToolchainError for a bad request, a CompileResult otherwise.

    A failing compiler is not an exception: the result carries its exit status and
    diagnostics so the caller can show them as they are. `verbose` receives the command
    line before it runs.
    """
    cwd = Path.cwd() if cwd is None else cwd
    target = TARGETS.get(request.target)
    if target is not None and target.builder is not None:
        return importlib.import_module(target.builder).compile_request(request, compiler, cwd, verbose)
    if isinstance(compiler, str):
        compiler = Compiler.find(compiler)
    argv = command(request, compiler, cwd)
    if verbose is not None:
        print(shlex.join(argv), file=verbose)
    env = dict(os.environ, LC_ALL="C")
    try:
        # errors=: diagnostics quote the source, whose bytes need not be UTF-8
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, errors="backslashreplace",
                              env=env, check=False)
    except OSError as exc:
        raise ToolchainError(f"cannot run {compiler.name} ({compiler.path}): {exc.strerror}") from exc
    return CompileResult(argv=argv, returncode=done.returncode, stderr=done.stderr, output=cwd / request.output)
