#!/usr/bin/env python3
"""Fetch Debian's Linux 6.1 amd64 modules (a real-world corpus for the linker and its benchmark).

Downloads the newest `linux-image-6.1.0-<abi>-amd64-unsigned` package with `apt-get download`
(the ordinary Debian client; `apt-get update` first when the package index does not know it)
into ~/.cache/kemu/debian/ and unpacks it there with `dpkg-deb -x`. Nothing is installed.
Prints the directory holding the modules and where amdgpu.ko landed.

    python3 tools/fetch_debian_modules.py            # fetch (or reuse) and print paths
    python3 tools/fetch_debian_modules.py --where    # print the cached amdgpu.ko path, or fail

Other scripts import `find_cached_module(name)` to locate a module without fetching.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

CACHE = Path.home() / ".cache" / "kemu" / "debian"
PACKAGE_PATTERN = re.compile(r"^linux-image-6\.1\.0-(\d+)-amd64-unsigned$")


def find_cached_module(name: str, cache: Path = CACHE) -> Path | None:
    """Path of `<name>.ko` inside an already unpacked package, or None."""
    if not cache.is_dir():
        return None
    for root in sorted(cache.glob("linux-image-*/lib/modules/*/kernel"), reverse=True):
        hits = sorted(root.rglob(f"{name}.ko"))
        if hits:
            return hits[0]
    return None


def _run(cmd: list[str], cwd: Path | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"fetch_debian_modules: `{' '.join(cmd)}` failed:\n{proc.stderr.strip()}")
    return proc.stdout


def newest_package() -> str | None:
    """The highest-ABI plain amd64 unsigned image the package index knows, or None."""
    out = _run(["apt-cache", "search", "--names-only", r"^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$"])
    found = []
    for line in out.splitlines():
        name = line.split(" - ", 1)[0].strip()
        m = PACKAGE_PATTERN.match(name)
        if m:
            found.append((int(m.group(1)), name))
    return max(found)[1] if found else None


def fetch(cache: Path = CACHE) -> Path:
    """Download and unpack the package (once); returns the unpack directory."""
    for tool in ("apt-get", "apt-cache", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise SystemExit(f"fetch_debian_modules: `{tool}` not found (this needs a Debian system)")
    package = newest_package()
    if package is None:
        print("fetch_debian_modules: package index lacks linux-image-6.1.0-*-amd64-unsigned; "
              "running apt-get update", file=sys.stderr)
        _run(["apt-get", "update", "-qq"])
        package = newest_package()
    if package is None:
        raise SystemExit("fetch_debian_modules: no linux-image-6.1.0-*-amd64-unsigned package in "
                         "the configured Debian archive")
    target = cache / package
    if (target / "lib" / "modules").is_dir():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    for old in cache.glob(f"{package}_*.deb"):
        old.unlink()
    _run(["apt-get", "download", "-q", package], cwd=cache)
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
    args = parser.parse_args(argv)
    if args.where:
        path = find_cached_module("amdgpu")
        if path is None:
            print("amdgpu.ko is not cached; run tools/fetch_debian_modules.py", file=sys.stderr)
            return 1
        print(path)
        return 0
    root = fetch()
    count = sum(1 for _ in root.rglob("*.ko"))
    print(f"{root}: {count} modules")
    amdgpu = find_cached_module("amdgpu")
    print(f"amdgpu.ko: {amdgpu}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
