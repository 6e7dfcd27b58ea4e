"""The `kemu` command's shared options: --version, --os/--target, --arch with amd64, defaults in
help, and errors that are messages with a non-zero status, never tracebacks."""
from __future__ import annotations

import argparse

import pytest

import kemu
from kemu.cli import main as cli
from kemu.cli.main import build_parser, main

FIBO = "fixtures/netbsd-lkm/x86_64/gcc/fibo.o"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        status = main(list(argv))
    except SystemExit as done:          # argparse's own exits (--help, --version, usage errors)
        status = done.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_version(capsys):
    assert _run(capsys, "--version") == (0, f"kemu {kemu.__version__}\n", "")


@pytest.mark.parametrize("command", ["shell", "cc", "debug", "trace", "demo"])
@pytest.mark.parametrize("spelling", ["--os", "--target"])
def test_both_spellings_of_the_system_are_accepted_everywhere(command, spelling):
    parser = build_parser()
    extra = {"cc": ["x.c"], "debug": ["m.o"], "trace": ["m.o"]}.get(command, [])
    args = parser.parse_args([command, spelling, "netbsd-lkm", *extra])
    assert args.system == "netbsd-lkm"


@pytest.mark.parametrize("command", ["shell", "cc", "debug", "trace", "demo"])
def test_help_shows_one_canonical_spelling(command, capsys):
    status, out, _ = _run(capsys, command, "--help")
    assert status == 0 and "--os SYSTEM" in out and "--target" not in out


@pytest.mark.parametrize("command, default", [("shell", "default: i386"), ("demo", "default: i386"),
                                              ("debug", "default: the module's own"),
                                              ("trace", "default: the module's own"),
                                              ("link", "default: the object's"),
                                              ("cc", "default: none, required")])
def test_every_help_names_the_arch_default(command, default, capsys):
    status, out, _ = _run(capsys, command, "--help")
    assert default in " ".join(out.split())


@pytest.mark.parametrize("command", ["shell", "cc", "debug", "trace", "demo", "link"])
def test_amd64_is_x86_64_for_every_arch_option(command):
    extra = {"cc": ["x.c"], "debug": ["m.o"], "trace": ["m.o"], "link": ["m.o", "--base", "0"]}.get(command, [])
    assert build_parser().parse_args([command, "--arch", "amd64", *extra]).arch == "x86_64"


def test_kemu_boot_takes_amd64():
    assert kemu.boot("netbsd-lkm", "amd64").arch == "x86_64"
    with pytest.raises(ValueError, match="unknown arch 'sparc': expected i386, x86_64"):
        kemu.boot("netbsd-lkm", "sparc")


def test_kemu_shell_runs_with_amd64(capsys):
    assert _run(capsys, "shell", "--arch", "amd64", "-c", "modstat")[1].startswith(
        "Type    Id  Off Loadaddr         Size")            # the x86-64 column widths


@pytest.mark.parametrize("argv, message", [
    (["shell", "--arch", "sparc"], "argument --arch: unknown arch 'sparc'"),
    (["shell", "--timeout", "-1"], "argument --timeout: '-1': a time limit is 0 (none)"),
    (["debug", "--timeout", "nan", "m.o"], "argument --timeout: 'nan'"),
    (["shell", "--os", "plan9", "-c", "true"], "kemu shell: unknown system 'plan9'; kemu knows: freebsd, linux, netbsd, netbsd-lkm"),
    (["demo", "--os", "plan9"], "kemu demo: no demo for system 'plan9'"),
    (["cc", "--arch", "i386", "x.c"], "kemu cc: error: name the guest system to build for with --os SYSTEM"),
    (["shell", "/"], "kemu shell: /: Is a directory"),
    (["shell", "/nonexistent/script.sh"], "kemu shell: /nonexistent/script.sh: No such file or directory"),
    (["shell", "/dev/zero"], "kemu shell: /dev/zero: line 1 is longer than 65536 characters: not a script"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_bad_invocations_are_one_message_and_a_nonzero_status(argv, message, capsys):
    status, out, err = _run(capsys, *argv)
    assert status != 0
    assert message in err and "Traceback" not in err


def test_a_bug_in_a_command_is_reported_not_dumped(monkeypatch, capsys):
    def broken(args: argparse.Namespace) -> int:
        raise KeyError("oops")

    parser = build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda only=None: parser)
    parser._subparsers._group_actions[0].choices["shell"].set_defaults(func=broken)
    monkeypatch.delenv("KEMU_TRACEBACK", raising=False)
    status, out, err = _run(capsys, "shell")
    assert status == 70
    assert err == "kemu shell: internal error: KeyError: 'oops' (KEMU_TRACEBACK=1 shows where)\n"
