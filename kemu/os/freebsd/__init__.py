"""kemu.os.freebsd — a FreeBSD 14.3 kernel as a kld sees it (`kemu.boot("freebsd", arch)`).

The kld linker of kern_linker.c (files, references, dependencies, linker sets, SYSINITs), the
module list of kern_module.c, devfs nodes made by make_dev(9) and reached through the module's
cdevsw, sysctl, and the user tools (kldload, kldunload, kldstat, sysctl) on kemu.userland.
docs/freebsd.md says what each piece reproduces and from which source.
"""
