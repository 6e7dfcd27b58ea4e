#!/usr/bin/env python3
"""Put Debian's Linux 6.1 headers for both kemu arches where `kemu cc --target linux` finds them.

    python3 tools/install_linux_headers.py          # install what is missing (idempotent)
    python3 tools/install_linux_headers.py --check  # only say what is present; exit 1 if not all

x86-64: `apt-get install linux-headers-6.1.0-N-amd64` (which brings -common, linux-kbuild-6.1
and gcc-12). Needs root; otherwise the command to run is printed.

i386: the 686-pae headers are an i386 package and cannot be installed on an amd64 host. The
.deb is fetched with `apt-get download` through a private apt state (its own package lists
with i386 as the only architecture, under the unpack root), so the system's dpkg
architectures and package lists are left as they are; `dpkg-deb -x` unpacks it and the
tree's scripts/ and tools/ links are pointed at the host's /usr/lib/linux-kbuild-6.1. The
root is /opt/kemu/linux-headers when writable, else ~/.cache/kemu/linux-headers.

N is kemu.toolchain.linux_headers.ABI. Fast when everything is present (no network).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kemu.toolchain import linux_headers as lh  # noqa: E402

APT_LOCK_WAIT = ["-o", "DPkg::Lock::Timeout=300"]


def _run(argv: list[str], cwd: Path | None = None) -> None:
    print("+ " + " ".join(argv), file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"install_linux_headers: `{' '.join(argv)}` failed (status {done.returncode}):\n"
                         f"{done.stderr.strip()}")


def _is_root() -> bool:
    return os.geteuid() == 0


def ensure_amd64(check: bool) -> bool:
    """Install the x86-64 header set (with -common and linux-kbuild-6.1); True when present."""
    headers = lh.header_set("x86_64")
    if headers.find() is not None and (lh.KBUILD_DIR / "scripts").is_dir():
        return True
    if check:
        return False
    if not _is_root():
        print(f"install_linux_headers: as root, run: apt-get install {headers.package}", file=sys.stderr)
        return False
    try:
        _run(["apt-get", "install", "-y", "-q", *APT_LOCK_WAIT, headers.package])
    except SystemExit:
        _run(["apt-get", "update", "-q", *APT_LOCK_WAIT])
        _run(["apt-get", "install", "-y", "-q", *APT_LOCK_WAIT, headers.package])
    return headers.find() is not None


def unpack_root() -> Path:
    """Where unpacked header trees go: the system-wide kemu directory if writable, else per user."""
    root = lh.SYSTEM_UNPACK_ROOT
    try:
        root.mkdir(parents=True, exist_ok=True)
        if os.access(root, os.W_OK):
            return root
    except OSError:
        pass
    lh.USER_UNPACK_ROOT.mkdir(parents=True, exist_ok=True)
    return lh.USER_UNPACK_ROOT


def _private_apt(state: Path) -> list[str]:
    """apt options for an i386-only apt state of our own (lists and cache under `state`)."""
    for sub in ("lists/partial", "cache/archives/partial"):
        (state / sub).mkdir(parents=True, exist_ok=True)
    return ["-q", "-o", f"Dir::State::Lists={state}/lists", "-o", f"Dir::Cache={state}/cache",
            "-o", "APT::Architecture=i386", "-o", "APT::Architectures::=i386",
            "-o", "APT::Sandbox::User=root" if _is_root() else "Debug::NoLocking=1"]


def ensure_i386(check: bool) -> bool:
    """Download and unpack the 686-pae header set; True when present."""
    headers = lh.header_set("i386")
    if headers.find() is not None:
        return True
    if check:
        return False
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise SystemExit(f"install_linux_headers: `{tool}` not found (this needs a Debian system)")
    root = unpack_root()
    state = root / ".apt-i386"
    apt = _private_apt(state)
    download = state / "download"
    shutil.rmtree(download, ignore_errors=True)
    download.mkdir()
    try:
        _run(["apt-get", *apt, "download", headers.apt_name], cwd=download)
    except SystemExit:
        _run(["apt-get", *apt, "update"])
        _run(["apt-get", *apt, "download", headers.apt_name], cwd=download)
    debs = sorted(download.glob(f"{headers.package}_*_i386.deb"))
    if not debs:
        raise SystemExit(f"install_linux_headers: apt-get download left no {headers.package} .deb in {download}")
    target = root / headers.release
    partial = root / (headers.release + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    _run(["dpkg-deb", "-x", str(debs[-1]), str(partial)])
    tree = partial / "usr" / "src" / headers.package
    for link in ("scripts", "tools"):
        (tree / link).unlink(missing_ok=True)
        (tree / link).symlink_to(lh.KBUILD_DIR / link)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    shutil.rmtree(download, ignore_errors=True)
    return headers.find() is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report only; install nothing")
    args = parser.parse_args(argv)
    ok = True
    for arch, ensure in (("x86_64", ensure_amd64), ("i386", ensure_i386)):
        present = ensure(args.check)
        headers = lh.header_set(arch)
        where = headers.find()
        print(f"{arch}: {headers.release}: {where if where else 'missing'}")
        ok &= present
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
