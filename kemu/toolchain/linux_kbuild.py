"""Build Linux .ko modules the way the kernel builds them: kbuild, against Debian's headers.

    kemu cc --target linux --arch x86_64 -o fibo.ko fibo.c [more.c ...]

Unlike the BSD targets, whose flags kemu owns (kemu.toolchain.cc), a Linux module is only
real when the kernel's own build system makes it: kbuild chooses the compiler (gcc-12),
the flags (-mcmodel=kernel, retpolines, -mfentry, -mregparm=3 on i386 ...), runs objtool
(ORC tables, .return_sites, .retpoline_sites), modpost (__versions with the exported
symbols' CRCs from Module.symvers, the .modinfo vermagic, the .gnu.linkonce.this_module
struct module) and the final link with the kernel's module linker script. This file only
stages the sources in a scratch directory and runs `make -C <headers> M=<dir> modules`.

Reproducibility: the staging directory is a fresh temporary one, so every path kbuild
embeds that points into it (DWARF, __FILE__ in WARN/BUG tables) is mapped to a relative
one with -ffile-prefix-map. The same sources against the same headers and compiler then
give byte-identical .ko files (the build id is a hash of the contents).
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from kemu.toolchain.cc import CompileResult, ToolchainError
from kemu.toolchain.linux_headers import KBUILD_DIR, HeaderSet, header_set

TARGET = "linux"
COMPILER = "gcc-12"
MODULE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
# Variables that would change what the headers' Makefile selects (a cross compiler, another
# architecture, an outside object directory) if inherited from the caller's environment.
SCRUBBED_ENV = ("ARCH", "CROSS_COMPILE", "DEB_BUILD_ARCH", "DEB_HOST_ARCH", "DEB_HOST_GNU_TYPE",
                "KBUILD_OUTPUT", "KBUILD_EXTMOD", "O", "M", "KCFLAGS", "KCPPFLAGS", "CC", "LD",
                "MAKEFLAGS", "MFLAGS", "MAKELEVEL")


@dataclass(frozen=True)
class KbuildRequest:
    """One module to build: its sources, the .ko to write and the guest arch."""

    arch: str
    sources: tuple[Path, ...]
    output: Path
    defines: tuple[str, ...] = ()
    include_dirs: tuple[str, ...] = ()
    # Module.symvers files of other out-of-tree modules this one uses (KBUILD_EXTRA_SYMBOLS):
    # modpost then knows their exports, their GPL-ness and CRCs for __versions.
    extra_symbols: tuple[Path, ...] = ()
    # Let modpost only warn about symbols it cannot find (KBUILD_MODPOST_WARN=1) instead of
    # failing the build; such symbols get no __versions entry.
    allow_undefined: bool = False
    # Where to copy the Module.symvers this build writes (the module's own exports), with
    # the scratch directory dropped from its module column ("stack_base", not "/tmp/.../stack_base").
    write_symvers: Path | None = None

    @property
    def module_name(self) -> str:
        return self.output.name[: -len(".ko")] if self.output.name.endswith(".ko") else self.output.stem


def locate_headers(arch: str) -> tuple[HeaderSet, Path]:
    """The header set for `arch` and its tree, or ToolchainError naming the package to install."""
    try:
        headers = header_set(arch)
    except ValueError as exc:
        raise ToolchainError(f"unknown arch {arch!r} for target linux: expected one of i386, x86_64") from exc
    tree = headers.find()
    if tree is None:
        raise ToolchainError(
            f"Linux headers {headers.release} ({headers.apt_name}) not found (looked in "
            + ", ".join(str(p) for p in headers.candidates())
            + f"); install them: {headers.install_hint()}"
        )
    if not (headers.common_dir / "Makefile").is_file():
        raise ToolchainError(
            f"Linux headers {headers.release} need {headers.common_package} at {headers.common_dir}, which "
            f"is missing; install it: apt-get install {headers.common_package}"
        )
    if not (tree / "scripts" / "Makefile.build").is_file():
        raise ToolchainError(
            f"Linux headers {headers.release} at {tree}: scripts/ does not lead to the kernel build "
            f"scripts ({KBUILD_DIR}/scripts); install them: apt-get install linux-kbuild-6.1"
        )
    for tool, package in (("make", "make"), (COMPILER, "gcc-12")):
        if shutil.which(tool) is None:
            raise ToolchainError(f"`{tool}` not found on PATH; the Linux build needs it: apt-get install {package}")
    return headers, tree


def _check(request: KbuildRequest, cwd: Path) -> list[Path]:
    if not request.sources:
        raise ToolchainError("no source files given")
    if not request.output.name.endswith(".ko"):
        raise ToolchainError(f"output {request.output} must be a .ko file (kbuild names modules NAME.ko)")
    if not MODULE_NAME.fullmatch(request.module_name):
        raise ToolchainError(
            f"bad module name {request.module_name!r} (from {request.output}): use letters, digits, _ and -"
        )
    output = cwd / request.output
    if not output.parent.is_dir():
        raise ToolchainError(f"output directory does not exist: {output.parent}")
    sources = []
    seen: dict[str, Path] = {}
    for source in request.sources:
        path = cwd / source
        if not path.exists():
            raise ToolchainError(f"source file not found: {source}")
        if not path.is_file():
            raise ToolchainError(f"source is not a regular file: {source}")
        if path.suffix not in (".c", ".S"):
            raise ToolchainError(f"source {source} is not a .c or .S file")
        if path.name in seen:
            raise ToolchainError(f"two sources share the name {path.name}: {seen[path.name]} and {source}")
        seen[path.name] = source
        sources.append(path)
    if len(sources) > 1 and any(p.stem == request.module_name for p in sources):
        raise ToolchainError(
            f"a module built from several files cannot have a source named {request.module_name}"
            f"{sources[0].suffix} (kbuild would confuse it with the module {request.module_name}.o); "
            "rename the source or the output"
        )
    for define in request.defines:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(=.*)?", define, flags=re.S):
            raise ToolchainError(f"bad -D definition {define!r}: expected NAME or NAME=VALUE")
    for inc in request.include_dirs:
        if not (cwd / inc).is_dir():
            raise ToolchainError(f"include directory does not exist: {inc}")
    for symvers in request.extra_symbols:
        if not (cwd / symvers).is_file():
            raise ToolchainError(f"extra symbols file not found: {symvers}")
    if request.write_symvers is not None and not (cwd / request.write_symvers).parent.is_dir():
        raise ToolchainError(f"directory for {request.write_symvers} does not exist")
    return sources


def kbuild_file(request: KbuildRequest, sources: list[Path], cwd: Path) -> str:
    """The Kbuild file naming the module, its objects and any user -D/-I flags."""
    name = request.module_name
    lines = [f"obj-m := {name}.o"]
    if len(sources) > 1 or sources[0].stem != name:
        lines.append(f"{name}-y := " + " ".join(p.stem + ".o" for p in sources))
    extra = ["-D" + d for d in request.defines] + ["-I" + str((cwd / i).resolve()) for i in request.include_dirs]
    if extra:
        lines.append("ccflags-y += " + " ".join(shlex.quote(e) for e in extra))
    return "\n".join(lines) + "\n"


def _stage(sources: list[Path], build: Path) -> None:
    """Copy the sources and the headers beside them into the build directory."""
    build.mkdir()
    for source in sources:
        shutil.copyfile(source, build / source.name)
        for header in sorted(source.parent.glob("*.h")):
            if not (build / header.name).exists():
                shutil.copyfile(header, build / header.name)


def make_command(tree: Path, build: Path, request: KbuildRequest, cwd: Path, verbose: bool = False) -> list[str]:
    """The kbuild invocation for an external module in `build`."""
    extra = " ".join(str((cwd / p).resolve()) for p in request.extra_symbols)
    return [
        "make", "-C", str(tree), f"M={build}",
        f"KCFLAGS=-ffile-prefix-map={build}/=",
        *([f"KBUILD_EXTRA_SYMBOLS={extra}"] if extra else []),
        *(["KBUILD_MODPOST_WARN=1"] if request.allow_undefined else []),
        *(["V=1"] if verbose else []),
        "modules",
    ]


def build_module(request: KbuildRequest, cwd: Path | None = None, verbose: TextIO | None = None) -> CompileResult:
    """Build `request` with kbuild; ToolchainError for a bad request, a CompileResult otherwise.

    A failing build is not an exception: the result carries make's status and its output
    (compiler diagnostics, modpost warnings) for the caller to show as they are.
    """
    cwd = Path.cwd() if cwd is None else cwd
    headers, tree = locate_headers(request.arch)
    sources = _check(request, cwd)
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env["LC_ALL"] = "C"
    with tempfile.TemporaryDirectory(prefix="kemu-kbuild-") as scratch:
        build = Path(scratch) / request.module_name
        _stage(sources, build)
        (build / "Kbuild").write_text(kbuild_file(request, sources, cwd))
        argv = make_command(tree, build, request, cwd, verbose=verbose is not None)
        if verbose is not None:
            print(shlex.join(argv), file=verbose)
        try:
            done = subprocess.run(argv, cwd=build, capture_output=True, text=True, errors="backslashreplace",
                                  env=env, check=False)
        except OSError as exc:
            raise ToolchainError(f"cannot run make: {exc.strerror}") from exc
        log = done.stderr if verbose is None else done.stdout + done.stderr
        built = build / f"{request.module_name}.ko"
        returncode = done.returncode
        if returncode == 0 and not built.is_file():
            log += f"kbuild finished without writing {built.name}\n"
            returncode = 1
        if returncode == 0:
            shutil.copyfile(built, cwd / request.output)
            if request.write_symvers is not None:
                symvers = (build / "Module.symvers").read_text()
                (cwd / request.write_symvers).write_text(symvers.replace(f"\t{build}/", "\t"))
        log = log.replace(str(build) + "/", "")
    return CompileResult(argv=argv, returncode=returncode, stderr=_quiet(log), output=cwd / request.output)


def _quiet(log: str) -> str:
    """kbuild's output without the one line every out-of-tree build prints (no vmlinux for BTF)."""
    return "".join(line for line in log.splitlines(keepends=True) if not line.startswith("Skipping BTF generation"))


def build(
    target: str,
    arch: str,
    sources: tuple[Path, ...],
    output: Path,
    defines: tuple[str, ...] = (),
    include_dirs: tuple[str, ...] = (),
    cwd: Path | None = None,
    verbose: TextIO | None = None,
    extra_symbols: tuple[Path, ...] = (),
    allow_undefined: bool = False,
    write_symvers: Path | None = None,
) -> CompileResult:
    """kemu.toolchain.cc's entry point for `--target linux` (see BUILD_SYSTEM_TARGETS there)."""
    if target != TARGET:
        raise ToolchainError(f"linux_kbuild cannot build for target {target!r}")
    request = KbuildRequest(arch=arch, sources=tuple(sources), output=output,
                            defines=tuple(defines), include_dirs=tuple(include_dirs),
                            extra_symbols=tuple(extra_symbols), allow_undefined=allow_undefined,
                            write_symvers=write_symvers)
    return build_module(request, cwd=cwd, verbose=verbose)
