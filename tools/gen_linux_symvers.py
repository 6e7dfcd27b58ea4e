#!/usr/bin/env python3
"""Regenerate kemu/os/linux/data/: Debian's Module.symvers and what every vmlinux export is.

    python3 tools/gen_linux_symvers.py [--arch x86_64|i386|all] [--fetch] [--jobs N]

For each flavour at kemu's ABI (kemu.toolchain.linux_headers.ABI) it writes
  Module.symvers-<release>.xz     Debian's file from the headers package, unchanged;
  vmlinux-kinds-<release>.tsv.xz  per vmlinux export: code, data or percpu, size, section,
                                  per-CPU offset, and how many Debian modules call it or
                                  refer to it otherwise.

Inputs (none committed):
  - the header tree (tools/install_linux_headers.py) for Module.symvers;
  - the kernel's debug image, vmlinux-<release> from linux-image-<release>-dbg (about
    800 MB; --fetch downloads it with apt-get and extracts only that file and System.map
    into ~/.cache/kemu/debian/dbg), whose symbol table says which section each export is
    in and how big it is;
  - Debian's modules (tools/fetch_debian_modules.py --arch ...; --fetch runs it), whose
    relocations say how modules use each export: a call or jump (R_X86_64_PLT32, or a
    PC32 after an e8/e9/0f 8x opcode) or any other reference.
The method and its cross-checks are in docs/linux-kernel-symbols.md. A disagreement (an
export in a data section that modules call) is printed and fails the run.
"""
from __future__ import annotations

import argparse
import importlib.util
import lzma
import subprocess
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kemu.os.linux import symvers  # noqa: E402
from kemu.toolchain import linux_headers, linux_kbuild  # noqa: E402

DBG_CACHE = Path.home() / ".cache" / "kemu" / "debian" / "dbg"
SHF_EXECINSTR = 0x4
PERCPU_SECTION = ".data..percpu"
# Relocation types: (call-only types, PC-relative types that may be a call, pointer types)
RELOC_TYPES = {
    "x86_64": ({4}, {2}, {1, 11, 24}),      # PLT32; PC32; 64, 32S, PC64
    "i386": (set(), {2}, {1}),              # -; PC32; 32
}


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dbg_vmlinux(release: str) -> Path:
    return DBG_CACHE / "usr" / "lib" / "debug" / "boot" / f"vmlinux-{release}"


def fetch_dbg(arch: str) -> Path:
    """Download linux-image-<release>-dbg and extract vmlinux and System.map only."""
    release = linux_headers.header_set(arch).release
    target = dbg_vmlinux(release)
    if target.is_file():
        return target
    DBG_CACHE.mkdir(parents=True, exist_ok=True)
    package = f"linux-image-{release}-dbg"
    fetcher = _tool("fetch_debian_modules")
    apt = fetcher._apt_options(arch)
    name = package + (":i386" if arch == "i386" else "")
    subprocess.run(["apt-get", *apt, "download", name], cwd=DBG_CACHE, check=True)
    deb = sorted(DBG_CACHE.glob(f"{package}_*.deb"))[-1]
    members = [f"./usr/lib/debug/boot/System.map-{release}", f"./usr/lib/debug/boot/vmlinux-{release}"]
    unpack = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "--occurrence=1", *members], stdin=unpack.stdout, cwd=DBG_CACHE, check=True)
    unpack.stdout.close()
    unpack.wait()
    deb.unlink()
    return target


def vmlinux_symbols(path: Path, wanted: set[str]) -> dict[str, tuple[str, int | None, str, int | None]]:
    """name -> (kind, size, section, per-CPU offset) for the `wanted` names in vmlinux's symtab."""
    from elftools.elf.elffile import ELFFile

    with path.open("rb") as f:
        elf = ELFFile(f)
        sections = [(s.name, s["sh_flags"], s["sh_addr"]) for s in elf.iter_sections()]
        symtab = elf.get_section_by_name(".symtab")
        sized: dict[tuple[int, int], int] = {}
        chosen: dict[str, tuple[int, int, int, int]] = {}   # name -> (shndx, value, size, is_global)
        for sym in symtab.iter_symbols():
            shndx, value, size = sym["st_shndx"], sym["st_value"], sym["st_size"]
            if isinstance(shndx, int) and size:
                sized[(shndx, value)] = max(size, sized.get((shndx, value), 0))
            if sym.name in wanted:
                rank = 1 if sym["st_info"]["bind"] in ("STB_GLOBAL", "STB_WEAK") else 0
                if sym.name not in chosen or rank > chosen[sym.name][3]:
                    chosen[sym.name] = (shndx, value, size, rank)
    found = {}
    for name, (shndx, value, size, _) in chosen.items():
        if not isinstance(shndx, int):      # SHN_ABS
            found[name] = ("data", size or None, "*ABS*", None)
            continue
        section, flags, base = sections[shndx]
        if not size and not flags & SHF_EXECINSTR:
            # An unsized data alias (jiffies = jiffies_64 in the linker script) is as big as
            # the sized symbol at its address. Code aliases are not: a thunk at the start of
            # __x86_indirect_thunk_array is not the whole array.
            size = sized.get((shndx, value))
        size = size or None
        if section == PERCPU_SECTION:
            found[name] = ("percpu", size, section, value - base)
        elif flags & SHF_EXECINSTR:
            found[name] = ("code", size, section, None)
        else:
            found[name] = ("data", size, section, None)
    return found


