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
import fcntl
import io
import os
import re
import selectors
import shlex
import shutil
import signal
import stat
import tempfile
import time
from typing import Callable, TextIO

SHIMS = ("mknod", "rm", "chmod", "ls")
SAFE_REDIRECT_TARGETS = {"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"}
UNIT_SEPARATOR = "\x1f"
DEFAULT_TIMEOUT = 30.0
SHIM_REQUEST_FD, SHIM_REPLY_FD = 8, 9

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

    try:
        return _spawn_and_serve(path, args, handler, out, err, cwd, timeout, script)
    except OSError as exc:
        raise PostinstallRefused(f"cannot run /bin/sh: {exc.strerror}") from None


def _high(fd: int) -> int:
    """A close-on-exec duplicate numbered 10 or more, so the dup2s below cannot collide."""
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return new


def _spawn_and_serve(path: str, args: list[str], handler: ShimHandler, out: TextIO, err: TextIO,
                     cwd: str | None, timeout: float, script: str) -> int:
    # dash only accepts descriptor numbers 0-9 in `>&N`: the shim pipes go to fixed fds 8 and 9.
    req_r, req_w = (_high(fd) for fd in os.pipe())
    rep_r, rep_w = (_high(fd) for fd in os.pipe())
    out_r, out_w = (_high(fd) for fd in os.pipe())
    err_r, err_w = (_high(fd) for fd in os.pipe())
    null = _high(os.open(os.devnull, os.O_RDONLY))
    env = {"PATH": shim_directory(), "KEMU_SHIM_OUT": str(SHIM_REQUEST_FD), "KEMU_SHIM_IN": str(SHIM_REPLY_FD),
           "LC_ALL": "C", "HOME": "/root"}
    actions = [(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, out_w, 1), (os.POSIX_SPAWN_DUP2, err_w, 2),
               (os.POSIX_SPAWN_DUP2, req_w, SHIM_REQUEST_FD), (os.POSIX_SPAWN_DUP2, rep_r, SHIM_REPLY_FD)]
    # posix_spawn has no working-directory argument: a first sh changes to it and execs the
    # real one, so the script's $0 is the name modload was given, as with execl().
    argv = ["/bin/sh", "-c", 'cd -- "$1" || exit 126; shift; exec /bin/sh -f "$@"', "sh",
            cwd or os.getcwd(), script, *args]
    try:
        pid = os.posix_spawn("/bin/sh", argv, env, file_actions=actions)
    finally:
        for fd in (null, out_w, err_w, req_w, rep_r):
            os.close(fd)
    try:
        return _serve(pid, out_r, err_r, req_r, rep_w, handler, out, err, timeout, script)
    finally:
        for fd in (out_r, err_r, req_r, rep_w):
            os.close(fd)


def _serve(pid: int, out_r: int, err_r: int, req_r: int, rep_w: int, handler: ShimHandler,
           out: TextIO, err: TextIO, timeout: float, script: str) -> int:
    sel = selectors.DefaultSelector()
    sel.register(out_r, selectors.EVENT_READ, "stdout")
    sel.register(err_r, selectors.EVENT_READ, "stderr")
    sel.register(req_r, selectors.EVENT_READ, "request")
    pending = b""
    deadline = time.monotonic() + timeout
    open_streams = 3
    try:
        while open_streams:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                err.write(f"modload: post-install `{script}' did not finish in {timeout:g} s; killed\n")
                return 124
            for key, _ in sel.select(remaining):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fd)
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
    finally:
        sel.close()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


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

