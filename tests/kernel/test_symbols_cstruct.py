"""The kernel symbol table and C struct layouts."""
import pytest

from kemu.kernel import KernelError, PrototypeError, StructLayout, SymbolTable


def test_defined_symbols_are_found_by_name():
    t = SymbolTable()
    t.define("printf", 0xc0100040)
    t.define("hz", 0xc0500000, "object", 4)
    assert t.lookup("printf") == 0xc0100040 and t.get("hz").kind == "object"
    assert t.lookup("nosuch") is None and "hz" in t and len(t) == 2


def test_redefining_at_another_address_is_refused_unless_replacing():
    t = SymbolTable()
    t.define("printf", 0x1000)
    t.define("printf", 0x1000)  # identical: fine
    with pytest.raises(KernelError, match="already defined at 0x1000"):
        t.define("printf", 0x2000)
    t.define("printf", 0x2000, replace=True)
    assert t.lookup("printf") == 0x2000 and t.symbolize(0x1000) is None


def test_symbolize_names_addresses_inside_sized_symbols():
    t = SymbolTable()
    t.define("cdevsw", 0x5000, "object", 0x100)
    t.define("printf", 0x1000)
    assert t.symbolize(0x5010) == ("cdevsw", 0x10)
    assert t.symbolize(0x1000) == ("printf", 0)
    assert t.symbolize(0x1004) is None and t.symbolize(0x5100) is None and t.symbolize(0x10) is None


def test_bad_definitions_are_rejected():
    t = SymbolTable()
    with pytest.raises(KernelError, match="kind must be"):
        t.define("x", 1, "variable")
    with pytest.raises(KernelError, match="bad address"):
        t.define("x", -1)
    with pytest.raises(KernelError, match="non-empty"):
        t.define("", 1)


def test_undefine_removes_name_and_address():
    t = SymbolTable()
    t.define("x", 0x10, "object", 4)
    t.undefine("x")
    assert t.lookup("x") is None and t.symbolize(0x10) is None


UIO = ("struct uio { struct iovec *uio_iov; int uio_iovcnt; off_t uio_offset; size_t uio_resid;"
       " enum uio_seg uio_segflg; enum uio_rw uio_rw; struct proc *uio_procp; };")


def test_netbsd_uio_layout_on_i386_aligns_off_t_to_4():
    s = StructLayout.parse("i386", UIO)
    assert [(f.name, f.offset) for f in s.fields] == [
        ("uio_iov", 0), ("uio_iovcnt", 4), ("uio_offset", 8), ("uio_resid", 16), ("uio_segflg", 20),
        ("uio_rw", 24), ("uio_procp", 28)]
    assert s.size == 32


def test_netbsd_uio_layout_on_x86_64_is_naturally_aligned():
    s = StructLayout.parse("x86_64", UIO)
    assert [f.offset for f in s.fields] == [0, 8, 16, 24, 32, 36, 40] and s.size == 48


def test_arrays_and_tail_padding():
    s = StructLayout.parse("x86_64", "struct lmc_stat { int id; char name[32]; u_long offset; };")
    assert s.offset("name") == 4 and s.offset("offset") == 40 and s.size == 48


def test_pack_and_unpack_round_trip():
    s = StructLayout.parse("i386", UIO)
    data = s.pack(uio_iov=0xc1000000, uio_offset=-1, uio_resid=4)
    assert len(data) == 32
    values = s.unpack(data)
    assert values["uio_iov"] == 0xc1000000 and values["uio_offset"] == -1 and values["uio_resid"] == 4


def test_codec_reads_and_rewrites_only_the_named_fields():
    s = StructLayout.parse("x86_64", UIO)   # 4 bytes of padding after uio_iovcnt
    codec = s.codec("uio_resid", "uio_iov", "uio_offset")
    data = bytearray(s.pack(uio_iov=0x1000, uio_iovcnt=3, uio_offset=-5, uio_resid=40, uio_segflg=1))
    data[12:16] = b"PADS"
    resid, iov, offset, raw = codec.read(data, 0)
    assert (resid, iov, offset) == (40, 0x1000, -5)
    codec.write(data, 0, raw, 36, 0x1010, -1)
    values = s.unpack(bytes(data))
    assert (values["uio_resid"], values["uio_iov"], values["uio_offset"]) == (36, 0x1010, -1)
    assert values["uio_iovcnt"] == 3 and values["uio_segflg"] == 1 and data[12:16] == b"PADS"


