"""The kld events kern_linker.c raises through eventhandler(9), and kemu's report of the
handlers an unloaded kld left behind.

FreeBSD 14 linker_load_file() runs kld_load(lf) once a file is linked, its modules
registered and its SYSINITs run; linker_file_unload() first runs kld_unload_try(lf, &error)
— any handler setting the error makes the unload fail with EBUSY before a module hears of
it — and, once the file is gone, kld_unload(filename, address, size).
"""
from __future__ import annotations


def loaded(system, lf) -> None:
    """kld_load: a file was linked and its modules loaded."""
    system.eventhandlers.invoke("kld_load", system.linker_files.of(lf))


def unload_vetoed(system, lf) -> bool:
    """kld_unload_try: True if a handler refused the unload (set *error). Asked only of a
    fully linked file: a load that fails part way is taken down regardless."""
    if not lf.linked or not system.eventhandlers.find("kld_unload_try"):
        return False
    heap, mem = system.kernel.heap, system.machine.mem
    error = heap.alloc(4, "linker", zero=True)
    try:
        system.eventhandlers.invoke("kld_unload_try", system.linker_files.of(lf), error)
        return int.from_bytes(mem.read(error, 4), "little") != 0
    finally:
        heap.free(error)


def unloaded(system, lf) -> None:
    """kld_unload(filename, address, size), then the file's record is freed."""
    structs = system.linker_files
    system.eventhandlers.invoke("kld_unload", structs.filename(lf), lf.address, lf.size)
    structs.release(lf)


def report_stale_handlers(system, lf) -> None:
    """A kld going away with callouts pending or handlers still registered: they stay on their lists, as on
    FreeBSD; say which (console and the module's left_behind, as kemu reports other state a
    module failed to give back)."""
    callouts = system.callouts.owned_by(lf.loaded)
    if callouts:
        system.kprintf(f"kemu: {lf.name} left {len(callouts)} callout(s) pending after unload; "
                       f"firing them will fault\n")
        lf.loaded.left_behind.extend("callout" for _ in callouts)
    left = system.eventhandlers.owned_by(lf.loaded)
    if not left:
        return
    names = sorted({name for name, _ in left})
    system.kprintf(f"kemu: {lf.name} left {len(left)} event handler(s) registered after unload: "
                   f"{', '.join(names)}; running them will fault\n")
    lf.loaded.left_behind.extend(f"eventhandler {name}" for name, _ in left)
