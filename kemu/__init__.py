"""kemu — a machine emulator for kernel modules.

Layers (imports only point down): elf → link → machine → kernel → os.<system> → debug → cli/testing.
See docs/interfaces.md for the contracts between them.
"""

__version__ = "0.1.0"


def boot(system: str, arch: str = "i386", **options):
    """Boot an emulated system, e.g. `kemu.boot("netbsd-lkm", "x86_64")` (see kemu.os).

    Imported lazily: `import kemu` does not load Unicorn or any personality.
    """
    from kemu.os import boot as _boot
    return _boot(system, arch, **options)
