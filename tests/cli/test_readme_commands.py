"""Every `kemu shell`, `kemu demo`, `kemu cc` and `kemu link` command README.md shows works when
pasted as written.

Commands come from the ```sh blocks (continuation lines joined; in `pip install -e . && kemu
demo` the kemu part) and from inline code spans that are whole command lines (`kemu demo …`,
`kemu shell --…`; a span that only names a command, `kemu cc`, is prose). Each block runs in
order in a fresh directory that holds the checkout's guest/, fixtures/ and tools/ (the README's
paths are relative to a checkout), through bash, with a `kemu` on PATH that runs this
checkout's code and empty standard input (an interactive shell ends at once). A `kemu cc`
whose compiler, binutils or Linux headers are not installed is skipped with what is missing;
nothing else is."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN = re.compile(r"^kemu (shell|demo|cc|link)\b")
INLINE = re.compile(r"`(kemu (?:demo\b[^`]*|shell --[^`]*))`")
#: host tools each system's `kemu cc` runs besides the compiler (kemu/toolchain)
BUILD_TOOLS = {"netbsd-lkm": (), "netbsd": ("ld",), "freebsd": ("ld.lld", "objcopy", "nm"), "linux": ()}


def _logical_lines(block: str) -> list[str]:
    lines, current = [], ""
    for raw in block.splitlines():
        if raw.rstrip().endswith("\\"):
            current += raw.rstrip()[:-1] + " "
            continue
        lines.append(current + raw)
        current = ""
    return [" ".join(line.split()) for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _kemu_part(line: str) -> str | None:
    """The kemu command of a line: all of it, or what follows `&&` in `setup && kemu …`."""
    if RUN.match(line):
        return line
    tail = line.split(" && ")[-1]
    return tail if RUN.match(tail) and " && " in line else None


def readme_blocks() -> list[tuple[str, list[str]]]:
    """(name, commands) per ```sh block with kemu commands, then one per inline command."""
    text = (ROOT / "README.md").read_text()
    blocks = []
    for n, block in enumerate(re.findall(r"```sh\n(.*?)```", text, re.S)):
        commands = [c for c in map(_kemu_part, _logical_lines(block)) if c]
        if commands:
            blocks.append((f"block{n}:{commands[0][:40]}", commands))
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    blocks += [(f"inline:{c}", [c]) for c in dict.fromkeys(INLINE.findall(prose))]
    return blocks


def _option(argv: list[str], name: str, default: str | None = None) -> str | None:
    for i, word in enumerate(argv):
        if word == name and i + 1 < len(argv):
            return argv[i + 1]
        if word.startswith(name + "="):
            return word.split("=", 1)[1]
    return default


def missing_tool(command: str) -> str | None:
    """What a `kemu cc` command needs and this host lacks, or None."""
    argv = shlex.split(command)
    if argv[:2] != ["kemu", "cc"]:
        return None
    system = _option(argv, "--os") or _option(argv, "--target")
    if system == "linux":
        from kemu.toolchain import linux_kbuild
        from kemu.toolchain.cc import ToolchainError
        try:
            linux_kbuild.locate_headers(_option(argv, "--arch", "x86_64"))
        except ToolchainError as exc:
            return str(exc)
        return None
    for tool in (_option(argv, "--compiler", "gcc"), *BUILD_TOOLS.get(system, ())):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    return None


@pytest.fixture
def checkout_dir(tmp_path) -> Path:
    """A scratch directory that looks like a checkout to relative paths, with `kemu` on PATH."""
    for name in ("guest", "fixtures", "tools"):
        (tmp_path / name).symlink_to(ROOT / name)
    bin_dir = tmp_path / ".bin"
    bin_dir.mkdir()
    shim = bin_dir / "kemu"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m kemu "$@"\n')
    shim.chmod(0o755)
    return tmp_path


def test_the_readme_has_commands_for_every_system():
    commands = [c for _, block in readme_blocks() for c in block]
    for system in ("netbsd-lkm", "netbsd", "freebsd", "linux"):
        assert any(c.startswith(f"kemu cc --os {system} ") for c in commands), system
    assert any(c.startswith("kemu demo") for c in commands)


@pytest.mark.parametrize("name,commands", readme_blocks(), ids=[name for name, _ in readme_blocks()])
def test_readme_command_works_as_written(name, commands, checkout_dir):
    env = dict(os.environ, PATH=f"{checkout_dir / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    for command in commands:
        missing = missing_tool(command)
        if missing:
            pytest.skip(f"{command.split(' -o ')[0]}: {missing}")
        done = subprocess.run(["bash", "-c", command], cwd=checkout_dir, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{command}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
