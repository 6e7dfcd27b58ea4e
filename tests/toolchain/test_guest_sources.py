"""Guest sources that are not compiled objects: printfmt's expected output, fibo's scripts."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from .conftest import GUEST

PRINTFMT_C = GUEST / "tests" / "printfmt.c"
PRINTFMT_EXPECTED = GUEST / "tests" / "printfmt.expected"
POSTINSTALL = GUEST / "fibo" / "fibo_postinstall.sh"


def printfmt_formats() -> list[str]:
    body = PRINTFMT_C.read_text().split("printfmt_load(struct lkm_table *lkmtp, int cmd)", 1)[1]
    body = body.split("return (0);", 1)[0]
    return re.findall(r'printf\("((?:[^"\\]|\\.)*)"', body)


def test_printfmt_expected_has_one_line_per_printf_call_in_order():
    formats = printfmt_formats()
    lines = PRINTFMT_EXPECTED.read_text().split("\n")
    assert lines[-1] == "", "the expected output ends with a newline"
    lines = lines[:-1]
    assert len(lines) == len(formats) >= 20
    for fmt, line in zip(formats, lines):
        assert fmt.endswith("\\n"), fmt
        assert line.split(" ", 1)[0] == fmt.split(" ", 1)[0], (fmt, line)


def test_printfmt_covers_every_BSD_kernel_conversion_size_and_flag():
    text = " ".join(printfmt_formats())
    for piece in ("%d", "%i", "%u", "%o", "%x", "%X", "%c", "%s", "%p", "%b", "%ld", "%lld",
                  "%qd", "%zu", "%hd", "%-5d", "%05d", "%.3d", "%*d", "%.*d", "%#x", "%+d", "% d", "%%"):
        assert piece in text, piece


def test_printfmt_expected_is_plain_ascii():
    data = PRINTFMT_EXPECTED.read_bytes()
    assert all(32 <= b < 127 or b == 10 for b in data)


@pytest.fixture
def stub_path(tmp_path):
    """A PATH whose rm/mknod/chmod only log their arguments, so the script touches no /dev."""
    if shutil.which("sh") is None:
        pytest.skip("no /bin/sh")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for tool in ("rm", "mknod", "chmod"):
        stub = bin_dir / tool
        stub.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{log}"\n')
        stub.chmod(0o755)
    return bin_dir, log


def run_postinstall(stub, *args):
    bin_dir, _ = stub
    return subprocess.run(["sh", str(POSTINSTALL), *args], capture_output=True, text=True,
                          env=dict(os.environ, PATH=f"{bin_dir}:/usr/bin:/bin"))


def test_postinstall_creates_eight_fibo_nodes_on_the_given_major(stub_path):
    done = run_postinstall(stub_path, "0", "0x2", "29")
    assert done.returncode == 0, done.stderr
    expected = []
    for i in range(8):
        expected += [f"rm -f /dev/fibo{i}", f"mknod /dev/fibo{i} c 29 {i}", f"chmod 666 /dev/fibo{i}"]
    assert stub_path[1].read_text().splitlines() == expected


@pytest.mark.parametrize("args", [(), ("0", "0x2"), ("0", "0x2", "29", "extra")])
def test_postinstall_refuses_anything_but_three_arguments(stub_path, args):
    done = run_postinstall(stub_path, *args)
    assert done.returncode == 1
    assert "should only be called from modload(8) with 3 args" in done.stdout
    assert not stub_path[1].exists()
