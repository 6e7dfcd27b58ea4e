"""The kernel's export table (Debian's Module.symvers) and the kind of every vmlinux export."""
from __future__ import annotations

import pytest
from elftools.elf.elffile import ELFFile

from kemu.os.linux import symvers
from kemu.toolchain import linux_headers

from .conftest import ARCHES, ko, load_tool

RELEASES = {arch: linux_headers.header_set(arch).release for arch in ARCHES}
FIXTURES = [m.name for m in load_tool("build_linux_fixtures").MODULES]


def versions(path):
    """name -> CRC from a module's __versions (struct modversion_info: 64-byte entries)."""
    with path.open("rb") as f:
        elf = ELFFile(f)
        data = elf.get_section_by_name("__versions").data()
        word = 8 if elf.elfclass == 64 else 4
    table = {}
    for i in range(0, len(data), 64):
        entry = data[i:i + 64]
        table[entry[word:].split(b"\0")[0].decode()] = int.from_bytes(entry[:word], "little")
    return table


def undefined(path):
    with path.open("rb") as f:
        return {s.name for s in ELFFile(f).get_section_by_name(".symtab").iter_symbols()
                if s["st_shndx"] == "SHN_UNDEF" and s.name}


@pytest.mark.parametrize("arch", ARCHES)
def test_kemu_ships_the_release_its_headers_build_for(arch):
    assert RELEASES[arch] in symvers.releases(arch)
    assert symvers.default_release(arch) == RELEASES[arch]


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", FIXTURES)
def test_every_crc_a_fixture_records_matches_the_kernel_table(arch, name):
    table = symvers.exports(RELEASES[arch])
    recorded = versions(ko(arch, name))
    kernel = {sym: crc for sym, crc in recorded.items() if not sym.startswith("stack_base_")}
    assert kernel, "every module versions at least module_layout"
    for sym, crc in kernel.items():
        assert table[sym].crc == crc, sym
        assert table[sym].in_vmlinux


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", FIXTURES)
def test_every_kernel_symbol_a_fixture_needs_is_exported(arch, name):
    table = symvers.vmlinux_exports(RELEASES[arch])
    needed = {s for s in undefined(ko(arch, name)) if not s.startswith("stack_base_")}
    assert needed and needed <= set(table)


@pytest.mark.parametrize("arch", ARCHES)
def test_gpl_only_and_namespaced_exports_are_marked(arch):
    table = symvers.exports(RELEASES[arch])
    assert not table["_printk"].gpl_only
    assert table["__class_create"].gpl_only
    assert table["alloc_chrdev_region"].gpl_only is False
    assert table["crypto_cipher_setkey"].namespace == "CRYPTO_INTERNAL"
    assert table["crc7_be"].owner == "lib/crc7" and table["crc7_be"].module_name == "crc7"


@pytest.mark.parametrize("arch", ARCHES)
def test_every_vmlinux_export_has_a_kind(arch):
    release = RELEASES[arch]
    assert set(symvers.kinds(release)) == set(symvers.vmlinux_exports(release))


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name,kind", [
    ("jiffies", "data"), ("kmalloc_caches", "data"), ("pv_ops", "data"), ("param_ops_int", "data"),
    ("param_ops_charp", "data"), ("current_task", "percpu"), ("__preempt_count", "percpu"),
    ("_printk", "code"), ("__fentry__", "code"), ("noop_llseek", "code"), ("kfree", "code"),
])
def test_the_issue_s_examples_are_classified_as_the_kernel_has_them(arch, name, kind):
    assert symvers.kinds(RELEASES[arch])[name].kind == kind


def test_x86_64_stack_canary_is_not_an_export_and_i386_s_is_per_cpu():
    assert "__stack_chk_guard" not in symvers.kinds(RELEASES["x86_64"])   # %gs:0x28, no symbol
    guard = symvers.kinds(RELEASES["i386"])["__stack_chk_guard"]
    assert guard.kind == "percpu" and guard.size == 4


@pytest.mark.parametrize("arch", ARCHES)
def test_no_module_calls_data_and_nearly_all_data_has_a_size(arch):
    table = symvers.kinds(RELEASES[arch])
    data = [k for k in table.values() if k.kind != "code"]
    assert data
    assert not [k.name for k in data if k.called_by]
    # Only assembly-defined objects lack a symbol size (i386's empty_zero_page).
    unsized = [k.name for k in data if k.size is None]
    assert len(unsized) <= len(data) // 100, unsized
    assert all(k.size > 0 for k in data if k.size is not None)


@pytest.mark.parametrize("arch,word", [("x86_64", 8), ("i386", 4)])
def test_per_cpu_symbols_have_distinct_offsets_and_pointer_sized_current_task(arch, word):
    table = symvers.kinds(RELEASES[arch])
    percpu = [k for k in table.values() if k.kind == "percpu"]
    assert len({k.offset for k in percpu}) == len(percpu)
    assert table["current_task"].size == word
    assert table["__preempt_count"].size == 4


@pytest.mark.parametrize("arch", ARCHES)
def test_functions_only_used_as_pointers_are_still_code(arch):
    table = symvers.kinds(RELEASES[arch])
    pointer_only = [k for k in table.values() if k.kind == "code" and k.referenced_by and not k.called_by]
    assert pointer_only, "module survey finds functions used only as pointers (fops, params)"
    assert table["param_get_int"].kind == "code"


def test_an_unknown_release_names_what_kemu_ships():
    with pytest.raises(symvers.SymversError) as err:
        symvers.exports("6.1.0-1-amd64")
    assert "6.1.0-1-amd64" in str(err.value) and RELEASES["x86_64"] in str(err.value)


def test_an_unknown_arch_is_an_error():
    with pytest.raises(symvers.SymversError, match="unknown arch 'arm64'"):
        symvers.default_release("arm64")


@pytest.mark.parametrize("text,message", [
    ("0x1234\tfoo\tvmlinux\n", "Module.symvers:1: not a Module.symvers line"),
    ("0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\nzz\tb\tvmlinux\tEXPORT_SYMBOL\t\n", "Module.symvers:2: bad CRC 'zz'"),
    ("0x1\ta\tvmlinux\tEXPORT_SYMBOL_NS\tX\n", "not a Module.symvers line"),
])
def test_a_damaged_symvers_line_is_named(text, message):
    with pytest.raises(symvers.SymversError, match=message):
        symvers.parse_symvers(text)
