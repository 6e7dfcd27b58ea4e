"""The shared console over a toy personality: what a system registers, sh's statuses and lists,
pipelines over devices, redirections, and scripts that stop as `sh -e` does."""
from __future__ import annotations

import pytest

from kemu.userland import Shell

from .conftest import TOY_USERLAND


def test_a_registered_command_runs_with_its_argv(console):
    assert console.run("greet world") == 0
    assert console.output == "toy: greeted world\nhello, world\n"
    assert console.run("greet") == 64 and console.errors == "usage: greet name\n"


def test_the_personalitys_texts_are_used(console):
    assert console.run("frob /dev/x") == 127
    assert console.errors == "sh: 1: frob: not found\n"


def test_command_names_list_the_standard_and_the_registered_ones(console):
    names = console.shell.command_names()
    assert {"greet", "od", "cat", "head", "echo", "ls", "mknod", "exec", "dmesg"} <= set(names)
    assert names == sorted(names)


def test_help_names_the_system_and_its_commands(console):
    console.run("help")
    assert console.output.startswith("kemu's Toy OS console. Commands:\n  greet name\n")
    assert "head [-n count]" in console.output


def test_the_prompt_comes_from_the_spec(console):
    import io
    console.shell.interact(io.StringIO("echo hi\n"))
    assert console.output == "$ hi\n$ \n"


@pytest.mark.parametrize("line, status, output", [
    ("true && echo yes", 0, "yes\n"),
    ("false && echo yes", 1, ""),
    ("false || echo rescued", 0, "rescued\n"),
    ("true || echo no", 0, ""),
    ("false || false && echo no", 1, ""),
    ("false; true", 0, ""),
    ("true; false", 1, ""),
    ("! true", 1, ""),
    ("! false", 0, ""),
    ("! frob", 0, ""),
    ("false | true", 0, ""),
    ("true | false", 1, ""),
    ("echo a | frob", 127, ""),
])
def test_statuses_are_computed_as_sh_computes_them(console, line, status, output):
    assert console.run(line) == status
    assert console.output == output


def test_an_endless_device_piped_into_head_ends_after_its_bytes(console, toy):
    assert console.run("cat /dev/count0 | head -c 5 | od -A n -t u1") == 0
    assert console.output == "   0   1   2   3   4\n"
    assert sum(toy.read_sizes) <= 4 * 4096          # cat stopped soon after head had its bytes


def test_od_reads_exactly_its_count_from_the_device(console, toy):
    assert console.run("od -A n -t u1 -N 4 /dev/count0") == 0
    assert toy.read_sizes == [4]
    toy.read_sizes.clear()
    assert console.run("od -A n -t u1 -j 5000 -N 3 /dev/count0") == 0
    assert toy.read_sizes == [4096, 904, 3]
    assert console.output.splitlines()[-1] == f"{5000 % 251:4}{5001 % 251:4}{5002 % 251:4}"


def test_od_writes_its_first_lines_before_it_has_read_everything(toy):
    class Watch:
        def __init__(self):
            self.reads_at_first_write = None

        def write(self, text):
            if self.reads_at_first_write is None:
                self.reads_at_first_write = len(toy.read_sizes)
            return len(text)

    out = Watch()
    shell = Shell(toy, TOY_USERLAND, out=out)
    assert shell.run_line("od -N 100000 /dev/count0") == 0
    assert out.reads_at_first_write == 1 and len(toy.read_sizes) == 25


def test_head_counts_lines_from_a_pipe(console):
    assert console.run("od -A d -t u1 -N 160 /dev/count0 | head -n 2") == 0
    assert console.output.splitlines() == [
        "0000000" + "".join(f"{i:4}" for i in range(16)),
        "0000016" + "".join(f"{i:4}" for i in range(16, 32))]


