"""Host-side toolchain: compiling guest C into kernel-module objects.

This package runs compilers on the host; it never imports the emulator
(kemu.machine, unicorn), so `kemu cc` and the fixture builder work on a
machine where only a compiler is installed.
"""
