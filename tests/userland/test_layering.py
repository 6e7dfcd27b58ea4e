"""kemu.userland sits below the personalities: importing it loads no OS, debugger or CLI."""
import subprocess
import sys


def test_userland_imports_nothing_above_it():
    code = ("import sys, kemu.userland; print(sorted(m for m in sys.modules "
            "if m.startswith(('kemu.os', 'kemu.debug', 'kemu.cli', 'kemu.testing'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "[]\n"), done.stderr
