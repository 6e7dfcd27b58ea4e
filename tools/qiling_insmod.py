#!/usr/bin/env python3
"""Run a Linux .ko's init under Qiling and time it; tools/bench_linux.py starts this with the
python of Qiling's own venv (Qiling pins its own Unicorn, so it cannot share kemu's).

    /tmp/qlvenv/bin/python tools/qiling_insmod.py MODULE.ko ROOTFS RUNS

Qiling loads an ET_REL module itself (qiling/loader/elf.py load_driver: sections at
0x8000000, its own relocation, every undefined symbol a hook address) and runs init_module
with ql.run(). Its kernel API table predates 5.15, so two entry points every 6.1 module
uses are registered with ql.os.set_api, both Qiling's own behaviour: `_printk` (printk's
name since 5.15) is Qiling's hook_printk, and `__x86_return_thunk` (6.1's `jmp` out of every
function) returns to the caller, or ends the run when init returns to nobody (Qiling starts
init on an empty stack). Prints one line `QILING {json}`: import_ms, then per run the
construction (setup_ms) and run (run_ms) times, and how many printk calls Qiling made; on
any failure `QILING {"error": "..."}` with what failed.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
import traceback


def main() -> int:
    ko, rootfs, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    t0 = time.perf_counter()
    try:
        from qiling import Qiling
        from qiling.const import QL_VERBOSE
        from qiling.os.linux.kernel_api.kernel_api import hook_printk
    except Exception as exc:                       # noqa: BLE001 - reported, not raised
        print("QILING " + json.dumps({"error": f"import qiling failed: {exc!r}"}))
        return 1
    import_ms = (time.perf_counter() - t0) * 1000
    printed: list[int] = []

    def printk(ql, address, api_name):
        hook_printk(ql, address, api_name)
        printed.append(address)

    def return_thunk(ql, address, api_name):
        sp = ql.arch.regs.arch_sp
        if ql.mem.is_mapped(sp, ql.arch.pointersize):
            ql.arch.regs.arch_pc = ql.stack_pop()
        else:
            ql.emu_stop()                          # init returned to the (absent) caller

    setups, totals = [], []
    ql = None
    try:
        for _ in range(runs):
            a = time.perf_counter()
            ql = Qiling([ko], rootfs, verbose=QL_VERBOSE.DISABLED)
            ql.os.set_api("_printk", printk)
            ql.os.set_api("__x86_return_thunk", return_thunk)
            b = time.perf_counter()
            ql.run()
            c = time.perf_counter()
            setups.append((b - a) * 1000)
            totals.append((c - a) * 1000)
    except BaseException as exc:                   # noqa: BLE001 - reported, not raised
        where = traceback.extract_tb(exc.__traceback__)
        deepest = where[-1] if where else None
        cause = exc.__context__
        text = f"{type(exc).__name__}: {exc}"
        if cause is not None:
            text += f" (after {type(cause).__name__}: {cause})"
        if deepest is not None:
            text += f" in {deepest.name} ({deepest.filename.rsplit('/', 1)[-1]}:{deepest.lineno})"
        api = None
        if ql is not None:                         # the kernel API whose hook address pc is at
            try:
                api = ql.loader.import_symbols.get(ql.arch.regs.arch_pc)
            except Exception:                      # noqa: BLE001 - best effort
                api = None
        print("QILING " + json.dumps({"error": text, "in_api": api, "printk_calls": len(printed)}))
        return 1
    print("QILING " + json.dumps({
        "import_ms": import_ms,
        "setup_ms": statistics.median(setups),
        "total_ms": statistics.median(totals),
        "printk_calls": len(printed),
        "runs": runs,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
