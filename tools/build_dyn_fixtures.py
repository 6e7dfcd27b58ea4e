#!/usr/bin/env python3
"""Rebuild fixtures/dyn/ (one module linked both as ET_REL and as ET_DYN) from guest/dyn/.

  guest/dyn/module.c --gcc -c--> module.o --ld -r------> fixtures/dyn/<variant>.o
                                          --ld -shared--> fixtures/dyn/<variant>.so

Variants: i386 without PIC (the shared object then carries text relocations: R_386_32 and
R_386_PC32 besides R_386_RELATIVE), i386 with -fPIC (GLOB_DAT, JMP_SLOT through the PLT,
RELATIVE; what FreeBSD's kmod.mk builds) and x86-64 with -fPIC (GLOB_DAT, JUMP_SLOT, RELATIVE,
64). Writes fixtures/dyn/MANIFEST.txt (sha256, file, tool versions, the commands). With
--check, builds into a temporary directory and compares with the committed files instead.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "guest" / "dyn"
OUT = ROOT / "fixtures" / "dyn"
COMMON = ["-ffreestanding", "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-O2"]
VARIANTS = {
    "i386_nopic": (["-m32", "-fno-pic"], "elf_i386"),
    "i386_pic": (["-m32", "-fPIC"], "elf_i386"),
    "x86_64_pic": (["-m64", "-fPIC", "-mno-red-zone"], "elf_x86_64"),
}


def version(tool: str) -> str:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
    return out.splitlines()[0].strip() if out else tool


def build(out: Path) -> list[str]:
    """Build every variant into `out`; returns the manifest lines (without hashes)."""
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (flags, emulation) in VARIANTS.items():
            obj = Path(tmp) / f"{name}.o"
            # cwd = the source directory so the object records the same relative file name
            cc = ["gcc", *flags, *COMMON, "-c", "module.c", "-o", str(obj)]
            subprocess.run(cc, check=True, cwd=SRC)
            for suffix, mode in ((".o", ["-r"]), (".so", ["-shared", "-z", "notext"])):
                dst = out / f"{name}{suffix}"
                subprocess.run(["ld", "-m", emulation, *mode, str(obj), "-o", str(dst)],
                               check=True)
                lines.append(f"{dst.name}  gcc {' '.join(flags + COMMON)} -c module.c; "
                             f"ld -m {emulation} {' '.join(mode)}")
    return lines


def manifest(out: Path, lines: list[str]) -> str:
    head = ["# fixtures/dyn — built by tools/build_dyn_fixtures.py from guest/dyn/module.c; "
            "do not edit by hand.", f"# {version('gcc')}; {version('ld')}",
            "# sha256  file  commands"]
    body = [f"{hashlib.sha256((out / ln.split()[0]).read_bytes()).hexdigest()}  {ln}"
            for ln in lines]
    return "\n".join(head + body) + "\n"


def main() -> int:
    missing = [t for t in ("gcc", "ld") if not shutil.which(t)]
    if missing:
        print(f"build_dyn_fixtures: {', '.join(missing)} not found", file=sys.stderr)
        return 1
    if "--check" in sys.argv[1:]:
        with tempfile.TemporaryDirectory() as tmp:
            lines = build(Path(tmp))
            bad = [ln.split()[0] for ln in lines
                   if (Path(tmp) / ln.split()[0]).read_bytes() != (OUT / ln.split()[0]).read_bytes()]
        print(f"checked {len(lines)} objects: {len(bad)} mismatches {' '.join(bad)}")
        return 1 if bad else 0
    OUT.mkdir(parents=True, exist_ok=True)
    lines = build(OUT)
    (OUT / "MANIFEST.txt").write_text(manifest(OUT, lines))
    print(f"wrote {len(lines)} objects and {OUT / 'MANIFEST.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
