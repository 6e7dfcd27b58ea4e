#!/usr/bin/env python3
"""Fetch Debian's Linux 6.1 modules for both flavours (a real-world corpus; never committed).

Downloads `linux-image-6.1.0-<abi>-<flavour>-unsigned` with `apt-get download` (the
ordinary Debian client) into ~/.cache/kemu/debian/ and unpacks it there with `dpkg-deb -x`.
Nothing is installed. x86_64 is flavour amd64, from the system's package lists (refreshed
with `apt-get update` when they do not know the package); i386 is flavour 686-pae, an
i386 package, fetched through the same private i386-only apt state that
tools/install_linux_headers.py uses, so the system's architectures and lists are untouched.
The ABI defaults to kemu's (kemu.toolchain.linux_headers.ABI), the one whose symbol lists
and headers kemu ships; `--abi newest` takes the highest the archive has. Prints the
directory holding each flavour's modules, and where amdgpu.ko landed.

    python3 tools/fetch_debian_modules.py                     # x86_64, kemu's ABI
    python3 tools/fetch_debian_modules.py --arch i386
    python3 tools/fetch_debian_modules.py --arch all --abi newest
    python3 tools/fetch_debian_modules.py --where             # print the cached amdgpu.ko path, or fail

Other scripts import `find_cached_module(name)` to locate a module without fetching, and
`modules_root(arch)` for an unpacked flavour's lib/modules/<release> directory.
"""
from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kemu.toolchain import linux_headers  # noqa: E402

CACHE = Path.home() / ".cache" / "kemu" / "debian"
ARCHES = tuple(linux_headers.FLAVOURS)


def _pattern(flavour: str) -> re.Pattern:
    return re.compile(rf"^linux-image-6\.1\.0-(\d+)-{re.escape(flavour)}-unsigned$")


def _apt_options(arch: str) -> list[str]:
    """Extra apt options: the private i386 apt state for i386, nothing for the host's amd64."""
    if arch == "x86_64":
        return []
    spec = importlib.util.spec_from_file_location("install_linux_headers", ROOT / "tools" / "install_linux_headers.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool._private_apt(tool.unpack_root() / ".apt-i386")


def modules_root(arch: str = "x86_64", cache: Path = CACHE) -> Path | None:
    """lib/modules/<release> of the newest unpacked package of `arch`'s flavour, or None."""
    flavour = linux_headers.FLAVOURS[arch]
    hits = sorted(cache.glob(f"linux-image-6.1.0-*-{flavour}-unsigned/lib/modules/6.1.0-*-{flavour}"),
                  key=lambda p: int(p.name.split("-")[1]))
    return hits[-1] if hits else None


def find_cached_module(name: str, cache: Path = CACHE, arch: str = "x86_64") -> Path | None:
    """Path of `<name>.ko` inside an already unpacked package of `arch`'s flavour, or None."""
    if not cache.is_dir():
        return None
    flavour = linux_headers.FLAVOURS[arch]
    roots = sorted(cache.glob(f"linux-image-6.1.0-*-{flavour}-unsigned/lib/modules/*/kernel"),
                   key=lambda p: int(p.parts[-2].split("-")[1]), reverse=True)
    for root in roots:
        hits = sorted(root.rglob(f"{name}.ko"))
        if hits:
            return hits[0]
    return None


def _run(cmd: list[str], cwd: Path | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"fetch_debian_modules: `{' '.join(cmd)}` failed:\n{proc.stderr.strip()}")
    return proc.stdout


def available_abis(arch: str) -> list[int]:
    """ABIs of `arch`'s unsigned image packages that the package index knows, ascending."""
    flavour = linux_headers.FLAVOURS[arch]
    out = _run(["apt-cache", *_apt_options(arch), "search", "--names-only",
                rf"^linux-image-6\.1\.0-[0-9]+-{flavour}-unsigned$"])
    found = []
    for line in out.splitlines():
        m = _pattern(flavour).match(line.split(" - ", 1)[0].strip())
        if m:
            found.append(int(m.group(1)))
    return sorted(found)


def fetch(arch: str = "x86_64", abi: int | str = linux_headers.ABI, cache: Path = CACHE) -> Path:
    """Download and unpack `arch`'s modules package (once); returns the unpack directory."""
    for tool in ("apt-get", "apt-cache", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise SystemExit(f"fetch_debian_modules: `{tool}` not found (this needs a Debian system)")
    flavour = linux_headers.FLAVOURS[arch]
    if abi != "newest":
        target = cache / f"linux-image-6.1.0-{abi}-{flavour}-unsigned"
        if (target / "lib" / "modules").is_dir():
            return target
    abis = available_abis(arch)
    if not abis or (abi != "newest" and int(abi) not in abis):
        print(f"fetch_debian_modules: package index lacks linux-image-6.1.0-{abi}-{flavour}-unsigned; "
              "running apt-get update", file=sys.stderr)
        _run(["apt-get", *_apt_options(arch), "update", "-q"])
        abis = available_abis(arch)
    chosen = abis[-1] if abi == "newest" and abis else abi
    if chosen == "newest" or int(chosen) not in abis:
        raise SystemExit(f"fetch_debian_modules: no linux-image-6.1.0-{abi}-{flavour}-unsigned package in "
                         "the configured Debian archive")
    package = f"linux-image-6.1.0-{chosen}-{flavour}-unsigned"
    target = cache / package
    if (target / "lib" / "modules").is_dir():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    for old in cache.glob(f"{package}_*.deb"):
        old.unlink()
    apt_name = package + (":i386" if arch == "i386" else "")
    _run(["apt-get", *_apt_options(arch), "download", apt_name], cwd=cache)
    debs = sorted(cache.glob(f"{package}_*.deb"))
    if not debs:
        raise SystemExit(f"fetch_debian_modules: apt-get download left no {package}_*.deb in {cache}")
    partial = cache / (package + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    _run(["dpkg-deb", "-x", str(debs[-1]), str(partial)])
    partial.rename(target)
    debs[-1].unlink()
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--where", action="store_true",
                        help="only print the cached amdgpu.ko path (exit 1 if not fetched)")
    parser.add_argument("--arch", choices=(*ARCHES, "all"), default="x86_64",
                        help="x86_64 (flavour amd64, default), i386 (686-pae) or all")
    parser.add_argument("--abi", default=str(linux_headers.ABI),
                        help=f"Debian kernel ABI N of 6.1.0-N (default {linux_headers.ABI}, kemu's) or 'newest'")
    args = parser.parse_args(argv)
    if args.abi != "newest" and not args.abi.isdigit():
        parser.error(f"--abi {args.abi!r}: expected a number or 'newest'")
    if args.where:
        path = find_cached_module("amdgpu")
        if path is None:
            print("amdgpu.ko is not cached; run tools/fetch_debian_modules.py", file=sys.stderr)
            return 1
        print(path)
        return 0
    for arch in ARCHES if args.arch == "all" else (args.arch,):
        root = fetch(arch, args.abi if args.abi == "newest" else int(args.abi))
        count = sum(1 for _ in root.rglob("*.ko"))
        print(f"{arch}: {root}: {count} modules")
    amdgpu = find_cached_module("amdgpu")
    print(f"amdgpu.ko: {amdgpu}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
