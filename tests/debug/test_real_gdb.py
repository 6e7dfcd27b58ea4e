"""Real gdb attaches to kemu's stub: breakpoint by symbol, continue, registers, memory, stepi, detach."""
import os
import re
import shutil
import subprocess
import sys

import pytest

from debug_helpers import ARCHES, fibo_path

pytestmark = [pytest.mark.needs_tool,
              pytest.mark.skipif(shutil.which("gdb") is None, reason="gdb not installed")]

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def start_kemu(module: str, tmp_path, script: str):
    commands = tmp_path / "after-load.cmds"
    commands.write_text(script)
    proc = subprocess.Popen([sys.executable, "-m", "kemu", "debug", "--gdb", "127.0.0.1:0", module, "-e", "fibo_lkmentry",
                             "--batch", str(commands)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if "waiting for gdb" in line:
            break
    text = "".join(seen)
    port = re.search(r"target remote 127\.0\.0\.1:(\d+)", text)
    asf = re.search(r"kemu: in gdb: (add-symbol-file .*)", text)
    assert port and asf, text
    start_kemu.directories = re.findall(r"kemu: in gdb: (directory .*)", text)
    return proc, int(port.group(1)), asf.group(1)


def run_gdb(port: int, commands: list[str], cwd: str = ROOT) -> str:
    argv = ["gdb", "-batch", "-nx", "-ex", "set confirm off", "-ex", "set pagination off",
            "-ex", f"target remote 127.0.0.1:{port}"]
    for c in commands:
        argv += ["-ex", c]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=cwd).stdout


@pytest.mark.parametrize("arch", ARCHES)
def test_gdb_breaks_in_fibo_read_during_od_reads_registers_memory_steps_and_detaches(arch, tmp_path):
    module = fibo_path(arch, "gcc", debug=True)
    proc, port, asf = start_kemu(module, tmp_path, "mknod /dev/fibo0 c 29 0\nod -A d -t u4 -N 8 /dev/fibo0\n")
    try:
        pc = "$eip" if arch == "i386" else "$rip"
        out = run_gdb(port, [asf, "break fibo_read", "continue", "info registers " + pc[1:],
                             "p dev", "p/x *uio", "x/3dw &fibo_scs", "stepi", "p $pc", "next",
                             "p fibosc->sc_current", "detach"])
        rest, _ = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert re.search(r"Breakpoint 1 at 0x[0-9a-f]+: file .*fibo\.c, line 150\.", out)
    assert re.search(r"Breakpoint 1, fibo_read \(dev=7424, uio=0x[0-9a-f]+, flag=0\) at .*fibo\.c:150", out)
    assert re.search(rf"{pc[1:]}\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <fibo_read\+\d+>", out)
    assert "$1 = 7424" in out                                      # makedev(29, 0)
    assert re.search(r"0x[0-9a-f]+ <fibo_scs>:\s+1\s+1\s+0", out)   # opened: refcnt 1, current 1
    assert re.search(r"\$3 = \(void \(\*\)\(\)\) 0x[0-9a-f]+ <fibo_read\+\d+>", out)
    assert "$4 = 1" in out                                         # the first number to hand out
    assert "[Inferior 1 (Remote target) detached]" in out
    # kemu carried on without the debugger: od got its numbers
    assert re.search(r"0000000\s+1\s+1\n0000008", rest), rest


def test_gdb_without_debug_info_uses_symbols_and_reads_the_entry_arguments(tmp_path):
    module = fibo_path("x86_64", "clang")
    proc, port, asf = start_kemu(module, tmp_path, "")
    try:
        out = run_gdb(port, [asf, "p $pc", "p/x $rsi", "x/2i $pc", "info symbol $pc", "kill"])
        proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert re.search(r"\$1 = \(void \(\*\)\(\)\) 0xffffffff[0-9a-f]+ <fibo_lkmentry>", out)
    assert "$2 = 0x1" in out                         # cmd = LKM_E_LOAD
    assert "fibo_lkmentry in section .text" in out
    assert proc.returncode is not None


def test_gdb_hardware_watchpoint_stops_in_fibo_open(tmp_path):
    module = fibo_path("i386", "gcc", debug=True)
    proc, port, asf = start_kemu(module, tmp_path, "mknod /dev/fibo0 c 29 0\nod -A d -t u4 -N 4 /dev/fibo0\n")
    try:
        out = run_gdb(port, [asf, "watch fibo_refcnt", "continue", "bt 1", "delete", "detach"])
        rest, _ = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert "Hardware watchpoint 1: fibo_refcnt" in out               # gdb got Z2 accepted
    assert "Old value = 0\nNew value = 1" in out
    assert re.search(r"#0  fibo_open \(dev=7424, flag=1, .*\) at .*fibo\.c:\d+", out)
    assert re.search(r"0000000\s+1\n", rest)



@pytest.mark.parametrize("arch, compiler", [("i386", "clang"), ("x86_64", "gcc")])
def test_kemus_own_view_of_arguments_and_locals_matches_real_gdbs(arch, compiler, tmp_path):
    """The same stops in kemu's view and in real gdb through the stub print the same text."""
    from debug_helpers import after, run_session
    in_handler = ["bt 2", "info args", "p cmd", "up", "info args"]
    in_read = ["next", "info locals", "p fibosc", "p *fibosc", "p *uio", "p fibosc->sc_current"]
    od = "od -A d -t u4 -N 8 /dev/fibo0"
    proc, port, asf = start_kemu(fibo_path(arch, compiler, debug=True), tmp_path, f"mknod /dev/fibo0 c 29 0\n{od}\n")
    try:
        theirs = run_gdb(port, [asf, "break fibo_handle", "continue", *in_handler, "delete",
                                "break fibo_read", "continue", *in_read, "detach"])
        proc.communicate(timeout=120)
    finally:
        proc.kill()
    theirs = re.sub(r"at \S*/fibo\.c:", "at fibo.c:", theirs)       # gdb shows the recorded path
    ours = run_session(arch, ["break fibo_handle", "continue", *in_handler, "delete", "continue",
                              "mknod /dev/fibo0 c 29 0", "break fibo_read", od, *in_read, "delete", "continue"],
                       compiler=compiler, debug=True)
    shown = [after(ours, "bt 2").splitlines()[:2], after(ours, "info args", 0).splitlines(),
             after(ours, "p cmd").splitlines(), after(ours, "info args", 1).splitlines()]
    shown += [after(ours, c).splitlines() for c in in_read]
    for lines in shown:
        assert lines and "\n".join(lines) in theirs, f"{lines}\n--- gdb ---\n{theirs}"


@pytest.mark.parametrize("arch", ARCHES)
def test_gdb_finds_the_sources_with_the_printed_directory_lines(arch, tmp_path):
    """The object records its source relative to the build directory; gdb run anywhere else
    finds it only through the `directory` lines kemu prints."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shown = {}
    for with_directories in (False, True):
        proc, port, asf = start_kemu(fibo_path(arch, "gcc", debug=True), tmp_path, "")
        directories = start_kemu.directories
        try:
            lines = [asf, *(directories if with_directories else []), "list fibo_read", "detach"]
            shown[with_directories] = run_gdb(port, lines, cwd=str(elsewhere))
            proc.communicate(timeout=120)
        finally:
            proc.kill()
        assert directories and all(os.path.isabs(d.split(" ", 1)[1]) for d in directories)
    listing = re.compile(r"^\d+\s+fibo_read\(dev_t dev, struct uio \*uio, int flag\)$", re.M)
    assert not listing.search(shown[False])                 # the premise: not found from elsewhere
    assert listing.search(shown[True]), shown[True]