def module_uses(args: tuple[str, str, frozenset[str]]) -> tuple[set[str], set[str]]:
    """(names called, names referred to otherwise) by one module, among `exported`."""
    from kemu.elf import ObjectFile

    path, arch, exported = args
    calls_only, maybe_call, _ = RELOC_TYPES[arch]
    obj = ObjectFile.load(path)
    called: set[str] = set()
    referred: set[str] = set()
    for table in obj.relocations:
        if not table.target.alloc:
            continue
        code = obj.section_view(table.target) if table.target.execinstr else None
        for offset, rtype, sym in zip(table.entries["offset"], table.entries["type"], table.entries["sym"]):
            symbol = obj.symbol(int(sym))
            if not symbol.undefined or symbol.name not in exported:
                continue
            is_call = int(rtype) in calls_only
            if not is_call and int(rtype) in maybe_call and code is not None and offset >= 1:
                at = int(offset)
                is_call = code[at - 1] in (0xE8, 0xE9) or (at >= 2 and code[at - 2] == 0x0F
                                                            and 0x80 <= code[at - 1] <= 0x8F)
            (called if is_call else referred).add(symbol.name)
    return called, referred


def survey(arch: str, exported: set[str], jobs: int) -> tuple[Counter, Counter, int]:
    """Over every Debian module of `arch`'s flavour: modules calling / referring to each export."""
    root = _tool("fetch_debian_modules").modules_root(arch)
    if root is None:
        raise SystemExit(f"gen_linux_symvers: Debian's {arch} modules are not fetched: "
                         f"python3 tools/fetch_debian_modules.py --arch {arch} (or pass --fetch)")
    paths = sorted(str(p) for p in root.rglob("*.ko"))
    called, referred = Counter(), Counter()
    frozen = frozenset(exported)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for calls, refs in pool.map(module_uses, [(p, arch, frozen) for p in paths], chunksize=32):
            called.update(calls)
            referred.update(refs)
    return called, referred, len(paths)


def generate(arch: str, jobs: int, fetch: bool) -> None:
    headers, tree = linux_kbuild.locate_headers(arch)
    release = headers.release
    text = (tree / "Module.symvers").read_text()
    table = symvers.parse_symvers(text, str(tree / "Module.symvers"))
    exported = {n for n, e in table.items() if e.in_vmlinux}
    if fetch:
        fetch_dbg(arch)
        _tool("fetch_debian_modules").fetch(arch)
    image = dbg_vmlinux(release)
    if not image.is_file():
        raise SystemExit(f"gen_linux_symvers: {image} missing: pass --fetch to download linux-image-{release}-dbg")
    found = vmlinux_symbols(image, exported)
    missing = sorted(exported - set(found))
    if missing:
        raise SystemExit(f"gen_linux_symvers: {len(missing)} exports not in {image}'s symbol table: {missing[:10]}")
    called, referred, nmodules = survey(arch, exported, jobs)
    odd = sorted(n for n in exported if found[n][0] != "code" and called[n])
    if odd:
        raise SystemExit(f"gen_linux_symvers: exports in data sections that modules call: {odd}")
    lines = [
        f"# vmlinux exports of {release} ({linux_headers.DEBIAN_VERSION}): code, data or percpu.",
        f"# kind/size/section/offset: symbol table of vmlinux-{release} from linux-image-{release}-dbg;",
        f"# called_by/referenced_by: how many of the {nmodules} modules of linux-image-{release}-unsigned",
        "# call it (call/jmp relocation) or refer to it otherwise. Generated by tools/gen_linux_symvers.py.",
        "# name\tkind\tsize\tsection\toffset\tcalled_by\treferenced_by",
    ]
    for name in sorted(exported):
        kind, size, section, offset = found[name]
        lines.append("\t".join([name, kind, "" if size is None else str(size), section,
                                "" if offset is None else f"{offset:#x}", str(called[name]), str(referred[name])]))
    symvers.DATA.mkdir(parents=True, exist_ok=True)
    (symvers.DATA / f"Module.symvers-{release}.xz").write_bytes(lzma.compress(text.encode(), preset=9))
    (symvers.DATA / f"vmlinux-kinds-{release}.tsv.xz").write_bytes(
        lzma.compress(("\n".join(lines) + "\n").encode(), preset=9))
    counts = Counter(found[n][0] for n in exported)
    used = {n for n in exported if called[n] or referred[n]}
    used_counts = Counter(found[n][0] for n in used)
    print(f"{release}: {len(table)} exports, {len(exported)} in vmlinux ({dict(counts)}); "
          f"{len(used)} used by the {nmodules} Debian modules ({dict(used_counts)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", choices=("x86_64", "i386", "all"), default="all")
    parser.add_argument("--fetch", action="store_true", help="download the -dbg image and the modules if missing")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    for arch in ("x86_64", "i386") if args.arch == "all" else (args.arch,):
        generate(arch, args.jobs, args.fetch)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
