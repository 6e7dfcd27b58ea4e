#!/usr/bin/env python3
"""Rebuild fixtures/elf/ (the ELF reader's test objects) from guest/elf/.

  guest/elf/<name>_<arch>.s  --as-->          fixtures/elf/<name>_<arch>.o
  guest/elf/<name>.c         --gcc, clang-->  fixtures/elf/<name>_<arch>_<compiler>.o

Writes fixtures/elf/MANIFEST.txt (tool, version, flags and sha256 per object) so a reader of
the tests knows exactly what produced each byte. Needs binutils `as`; gcc/clang when present.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "guest" / "elf"
OUT = ROOT / "fixtures" / "elf"

AS_FLAGS = {"i386": ["--32"], "x86_64": ["--64"]}
# Unwind tables stay on: real modules carry .eh_frame and its relocations, the reader must too.
KERNEL_CFLAGS = ["-ffreestanding", "-fno-pic", "-fno-stack-protector", "-fcommon", "-O2"]
CC_FLAGS = {"i386": ["-m32"], "x86_64": ["-m64", "-mcmodel=kernel", "-mno-red-zone"]}


def version(tool: str) -> str:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
    return out.splitlines()[0].strip() if out else tool


def run(cmd: list[str]) -> None:
    print("  " + " ".join(cmd))
    subprocess.run(cmd, check=True)


def main() -> int:
    if not shutil.which("as"):
        print("build_elf_fixtures: GNU as not found (install binutils)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    manifest: list[str] = []
    for src in sorted(SRC.glob("*.s")):
        arch = "x86_64" if src.stem.endswith("x86_64") else "i386"
        dst = OUT / f"{src.stem}.o"
        cmd = ["as", *AS_FLAGS[arch], str(src), "-o", str(dst)]
        run(cmd)
        manifest.append(f"{dst.name}  as ({version('as')}) {' '.join(AS_FLAGS[arch])} "
                        f"guest/elf/{src.name}")
    for src in sorted(SRC.glob("*.c")):
        for compiler in ("gcc", "clang"):
            if not shutil.which(compiler):
                print(f"  skipping {compiler}: not installed")
                continue
            for arch, flags in CC_FLAGS.items():
                dst = OUT / f"{src.stem}_{arch}_{compiler}.o"
                run([compiler, *flags, *KERNEL_CFLAGS, "-c", str(src), "-o", str(dst)])
                manifest.append(f"{dst.name}  {compiler} ({version(compiler)}) "
                                f"{' '.join(flags + KERNEL_CFLAGS)} guest/elf/{src.name}")
    lines = ["# fixtures/elf — built by tools/build_elf_fixtures.py; do not edit by hand.",
             "# sha256  file  tool (version) flags source"]
    for entry in manifest:
        name = entry.split()[0]
        digest = hashlib.sha256((OUT / name).read_bytes()).hexdigest()
        lines.append(f"{digest}  {entry}")
    (OUT / "MANIFEST.txt").write_text("\n".join(lines) + "\n")
    print(f"wrote {len(manifest)} objects and {OUT / 'MANIFEST.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
