"""WARN and BUG through __bug_table (kemu/os/linux/bugs.py), both arches, on guest/linux/bugs."""
from __future__ import annotations

import re

import pytest

import kemu
from kemu.os.linux.insmod import InsmodError

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def messages(linux):
    return [line.split("] ", 1)[1] for line in linux.dmesg().splitlines() if "] " in line]


def source_line(text: str) -> int:
    """The line of guest/linux/bugs/bugs.c holding `text`."""
    src = (ko("x86_64", "bugs").parents[3] / "guest/linux/bugs/bugs.c").read_text().splitlines()
    return next(i for i, line in enumerate(src, 1) if text in line)


def test_warn_on_prints_the_warning_with_file_and_line_and_init_goes_on(linux):
    linux.insmod(str(ko(linux.arch, "bugs")), ["warn=2"])
    lines = messages(linux)
    at = lines.index("------------[ cut here ]------------")
    warning = lines[at + 1]
    assert re.fullmatch(rf"WARNING: CPU: 0 PID: \d+ at bugs\.c:{source_line('WARN_ON(value')} "
                        r"bugs_check\+0x[0-9a-f]+/0x[0-9a-f]+ \[bugs\]", warning), warning
    assert lines[at + 2] == "Modules linked in: bugs(OE+)"
    assert lines[at + 3].startswith("CPU: 0 PID: ")
    assert "---[ end trace 0000000000000000 ]---" in lines[at:]
    # WARN_ON's value was true: bugs_check returned -1 after the ud2, and init finished
    assert "bugs: went on after the warnings (check gave -1)" in lines
    assert "bugs: no BUG" in lines
    assert "W" in linux.taints
    assert linux.find_module("bugs").state.value == "live"


def test_warn_once_reports_only_the_first_time_with_its_message(linux):
    linux.insmod(str(ko(linux.arch, "bugs")), ["repeat=3"])
    lines = messages(linux)
    assert lines.count("bugs: warning once of 3") == 1
    at = lines.index("bugs: warning once of 3")
    assert lines[at - 1] == "------------[ cut here ]------------"
    assert lines[at + 1].startswith(f"WARNING: CPU: 0 PID: ")
    assert f" at bugs.c:{source_line('WARN_ONCE(1')} init_module+0x" in lines[at + 1]
    assert sum(1 for line in lines if line.startswith("WARNING:")) == 1
    assert "bugs: went on after the warnings (check gave 0)" in lines


def test_no_warning_leaves_the_kernel_untainted_by_w(linux):
    linux.insmod(str(ko(linux.arch, "bugs")))
    assert not any(line.startswith("WARNING:") for line in messages(linux))
    assert "W" not in linux.taints


def test_bug_on_is_an_oops_that_fails_the_load(linux):
    with pytest.raises(InsmodError) as exc:
        linux.insmod(str(ko(linux.arch, "bugs")), ["bug=1"])
    assert exc.value.name == "EFAULT"
    lines = messages(linux)
    assert f"kernel BUG at bugs.c:{source_line('BUG_ON(bug)')}!" in lines
    assert "bugs: no BUG" not in lines
    assert "kemu oops: invalid opcode (#UD)" in linux.dmesg()
    assert linux.find_module("bugs") is None
    linux.insmod(str(ko(linux.arch, "bugs")))          # the machine carries on
    assert messages(linux)[-1] == "bugs: no BUG"


def test_ud2_outside_any_bug_table_stays_an_invalid_opcode(linux):
    from kemu.kernel import GuestCrash
    m = linux.insmod(str(ko(linux.arch, "hello")))
    text = next(p for p in m.image.placements if p.name == ".exit.text")
    linux.machine.mem.load_code(text.addr, b"\x0f\x0b")
    with pytest.raises(GuestCrash):
        linux.call_kernel_pointer(text.addr, what="hello: stray ud2")
    assert "kernel BUG" not in linux.dmesg() and "WARNING:" not in linux.dmesg()
