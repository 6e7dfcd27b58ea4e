"""sh's line syntax as kemu's console reads it: words, operators, lists, pipelines, redirections."""
from __future__ import annotations

import pytest

from kemu.userland.syntax import Op, ShellSyntaxError, parse_line, parse_redirections, tokenize


def _shape(line: str):
    """Each and-or list as [(operator, [[words of each command]], negated)]."""
    return [[("", [c.tokens for c in a.first.commands], a.first.negated)]
            + [(op, [c.tokens for c in p.commands], p.negated) for op, p in a.rest]
            for a in parse_line(line)]


def test_operators_are_tokens_and_quoted_operators_are_words():
    tokens = tokenize("echo '|' \"&&\" a\\;b | head")
    assert tokens == ["echo", "|", "&&", "a;b", "|", "head"]
    assert [isinstance(t, Op) for t in tokens] == [False, False, False, False, True, False]


def test_semicolons_separate_and_or_lists():
    assert _shape("echo a; echo b;") == [[("", [["echo", "a"]], False)], [("", [["echo", "b"]], False)]]


def test_and_or_list_keeps_its_operators_in_order():
    assert _shape("modunload -n x || true && echo ok") == [[
        ("", [["modunload", "-n", "x"]], False), ("||", [["true"]], False), ("&&", [["echo", "ok"]], False)]]


def test_pipeline_of_three_commands_and_negation():
    assert _shape("! ./fibotest | head -n 50 | od") == [[
        ("", [["./fibotest"], ["head", "-n", "50"], ["od"]], True)]]


def test_comment_and_blank_lines_have_no_commands():
    assert parse_line("   # modload fibo.o") == []
    assert parse_line("") == []


@pytest.mark.parametrize("line, message", [
    ("; echo", "`;' unexpected"),
    ("echo a ;; echo b", "`;;' unexpected"),
    ("echo a |", "`newline' unexpected"),
    ("| echo", "`|' unexpected"),
    ("echo a && || echo b", "`||' unexpected"),
    ("od /dev/fibo0 &", "`&': kemu's console runs no background jobs"),
    ("echo 'open", "unterminated ' quote"),
])
def test_lines_sh_refuses_are_syntax_errors_naming_the_token(line, message):
    with pytest.raises(ShellSyntaxError) as info:
        parse_line(line)
    assert str(info.value) == message


def test_redirections_are_taken_out_of_the_words():
    words, redir = parse_redirections(tokenize("od -N 4 <&3 > /dev/x 2>&1"))
    assert words == ["od", "-N", "4"]
    assert (redir.stdin_fd, redir.stdout, redir.fd_ops) == (3, ("/dev/x", "w"), [(2, ">&", "1")])


def test_io_number_must_touch_the_operator():
    words, redir = parse_redirections(tokenize("echo 3 < /dev/x"))
    assert words == ["echo", "3"] and redir.stdin_path == "/dev/x"
    words, redir = parse_redirections(tokenize("exec 3< /dev/x"))
    assert words == ["exec"] and redir.fd_ops == [(3, "<", "/dev/x")]


def test_a_redirection_without_its_file_is_an_error():
    with pytest.raises(ShellSyntaxError, match="missing file after `>'"):
        parse_redirections(tokenize("echo >"))
    with pytest.raises(ShellSyntaxError, match="`|' unexpected after `<'"):
        parse_redirections([*tokenize("od <"), Op("|")])


def test_a_list_is_shown_as_it_would_be_typed():
    (first,) = parse_line("od -N 4 <&3 2>&1 | head -n 1 || echo 'a b'")
    assert first.text == "od -N 4 <&3 2>&1 | head -n 1 || echo 'a b'"