def test_output_redirected_to_a_device_goes_in_stdio_blocks(console, toy):
    assert console.run("od -A n -t x1 -N 2000 /dev/count0 > /dev/sink0") == 0
    assert [len(w) for w in toy.writes] == [4096, 2029]   # 125 lines of 49 characters
    assert b"".join(toy.writes).startswith(b" 00 01 02")


def test_kernel_messages_stay_on_the_terminal_when_output_is_redirected(console, toy):
    assert console.run("greet disk > /dev/sink0") == 0
    assert console.output == "toy: greeted disk\n"
    assert toy.writes == [b"hello, disk\n"]


def test_a_failed_write_is_the_commands_write_error_with_the_systems_text(console):
    assert console.run("echo 42 > /dev/count0") == 1
    assert console.errors == "echo: write error: Operation not permitted\n"


def test_stderr_redirections(console):
    assert console.run("greet 2>&1 | head -n 1") == 0
    assert (console.output, console.errors) == ("usage: greet name\n", "")
    assert console.run("greet 2>/dev/null") == 64
    assert console.errors == ""


def test_exit_inside_a_pipeline_ends_only_that_command(console):
    assert console.run("exit 3 | echo still here") == 0
    assert console.output == "still here\n"
    assert console.run("echo x | exit 4") == 4


def test_a_script_stops_at_the_first_failing_list_and_says_where(console):
    script = "echo one\nfrob || true\nfalse && echo skipped\necho two\n\ngreet\necho not reached\n"
    assert console.script(script, source="setup.sh") == 64
    assert console.output == "one\ntwo\n"
    assert console.errors == ("sh: 1: frob: not found\nusage: greet name\n"
                              "setup.sh: line 6: `greet' failed with exit status 64\n")


def test_a_failure_before_a_semicolon_stops_the_script_too(console):
    assert console.script("false; echo not reached", source="s") == 1
    assert console.output == "" and console.errors == "s: line 1: `false' failed with exit status 1\n"


def test_without_stop_on_error_a_script_runs_every_line(console):
    assert console.script("false\necho after", stop_on_error=False) == 0
    assert console.output == "after\n"


def test_a_syntax_error_in_a_script_names_its_line(console):
    assert console.script("echo ok\necho 'open\necho later", source="x.sh") == 2
    assert console.errors == "x.sh: line 2: syntax error: unterminated ' quote\n"


def test_continued_lines_join_as_sh_joins_them(console):
    assert console.script("echo a \\\nb\nod -A n -t u1 -N 2 /dev/count0 |\n  head -n 1 &&\n echo done\n") == 0
    assert console.output == "a b\n   0   1\ndone\n"


def test_reading_standard_input_needs_a_pipe_or_a_redirection(console):
    assert console.run("cat") == 1
    assert console.errors == "cat: no standard input here: name a file or use a pipe\n"
    assert console.run("head -c 3 < /dev/count0 | od -A n -t u1") == 0
    assert console.output == "   0   1   2\n"


def test_exec_holds_a_descriptor_that_commands_read_in_turn(console):
    assert console.script("exec 3< /dev/count0\nhead -c 2 <&3 | od -A n -t u1\n"
                          "head -c 2 <&3 | od -A n -t u1\nexec 3<&-") == 0
    assert console.output == "   0   1\n   2   3\n"
    assert console.run("od <&3") == 2
    assert console.errors == "sh: 3: Bad file descriptor\n"


def test_ls_uses_the_personalitys_group_names(console):
    assert console.run("ls -l /dev/sink0") == 0
    assert console.output.startswith("crw-rw-rw-  1 root  root   11,   0 ")


def test_missing_files_get_the_systems_error_text(console):
    assert console.run("od -N 4 /dev/none; cat /dev/none; head /dev/none") == 1
    assert console.errors == ("od: /dev/none: No such file or directory\n"
                              "cat: /dev/none: No such file or directory\n"
                              "head: /dev/none: No such file or directory\n")


def test_gnu_getopt_style_from_the_spec(console):
    assert console.run("head -q") == 1
    assert console.errors.startswith("head: invalid option -- 'q'\n")
