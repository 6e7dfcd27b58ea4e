"""Which Debian Linux kernel kemu builds modules for, and where its headers live.

One place names the kernel ABI (the N of Debian's `6.1.0-N-<flavour>` packages) that the
`kemu cc --target linux` builds, the committed fixtures, the symbol lists and the measured
struct layouts all come from. Both flavours must exist in the archive at that N: amd64
(x86-64) and 686-pae (i386).

x86-64 headers are an ordinary package installed with apt-get into /usr/src. The i386
headers cannot be installed on an amd64 host (they are an i386 package), so
tools/install_linux_headers.py downloads the .deb with apt and unpacks it with dpkg-deb
under a kemu directory; the unpacked tree then uses the host's own linux-kbuild-6.1 and
the architecture-independent `-common` headers, exactly as the amd64 tree does.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# Debian bookworm's kernel ABI used everywhere in kemu's Linux support. Chosen because both
# linux-headers-6.1.0-57-amd64 and linux-headers-6.1.0-57-686-pae:i386 are in the archive
# (bookworm-security, 6.1.192-3) at the time it was picked; change it here only, then rerun
# tools/install_linux_headers.py, tools/build_linux_fixtures.py, tools/gen_linux_symvers.py
# and tools/gen_linux_layouts.py.
ABI = 57
UPSTREAM_VERSION = "6.1.192"
DEBIAN_VERSION = "6.1.192-3"

# kemu arch -> Debian kernel flavour.
FLAVOURS: dict[str, str] = {"x86_64": "amd64", "i386": "686-pae"}

# Where unpacked (not installed) header trees are looked for, first match wins:
# $KEMU_LINUX_HEADERS, then the system-wide and per-user places install_linux_headers.py uses.
ENV_VAR = "KEMU_LINUX_HEADERS"
SYSTEM_UNPACK_ROOT = Path("/opt/kemu/linux-headers")
USER_UNPACK_ROOT = Path.home() / ".cache" / "kemu" / "linux-headers"
KBUILD_DIR = Path("/usr/lib/linux-kbuild-6.1")


@dataclass(frozen=True)
class HeaderSet:
    """The Debian header packages of one flavour at kemu's ABI."""

    arch: str
    flavour: str
    release: str          # "6.1.0-57-amd64": the kernel's `uname -r`
    package: str          # the flavour's headers package
    common_package: str   # the shared, architecture-independent headers

    @property
    def apt_name(self) -> str:
        """The name to give apt: i386 packages need their architecture qualifier on amd64."""
        return self.package + (":i386" if self.arch == "i386" else "")

    @property
    def common_dir(self) -> Path:
        return Path("/usr/src") / self.common_package

    def install_hint(self) -> str:
        """The command that puts this header set where kemu looks for it."""
        if self.arch == "x86_64":
            return f"apt-get install {self.package} (or run tools/install-test-deps as root)"
        return (f"python3 tools/install_linux_headers.py (it runs `apt-get download {self.apt_name}` "
                f"and unpacks it with dpkg-deb under {SYSTEM_UNPACK_ROOT} or {USER_UNPACK_ROOT}; "
                f"tools/install-test-deps does this) after `apt-get install {self.common_package} "
                f"linux-kbuild-6.1`")

    def candidates(self) -> list[Path]:
        """Every directory this header set may be in, in the order they are tried."""
        name = f"linux-headers-{self.release}"
        found = []
        env = os.environ.get(ENV_VAR)
        if env:
            found.append(Path(env) / self.release / "usr" / "src" / name)
        for root in (SYSTEM_UNPACK_ROOT, USER_UNPACK_ROOT):
            found.append(root / self.release / "usr" / "src" / name)
        found.append(Path("/usr/src") / name)
        return found

    def find(self) -> Path | None:
        """The header tree (the directory `make -C` is given), or None when absent."""
        for path in self.candidates():
            if (path / "Makefile").is_file() and (path / ".config").is_file():
                return path
        return None


def header_set(arch: str, abi: int = ABI) -> HeaderSet:
    """The header packages for kemu arch `arch` ("x86_64" or "i386")."""
    try:
        flavour = FLAVOURS[arch]
    except KeyError:
        raise ValueError(f"no Linux flavour for arch {arch!r}: expected one of {', '.join(FLAVOURS)}") from None
    release = f"6.1.0-{abi}-{flavour}"
    return HeaderSet(
        arch=arch,
        flavour=flavour,
        release=release,
        package=f"linux-headers-{release}",
        common_package=f"linux-headers-6.1.0-{abi}-common",
    )
