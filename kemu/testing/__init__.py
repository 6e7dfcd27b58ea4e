"""kemu.testing — the pytest plugin for testing your own kernel modules (see plugin.py).

Registered through the `pytest11` entry point as `kemu`; its fixtures are `kemu_system`,
`kemu_load` and `kemu_open`.
"""
