"""Build a NetBSD 10 module(9) kernel module (.kmod) the way NetBSD's kmod build does.

NetBSD's share/mk/bsd.kmodule.mk compiles each source with the kernel's flags plus
`-D_KERNEL -D_MODULE -DSYSCTL_INCLUDE_DESCR` (amd64 adds `-mcmodel=kernel -mno-red-zone`,
both arches keep the FPU/SIMD units out of kernel code), then links the objects into one
relocatable object with `ld -r` and the `kmodule` linker script
(`${CC} -nostdlib -r -Wl,-T,kmodule,-d -o NAME.kmod OBJS`). The result is an ET_REL file:
the kernel's kobj linker relocates it at load time.

What the linker script does matters to the loader: it merges `.bss` (and `.bss.*`, COMMON)
into `.data` at address 0, so a .kmod carries its zero-initialised variables as PROGBITS
bytes (the boot loader can preload it without allocating BSS), gathers the cache-line-aligned
and read-mostly data after it on 64-byte boundaries (COHERENCY_UNIT), and drops `.comment`.
`-d` gives COMMON symbols space even in a relocatable link. kemu links with GNU ld directly
(`ld -r -m elf_i386|elf_x86_64 -T kmodule -d`), which is what the compiler driver runs.

Compilation reuses kemu.toolchain.cc (the shared kernel flags, compiler discovery, the
reproducible-path rules); this module adds the target's defines, the arch aliases NetBSD
uses (`amd64` is the x86_64 port's name) and the link step.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from kemu.paths import GUEST

NAME = "netbsd"
DESCRIPTION = "NetBSD 10 module(9) kernel module (.kmod: modload/modstat/modunload)"
INCLUDE_DIR = GUEST / "netbsd" / "include"
# __NetBSD_Version__ is not defined here: as on NetBSD it comes from <sys/param.h>
# (1000000000, NetBSD 10.0), which <sys/module.h> includes for MODULE().
DEFINES: tuple[str, ...] = ("_KERNEL", "_MODULE", "SYSCTL_INCLUDE_DESCR", "__NetBSD__")

# NetBSD calls the 64-bit x86 port amd64; kemu's arch name is x86_64.
ARCH_ALIASES: dict[str, str] = {"i386": "i386", "x86_64": "x86_64", "amd64": "x86_64"}

# GNU ld emulations for the two ELF flavours.
LD_EMULATION: dict[str, str] = {"i386": "elf_i386", "x86_64": "elf_x86_64"}

# The kmodule linker script (sys/modules/xldscripts/kmodule), restated: data and BSS
# merged at 0, 64-byte-aligned cache-line and read-mostly sections, .comment discarded.
KMODULE_SCRIPT = """\
SECTIONS
{
   .data 0 :
   {
     *(.data)
     *(.bss)
     *(.bss.*)
     *(COMMON)
   }
   . = ALIGN(64);
   .data.cacheline_aligned : { *(.data.cacheline_aligned) }
   . = ALIGN(64);
   .data.read_mostly : { *(.data.read_mostly) }
   . = ALIGN(64);
   /DISCARD/ :
   {
     *(.comment)
   }
}
"""


def canonical_arch(arch: str) -> str:
    """kemu's name for a NetBSD arch name (amd64 -> x86_64); unknown names pass through."""
    return ARCH_ALIASES.get(arch, arch)


def find_linker() -> str:
    """Path of GNU ld, or ToolchainError saying it is needed."""
    from kemu.toolchain.cc import ToolchainError

    path = shutil.which("ld")
    if path is None:
        raise ToolchainError("GNU ld not found on PATH; a NetBSD .kmod is linked with `ld -r` (install binutils)")
    return path


def link_command(ld: str, arch: str, objects: list[str], output: str, script: str) -> list[str]:
    """The `ld -r` command that turns compiled objects into a .kmod."""
    return [ld, "-r", "-m", LD_EMULATION[arch], "-T", script, "-d", "-o", output, *objects]


def build(request, compiler, cwd: Path, verbose: TextIO | None):
    """Compile `request` (a cc.CompileRequest) and link it into request.output as a .kmod.

    Returns a cc.CompileResult: a failing compiler or linker is reported through it (its exit
    status and diagnostics), a bad request raises cc.ToolchainError. The intermediate object
    lives in a temporary directory; the output is written only when both steps succeed.
    """
    from kemu.toolchain import cc

    if isinstance(compiler, str):
        compiler = cc.Compiler.find(compiler)
    request = replace(request, arch=canonical_arch(request.arch))
    output = cwd / request.output
    ld = find_linker()
    env = dict(os.environ, LC_ALL="C")
    with tempfile.TemporaryDirectory(prefix="kemu-kmod-") as tmp:
        obj = Path(tmp) / (Path(request.output).stem + ".o")
        compile_argv = cc.command(replace(request, output=obj), compiler, cwd)
        done = _run(compile_argv, cwd, env, verbose, compiler.name)
        if done.returncode != 0:
            return cc.CompileResult(argv=compile_argv, returncode=done.returncode,
                                    stderr=done.stderr, output=output)
        stderr = done.stderr
        script = Path(tmp) / "kmodule"
        script.write_text(KMODULE_SCRIPT)
        linked = Path(tmp) / "out.kmod"
        link_argv = link_command(ld, request.arch, [str(obj)], str(linked), str(script))
        done = _run(link_argv, cwd, env, verbose, "ld")
        stderr += done.stderr
        if done.returncode != 0:
            return cc.CompileResult(argv=link_argv, returncode=done.returncode, stderr=stderr, output=output)
        shutil.copyfile(linked, output)
    return cc.CompileResult(argv=compile_argv, returncode=0, stderr=stderr, output=output)


def _run(argv: list[str], cwd: Path, env: dict[str, str], verbose: TextIO | None,
         what: str) -> subprocess.CompletedProcess:
    from kemu.toolchain.cc import ToolchainError

    if verbose is not None:
        print(shlex.join(argv), file=verbose)
    try:
        return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, errors="backslashreplace",
                              env=env, check=False)
    except OSError as exc:
        raise ToolchainError(f"cannot run {what} ({argv[0]}): {exc.strerror}") from exc


#: what kemu.toolchain.cc calls for a target with its own builder
compile_request = build
