"""od(1) on its own: POSIX options and types, GNU od's column layout (checked against the
host's GNU od when there is one), and its errors."""
from __future__ import annotations

import io
import random
import shutil
import subprocess

import pytest

from kemu.userland import od

DATA = bytes(random.Random(6).randrange(256) for _ in range(150)) + bytes(48) + b"kemu\x00\x7f\x80\n"


class Source:
    def __init__(self, data: bytes, chunk: int | None = None):
        self.data, self.pos, self.chunk = data, 0, chunk

    def read(self, n: int) -> bytes:
        n = min(n, self.chunk or n)
        piece = self.data[self.pos:self.pos + n]
        self.pos += len(piece)
        return piece

    def close(self) -> None:
        pass


def _od(argv: list[str], data: bytes = DATA, long_size: int = 8) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = od.run(argv + ["file"], lambda path: Source(data), out, err, long_size=long_size)
    return status, out.getvalue(), err.getvalue()


def test_default_is_octal_shorts_with_octal_addresses():
    status, out, _ = _od([], b"\x01\x00\x02\x00")
    assert (status, out) == (0, "0000000 000001 000002\n0000004\n")


def test_u4_with_decimal_addresses():
    data = b"".join(n.to_bytes(4, "little") for n in (1, 1, 2, 3, 5))
    assert _od(["-A", "d", "-t", "u4"], data)[1] == ("0000000          1          1          2          3\n"
                                                     "0000016          5\n0000020\n")


def test_A_n_prints_no_addresses():
    assert _od(["-A", "n", "-t", "x1"], b"\xab\xcd")[1] == " ab cd\n"


def test_repeated_lines_collapse_to_a_star_unless_v():
    zeros = bytes(64)
    assert _od(["-t", "x1"], zeros)[1] == ("0000000 " + " ".join(["00"] * 16) + "\n*\n0000100\n")
    assert _od(["-v", "-t", "x1"], zeros)[1].count("\n") == 5


def test_j_skips_and_N_limits_and_addresses_follow():
    status, out, _ = _od(["-A", "d", "-j", "0x10", "-N", "4", "-t", "u1"], bytes(range(32)))
    assert out == "0000016  16  17  18  19\n0000020\n"


def test_count_suffixes_b_k_m():
    assert od.parse_count("2b", "j") == 1024 and od.parse_count("1k", "N") == 1024
    assert od.parse_count("1m", "N") == 1 << 20 and od.parse_count("010", "N") == 8
    assert od.parse_count("0x1b", "N") == 27            # b is a hex digit after 0x


def test_character_and_named_character_types():
    assert _od(["-A", "n", "-t", "c"], b"a\n\x00\x7f")[1] == "   a  \\n  \\0 177\n"
    assert _od(["-A", "n", "-t", "a"], b"a\n\x00\x7f")[1] == "   a  nl nul del\n"


def test_L_follows_the_emulated_long():
    data = bytes(range(8))
    assert _od(["-A", "n", "-t", "xL"], data, long_size=4)[1] == " 03020100 07060504\n"
    assert _od(["-A", "n", "-t", "xL"], data, long_size=8)[1] == " 0706050403020100\n"


@pytest.mark.parametrize("argv, message", [
    (["-t", "u3"], "od: invalid type string 'u3';\nthis system doesn't provide a 3-byte integral type\n"),
    (["-t", "q"], "od: invalid character 'q' in type string 'q'\n"),
    (["-N", "zz"], "od: invalid -N argument 'zz'\n"),
    (["-A", "q"], "od: invalid output address radix 'q'; it must be one character from [doxn]\n"),
    (["-j", "1000"], "od: cannot skip past end of combined input\n"),
])
def test_bad_arguments_are_reported_with_status_1(argv, message):
    status, out, err = _od(argv)
    assert (status, out, err) == (1, "", message)


def test_an_endless_source_without_N_stops_with_a_clear_error():
    class Endless(Source):
        def read(self, n):
            return b"\x01" * n
    out, err = io.StringIO(), io.StringIO()
    status = od.run(["/dev/fibo0"], lambda p: Endless(b""), out, err)
    assert status == 1 and out.getvalue() == "0000000 000401 000401 000401 000401 000401 000401 000401 000401\n*\n"
    assert err.getvalue().startswith("od: /dev/fibo0: read 1048576 bytes without reaching end of file")


def test_short_reads_are_joined():
    out, err = io.StringIO(), io.StringIO()
    od.run(["-A", "n", "-t", "u1", "-N", "6", "f"], lambda p: Source(bytes(range(10)), chunk=4), out, err)
    assert out.getvalue() == "   0   1   2   3   4   5\n"


GNU_OD = shutil.which("od")


def _is_gnu_od() -> bool:
    if not GNU_OD:
        return False
    done = subprocess.run([GNU_OD, "--version"], capture_output=True, text=True)
    return done.returncode == 0 and "GNU coreutils" in done.stdout


OPTIONS = [[], ["-A", "d"], ["-A", "x"], ["-A", "n"], ["-v"], ["-j", "5"], ["-N", "37"], ["-j", "0x11", "-N", "013"]]
TYPES = [[], ["-t", "u4"], ["-t", "x1", "-t", "u1"], ["-t", "d1", "-t", "c"], ["-t", "u2", "-t", "x4"],
         ["-t", "a"], ["-c"], ["-b"], ["-x", "-d"], ["-t", "o4", "-t", "d2"], ["-t", "u8"], ["-t", "d8"],
         ["-t", "x8", "-t", "o1"], ["-t", "dC"], ["-t", "x2u1a"], ["-s", "-o"]]


@pytest.mark.skipif(not _is_gnu_od(), reason="needs GNU od to compare with")
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: " ".join(o) or "none")
def test_output_matches_gnu_od(tmp_path, options):
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    for types in TYPES:
        argv = options + types
        expected = subprocess.run([GNU_OD, *argv, str(path)], capture_output=True, text=True,
                                  env={"LC_ALL": "C"}).stdout
        out, err = io.StringIO(), io.StringIO()
        od.run(argv + ["file"], lambda p: Source(DATA, chunk=7), out, err, long_size=8)
        assert out.getvalue() == expected, argv
