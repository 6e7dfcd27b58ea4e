"""kemu — a machine emulator for kernel modules.

Layers (imports only point down): elf → link → machine → kernel → os.<system> → debug → cli/testing.
See docs/interfaces.md for the contracts between them.
"""

__version__ = "0.1.0"
