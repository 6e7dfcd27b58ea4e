"""lib/ string and random helpers (services/lib_strings.py, lib_random.py, lib_sort.py,
zlib_sizes.py) checked against their kernel definitions. Both arches."""
from __future__ import annotations

from .libds_helpers import call, cstring, icall, zeroed


def test_bin2hex_writes_lowercase_pairs_and_returns_the_end(linux):
    src, dst = cstring(linux, b"\x01\xab\xff"), zeroed(linux, 16)
    assert call(linux, "bin2hex", dst, src, 3) == dst + 6
    assert linux.machine.mem.read(dst, 7) == b"01abff\0"


def test_kstrndup_copies_at_most_max_bytes_and_kfree_takes_it(linux):
    s = cstring(linux, b"nvmet-subsys")
    copy = call(linux, "kstrndup", s, 5, 0xCC0)
    assert linux.machine.mem.read_cstr(copy, 64) == b"nvmet"
    call(linux, "kfree", copy)
    assert call(linux, "kstrndup", 0, 5, 0xCC0) == 0


def test_strstr_and_memchr_inv(linux):
    s = cstring(linux, b"snd-soc-dummy")
    assert call(linux, "strstr", s, cstring(linux, b"soc")) == s + 4
    assert call(linux, "strstr", s, cstring(linux, b"xyz")) == 0
    buf = cstring(linux, b"\0\0\0\x07")
    assert call(linux, "memchr_inv", buf, 0, 4) == buf + 3
    assert call(linux, "memchr_inv", buf, 0, 3) == 0


def test_utf16s_to_utf8s_joins_surrogates_and_stops_at_nul(linux):
    text = "Aé😀".encode("utf-16-le") + b"\0\0Z\0"
    src, out = cstring(linux, text), zeroed(linux, 32)
    n = icall(linux, "utf16s_to_utf8s", src, len(text) // 2, 1, out, 32)
    assert linux.machine.mem.read(out, n) == "Aé😀".encode()


def test_uuid_gen_is_version_4_rfc_variant(linux):
    u = zeroed(linux, 16)
    call(linux, "uuid_gen", u)
    raw = linux.machine.mem.read(u, 16)
    assert raw[6] >> 4 == 4 and raw[8] >> 6 == 2


def test_prandom_u32_state_steps_taus113(linux):
    state = zeroed(linux, 16)
    for i, s in enumerate((1 << 20, 1 << 21, 1 << 22, 1 << 23)):
        linux.machine.mem.write_u32(state + 4 * i, s)

    def step(s, a, b, c, d):
        return (((s & c) << d) & 0xFFFFFFFF) ^ ((((s << a) & 0xFFFFFFFF) ^ s) >> b)
    want = [step(1 << 20, 6, 13, 0xFFFFFFFE, 18), step(1 << 21, 2, 27, 0xFFFFFFF8, 2),
            step(1 << 22, 13, 21, 0xFFFFFFF0, 7), step(1 << 23, 3, 12, 0xFFFFFF80, 13)]
    assert call(linux, "prandom_u32_state", state) & 0xFFFFFFFF == want[0] ^ want[1] ^ want[2] ^ want[3]


def test_zlib_workspace_sizes_for_the_default_parameters(linux):
    inflate = {"x86_64": 42312, "i386": 42284}[linux.arch]
    deflate = {"x86_64": 5960, "i386": 5836}[linux.arch] + 65536 * 4
    assert icall(linux, "zlib_inflate_workspacesize") == inflate
    assert icall(linux, "zlib_deflate_workspacesize", 15, 8) == deflate
    assert icall(linux, "zlib_deflate_workspacesize", -15, 8) == deflate


def test_sort_orders_elements_with_the_callers_cmp(linux):
    words = [b"snd", b"atm", b"xfs", b"can", b"rds", b"tls"]
    base = zeroed(linux, 8 * len(words))
    for i, w in enumerate(words):
        linux.machine.mem.write(base + 8 * i, w)
    strcmp = linux.kernel.installed["strcmp"][1]          # a kernel function as the cmp callback
    call(linux, "sort", base, len(words), 8, strcmp, 0)
    got = [linux.machine.mem.read_cstr(base + 8 * i, 8) for i in range(len(words))]
    assert got == sorted(words)


def test_check_zeroed_user_reads_user_memory_only(linux):
    with linux.kernel.user.buffer(16) as buf:
        linux.machine.mem.write(buf, bytes(16))
        assert icall(linux, "check_zeroed_user", buf, 16) == 1
        linux.machine.mem.write(buf + 9, b"\1")
        assert icall(linux, "check_zeroed_user", buf, 16) == 0
    assert icall(linux, "check_zeroed_user", zeroed(linux, 16), 16) == -14