def test_codec_stores_wrap_like_c_stores():
    s = StructLayout.parse("i386", UIO)
    codec = s.codec("uio_iovcnt", "uio_resid")
    data = bytearray(s.size)
    _, _, raw = codec.read(data, 0)
    codec.write(data, 0, raw, 2**31, -1)      # int overflows to INT_MIN; size_t -1 is SIZE_MAX
    values = s.unpack(bytes(data))
    assert values["uio_iovcnt"] == -2**31 and values["uio_resid"] == 2**32 - 1


def test_codec_needs_distinct_existing_fields():
    s = StructLayout.parse("i386", UIO)
    with pytest.raises(ValueError, match="twice"):
        s.codec("uio_iov", "uio_iov")
    with pytest.raises(KeyError, match="uio_td"):
        s.codec("uio_td")
    with pytest.raises(ValueError, match="at least one"):
        s.codec()


def test_unknown_field_is_a_key_error_naming_the_struct():
    with pytest.raises(KeyError, match="struct uio .i386. has no field 'uio_td'"):
        StructLayout.parse("i386", UIO)["uio_td"]


def test_malformed_struct_declarations_are_rejected():
    with pytest.raises(PrototypeError, match="expected 'struct name"):
        StructLayout.parse("i386", "enum e { A, B };")
    with pytest.raises(PrototypeError, match="layout of cdevsw by value is not known"):
        StructLayout.parse("i386", "struct s { struct cdevsw c; };")
    with pytest.raises(PrototypeError, match="field 'frob_t x'"):
        StructLayout.parse("i386", "struct s { frob_t x; };")


def test_comments_in_declarations_are_ignored():
    s = StructLayout.parse("i386", "struct iovec { void *iov_base; /* base */ size_t iov_len; // length\n };")
    assert [f.name for f in s.fields] == ["iov_base", "iov_len"]


def test_from_header_finds_the_struct_among_other_definitions():
    header = """
    /* struct uio is below */
    struct iovec { void *iov_base; size_t iov_len; };
    enum uio_rw { UIO_READ, UIO_WRITE };
    struct uio {
        struct iovec *uio_iov;   /* pointer to array of iovecs */
        int uio_iovcnt;
    };
    """
    s = StructLayout.from_header("x86_64", header, "uio")
    assert s.offset("uio_iovcnt") == 8 and s.size == 16


def test_from_header_names_a_missing_struct():
    with pytest.raises(PrototypeError, match="no definition of struct cdevsw"):
        StructLayout.from_header("i386", "struct uio { int a; };", "cdevsw")


def test_a_union_puts_every_member_at_offset_zero_and_takes_the_largest_size():
    u = StructLayout.parse("x86_64", "union u { char c; long l; int i[3]; };")
    assert [f.offset for f in u.fields] == [0, 0, 0]
    assert (u.size, u.align) == (16, 8)


@pytest.mark.parametrize("arch, offsets, size", [
    ("i386", {"c": 0, "inner": 4, "inner.p": 4, "inner.q": 8, "tail": 16}, 24),
    ("x86_64", {"c": 0, "inner": 8, "inner.p": 8, "inner.q": 16, "tail": 24}, 32),
])
def test_a_nested_struct_by_value_is_laid_out_in_place_with_dotted_member_names(arch, offsets, size):
    from kemu.kernel.cstruct import CStruct
    inner = CStruct("struct in { void *p; long long q; };")
    outer = CStruct("struct out { char c; struct in inner; off_t tail; };", uses=(inner,))
    layout = outer.layout(arch)
    assert {f.name: f.offset for f in layout.fields} == offsets
    assert layout.size == size and layout["inner"].aggregate


def test_read_and_write_reach_one_member_in_guest_memory():
    class Memory:
        def __init__(self):
            self.bytes = bytearray(32)

        def read(self, addr, n):
            return bytes(self.bytes[addr:addr + n])

        def write(self, addr, data):
            self.bytes[addr:addr + len(data)] = data

    mem = Memory()
    layout = StructLayout.parse("i386", UIO)
    layout.write(mem, 0, "uio_resid", 0x1234)
    layout.write(mem, 0, "uio_iovcnt", -1)
    assert layout.read(mem, 0, "uio_resid") == 0x1234 and layout.read(mem, 0, "uio_iovcnt") == -1
    assert mem.bytes[16:20] == (0x1234).to_bytes(4, "little")
