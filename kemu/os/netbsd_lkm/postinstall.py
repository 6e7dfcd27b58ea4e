"""Running a module's post-install script against kemu's /dev, never the host's.

`modload -p script` runs the module's own shell script with the module id, its type in hex and
its major number, and the script builds the device nodes (`mknod /dev/fibo$i c $3 $i`). kemu runs
that script with the host's `/bin/sh`, but:

* `PATH` is a private directory holding only shims (`mknod`, `rm`, `chmod`, `ls`). A shim does not
  touch the host: it sends its argument vector over a pipe to this Python process, which applies
  it to kemu's /dev and sends back the exit status and the text to print.
* Pathname expansion is switched off (`sh -f`): `rm -f /dev/fibo*` must not be globbed against the
  host's /dev; the shims expand patterns against kemu's /dev instead.
* Before running, the script is checked for ways out of that sandbox that a PATH cannot stop:
  absolute paths to host programs (`/sbin/mknod`), output redirections to host files
  (`> /dev/fibo0` would create a file in the host's /dev), `PATH=` assignments, `command -p`,
  `eval` and `exec`. Such a script is refused before anything runs. The check reads the script's
  words, so a path built at run time from variables is not caught: kemu is a sandbox for modules,
  and for post-install scripts only a guard against the ordinary mistakes.

Shim calls are served one at a time, in order; a script that runs shims concurrently in the
background is not supported.
"""
from __future__ import annotations

import atexit
import io
import os
import re
import selectors
import shlex
import shutil
import stat
import subprocess
import tempfile
import time
from typing import Callable, TextIO

SHIMS = ("mknod", "rm", "chmod", "ls")
SAFE_REDIRECT_TARGETS = {"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"}
UNIT_SEPARATOR = "\x1f"
DEFAULT_TIMEOUT = 30.0

# One handler serves every shim request: argv -> exit status, writing to the two streams.
ShimHandler = Callable[[list[str], TextIO, TextIO], int]


class PostinstallRefused(Exception):
    """The script was not run: it would reach outside kemu, or it cannot be read."""


_SHIM_TEXT = """#!/bin/sh
# kemu post-install shim: `{name}` applied to kemu's /dev, not the host's.
# The argument vector goes to the kemu process over a pipe; it answers with the exit status
# and the lines to print (prefixed 1 for stdout, 2 for stderr).
req={name}
for a do req="$req{us}$a"; done
printf '%s\\n' "$req" >&"$KEMU_SHIM_OUT"
read -r st n <&"$KEMU_SHIM_IN"
while [ "$n" -gt 0 ]; do
    IFS= read -r line <&"$KEMU_SHIM_IN"
    case $line in
    1*) printf '%s\\n' "${{line#1}}" ;;
    *) printf '%s\\n' "${{line#2}}" >&2 ;;
    esac
    n=$((n - 1))
done
exit "$st"
"""

_shim_dir: str | None = None


def shim_directory() -> str:
    """A private directory with one executable shim per command, made once per process."""
    global _shim_dir
    if _shim_dir is None or not os.path.isdir(_shim_dir):
        path = tempfile.mkdtemp(prefix="kemu-shims-")
        for name in SHIMS:
            shim = os.path.join(path, name)
            with open(shim, "w") as f:
                f.write(_SHIM_TEXT.format(name=name, us=UNIT_SEPARATOR))
            os.chmod(shim, 0o755)
        atexit.register(shutil.rmtree, path, True)
        _shim_dir = path
    return _shim_dir


_REDIRECT = re.compile(r"^\d*(>>|>\||>|<>)$")


def check_script(text: str, name: str) -> list[str]:
    """Every way the script would reach the host that kemu can see in its words, one message each."""
    problems: list[str] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        try:
            lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()<>")
            lexer.whitespace_split = True
            lexer.commenters = "#"
            words = list(lexer)
        except ValueError:
            # An unterminated quote continues on the next line; check words one by one instead.
            words = line.split()
        where = f"{name}: line {lineno}"
        for i, word in enumerate(words):
            if _REDIRECT.match(word) or word in (">", ">>", ">|", "<>"):
                target = words[i + 1] if i + 1 < len(words) else ""
                if target.startswith("&") or target in SAFE_REDIRECT_TARGETS:
                    continue
                problems.append(f"{where}: redirection to `{target}' would write a host file")
            elif word.startswith("/") and (_is_host_program(word) or _in_command_position(words, i)):
                problems.append(f"{where}: `{word}' is a host program (only kemu's {', '.join(SHIMS)} are available)")
            elif re.match(r"^(export\s+)?PATH=", word) or (word == "export" and i + 1 < len(words)
                                                            and words[i + 1].startswith("PATH")):
                problems.append(f"{where}: changing PATH would reach host programs")
            elif word == "command" and i + 1 < len(words) and words[i + 1].startswith("-") and "p" in words[i + 1]:
                problems.append(f"{where}: `command -p' would run host programs")
            elif word in ("eval", "exec") and _in_command_position(words, i):
                problems.append(f"{where}: `{word}' is not allowed in a kemu post-install script")
    return problems


