"""A module calling `printf("%*d\\n", 0x7ffffff0, 1)` (hugewidth.o) loads in bounded time and
memory: the width is clamped, the output cut, the console says so, and the module runs on."""
from __future__ import annotations

import resource
import time

from kemu.kernel.printf import FIELD_WIDTH_MAX, OUTPUT_LIMIT

from .conftest import run


def test_a_huge_printf_width_is_clamped_with_a_note_and_the_module_runs_on(system, modules):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = run(system, "modload", modules.hugewidth)
    elapsed = time.perf_counter() - start
    assert result.status == 0, result
    assert elapsed < 2.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss < 64 * 1024   # KiB
    log = system.dmesg()
    assert f"kemu: printf: field width {0x7ffffff0} too big, clamped to {FIELD_WIDTH_MAX}\n" in log
    assert f"kemu: printf: output truncated to {OUTPUT_LIMIT} bytes\n" in log
    assert log.endswith("hugewidth: still running\n")
    system.modunload(name="hugewidth")