_SEPARATORS = (";", "&&", "||", "|", "&", "(", "then", "do", "else", "elif", "if", "while", "until", "!")


def _in_command_position(words: list[str], i: int) -> bool:
    return i == 0 or words[i - 1] in _SEPARATORS


def _is_host_program(path: str) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and os.access(path, os.X_OK)


def run_postinstall(script: str, args: list[str], handler: ShimHandler, out: TextIO, err: TextIO,
                    cwd: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> int:
    """Run `script` with `args` under /bin/sh with the shims; return its exit status.

    Raises PostinstallRefused (with a message naming the script and the problem) without running
    anything if the script cannot be read, is not a shell script, or fails `check_script`.
    """
    path = script if cwd is None or os.path.isabs(script) else os.path.join(cwd, script)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise PostinstallRefused(exc.strerror or str(exc)) from None
    if data.startswith(b"\x7fELF"):
        raise PostinstallRefused("Exec format error (kemu runs post-install shell scripts, not host binaries)")
    text = data.decode("utf-8", errors="replace")
    problems = check_script(text, script)
    if problems:
        raise PostinstallRefused("\n".join(problems))

    req_r, req_w = os.pipe()
    rep_r, rep_w = os.pipe()
    env = {"PATH": shim_directory(), "KEMU_SHIM_OUT": str(req_w), "KEMU_SHIM_IN": str(rep_r),
           "LC_ALL": "C", "HOME": "/root"}
    try:
        proc = subprocess.Popen(["/bin/sh", "-f", path, *args], cwd=cwd, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                pass_fds=(req_w, rep_r))
    except OSError as exc:
        for fd in (req_r, req_w, rep_r, rep_w):
            os.close(fd)
        raise PostinstallRefused(f"cannot run /bin/sh: {exc.strerror}") from None
    os.close(req_w)
    os.close(rep_r)
    try:
        return _serve(proc, req_r, rep_w, handler, out, err, timeout, script)
    finally:
        os.close(req_r)
        os.close(rep_w)


def _serve(proc: subprocess.Popen, req_r: int, rep_w: int, handler: ShimHandler,
           out: TextIO, err: TextIO, timeout: float, script: str) -> int:
    sel = selectors.DefaultSelector()
    assert proc.stdout is not None and proc.stderr is not None
    sel.register(proc.stdout, selectors.EVENT_READ, "stdout")
    sel.register(proc.stderr, selectors.EVENT_READ, "stderr")
    sel.register(req_r, selectors.EVENT_READ, "request")
    pending = b""
    deadline = time.monotonic() + timeout
    open_streams = 3
    while open_streams:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            proc.kill()
            proc.wait()
            err.write(f"modload: post-install `{script}' did not finish in {timeout:g} s; killed\n")
            sel.close()
            return 124
        for key, _ in sel.select(remaining):
            fd = key.fd if key.data == "request" else key.fileobj.fileno()
            chunk = os.read(fd, 65536)
            if not chunk:
                sel.unregister(key.fileobj)
                open_streams -= 1
                continue
            if key.data == "stdout":
                out.write(chunk.decode("utf-8", errors="replace"))
            elif key.data == "stderr":
                err.write(chunk.decode("utf-8", errors="replace"))
            else:
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    _answer(line.decode("utf-8", errors="replace"), rep_w, handler)
    sel.close()
    status = proc.wait()
    return status if status >= 0 else 128 - status


def _answer(request: str, rep_w: int, handler: ShimHandler) -> None:
    argv = request.split(UNIT_SEPARATOR)
    cap_out, cap_err = io.StringIO(), io.StringIO()
    try:
        status = handler(argv, cap_out, cap_err)
    except Exception as exc:  # a bug in a handler must not hang the script waiting for its answer
        cap_err.write(f"{argv[0]}: kemu internal error: {exc}\n")
        status = 1
    lines = ["1" + s for s in cap_out.getvalue().splitlines()] + ["2" + s for s in cap_err.getvalue().splitlines()]
    reply = f"{status} {len(lines)}\n" + "".join(s + "\n" for s in lines)
    try:
        os.write(rep_w, reply.encode())
    except BrokenPipeError:
        pass  # the shim was killed before reading its answer; the script's status says so

