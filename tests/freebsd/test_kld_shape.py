"""What the fixture klds are as ELF files: the file type and branding each FreeBSD loader
expects (amd64 ET_REL for link_elf_obj.c, i386 ET_DYN for link_elf.c), only relocation types
those loaders apply, every symbol local unless EXPORT_SYMS names it, and the kernel symbols
each module needs."""
from __future__ import annotations

import pytest
from elftools.elf.descriptions import describe_reloc_type
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection

from .conftest import ARCHES, COMPILERS, load_manifest

MANIFEST = load_manifest()
ALL = sorted(MANIFEST["files"])
BY_ARCH = {arch: [p for p in ALL if p.startswith(arch + "/")] for arch in ARCHES}

# link_elf_obj.c (amd64) applies 64, PC32, PLT32 and 32S among what these klds could hold;
# R_X86_64_32 and the GOT forms are not supported. link_elf.c (i386) applies RELATIVE, 32,
# GLOB_DAT and, through the PLT, JUMP_SLOT.
AMD64_RELOCS = {"R_X86_64_64", "R_X86_64_PC32", "R_X86_64_PLT32", "R_X86_64_32S"}
I386_RELOCS = {"R_386_RELATIVE", "R_386_32", "R_386_GLOB_DAT", "R_386_JUMP_SLOT"}

# What each module must import from the kernel (compilers may add memset/memcpy/memmove/memcmp
# calls for what they do not inline: <sys/systm.h> maps bzero/bcopy/mem* to the builtins).
NEEDS = {
    "fibo": {"make_dev", "destroy_dev", "uiomove", "printf", "module_register_init"},
    "echo": {"make_dev_s", "make_dev_args_init_impl", "destroy_dev", "devtoname", "uiomove",
             "uiomove_frombuf", "malloc", "free", "malloc_init", "malloc_uninit", "printf"},
    "cdev": {"make_dev", "destroy_dev", "devtoname", "uiomove", "uiomove_frombuf", "printf"},
    "sysctlmod": {"sysctl___debug", "sysctl_handle_int", "sysctl_handle_string", "printf"},
    "sysinits": {"malloc", "free", "malloc_init", "malloc_uninit", "strlcpy", "printf"},
    "depuser": {"depbase_answer", "printf", "module_register_init"},
}
COMPILER_HELPERS = {"memset", "memcpy", "memmove", "memcmp"}


def _facts(relpath: str):
    from .conftest import FIXTURE_DIR
    with open(FIXTURE_DIR / relpath, "rb") as f:
        elf = ELFFile(f)
        relocs = set()
        for sec in elf.iter_sections():
            # link_elf_obj.c keeps only the tables whose target is loaded (SHF_ALLOC);
            # .debug_* relocations are for debuggers.
            if isinstance(sec, RelocationSection) and (
                    elf.header["e_type"] == "ET_DYN" or elf.get_section(sec["sh_info"])["sh_flags"] & 0x2):
                relocs |= {describe_reloc_type(r["r_info_type"], elf) for r in sec.iter_relocations()}
        symtab = elf.get_section_by_name(".symtab")
        global_defined, undefined = set(), set()
        for sym in symtab.iter_symbols():
            if not sym.name or sym["st_info"]["bind"] == "STB_LOCAL":
                continue
            if sym["st_shndx"] == "SHN_UNDEF":
                if sym["st_info"]["bind"] == "STB_GLOBAL":
                    undefined.add(sym.name)
            elif not sym.name.startswith(("__start_set_", "__stop_set_")):
                global_defined.add(sym.name)
        # dynamic relocations that patch executable code (ET_DYN only)
        code = [(s["sh_addr"], s["sh_addr"] + s["sh_size"]) for s in elf.iter_sections()
                if s["sh_flags"] & 0x4]
        textrel = elf.header["e_type"] == "ET_DYN" and any(
            lo <= r["r_offset"] < hi for sec in elf.iter_sections() if isinstance(sec, RelocationSection)
            for r in sec.iter_relocations() for lo, hi in code)
        return {
            "header": dict(elf.header), "ident": dict(elf.header["e_ident"]),
            "sections": {s.name: s for s in elf.iter_sections()}, "relocs": relocs,
            "global_defined": global_defined, "undefined": undefined, "textrel": textrel,
            "text_size": elf.get_section_by_name(".text")["sh_size"],
        }


@pytest.mark.parametrize("relpath", BY_ARCH["x86_64"])
def test_amd64_klds_are_freebsd_branded_relocatable_objects(relpath):
    facts = _facts(relpath)
    assert facts["header"]["e_type"] == "ET_REL"
    assert facts["header"]["e_machine"] == "EM_X86_64"
    assert facts["ident"]["EI_OSABI"] == "ELFOSABI_FREEBSD"


@pytest.mark.parametrize("relpath", BY_ARCH["i386"])
def test_i386_klds_are_freebsd_branded_shared_objects(relpath):
    facts = _facts(relpath)
    assert facts["header"]["e_type"] == "ET_DYN"
    assert facts["header"]["e_machine"] == "EM_386"
    assert facts["ident"]["EI_OSABI"] == "ELFOSABI_FREEBSD"
    assert ".dynamic" in facts["sections"] and ".dynsym" in facts["sections"]


@pytest.mark.parametrize("relpath", BY_ARCH["x86_64"])
def test_amd64_klds_use_only_relocations_link_elf_obj_applies(relpath):
    assert _facts(relpath)["relocs"] <= AMD64_RELOCS


@pytest.mark.parametrize("relpath", BY_ARCH["i386"])
def test_i386_klds_use_only_relocations_link_elf_applies_and_leave_code_untouched(relpath):
    # -fPIC code needs no relocation; the read-only linker sets do (hence kmod.mk's -znotext)
    facts = _facts(relpath)
    assert facts["relocs"] <= I386_RELOCS
    assert "R_386_RELATIVE" in facts["relocs"]
    assert not facts["textrel"]


@pytest.mark.parametrize("relpath", BY_ARCH["x86_64"])
def test_amd64_code_and_read_only_data_are_page_padded_by_the_kmod_ldscript(relpath):
    facts = _facts(relpath)
    assert facts["text_size"] % 4096 == 0
    assert facts["sections"][".rodata"]["sh_size"] % 4096 == 0


@pytest.mark.parametrize("relpath", ALL)
def test_only_exported_symbols_stay_global(relpath):
    entry = MANIFEST["files"][relpath]
    exported = set(entry["export_syms"]) if entry["export_syms"] != "NO" else set()
    assert _facts(relpath)["global_defined"] == exported


@pytest.mark.parametrize("relpath", ALL)
def test_every_kld_carries_its_module_metadata_set_and_a_build_id(relpath):
    sections = _facts(relpath)["sections"]
    assert "set_modmetadata_set" in sections and "set_sysinit_set" in sections
    assert ".note.gnu.build-id" in sections


@pytest.mark.parametrize("relpath", ALL)
def test_debug_information_is_kept_only_in_the_g_build(relpath):
    has_debug = ".debug_info" in _facts(relpath)["sections"]
    assert has_debug == relpath.endswith("-g.ko")


@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("module", sorted(NEEDS))
def test_modules_import_the_kernel_interfaces_they_are_written_against(arch, compiler, module):
    undefined = _facts(f"{arch}/{compiler}/{module}.ko")["undefined"]
    assert NEEDS[module] <= undefined
    assert undefined - NEEDS[module] <= COMPILER_HELPERS | {"module_register_init"}


def _dynamic_symbols_and_tags(relpath: str) -> tuple[dict[str, str], set[str]]:
    from .conftest import FIXTURE_DIR
    with open(FIXTURE_DIR / relpath, "rb") as f:
        elf = ELFFile(f)
        dynsym = elf.get_section_by_name(".dynsym")
        symbols = {s.name: s["st_shndx"] for s in dynsym.iter_symbols() if s.name}
        tags = {t.entry.d_tag for t in elf.get_section_by_name(".dynamic").iter_tags()}
        sets = {s.name[len("set_"):] for s in elf.iter_sections() if s.name.startswith("set_")}
        return symbols, tags | {f"set:{name}" for name in sets}


@pytest.mark.parametrize("relpath", BY_ARCH["i386"])
def test_i386_klds_let_link_elf_find_their_linker_sets_through_the_hash_table(relpath):
    # link_elf_lookup_set looks up __start_set_<name>/__stop_set_<name> with the DT_HASH
    # table before the full symbol table is read, so they must be dynamic symbols.
    symbols, tags = _dynamic_symbols_and_tags(relpath)
    assert "DT_HASH" in tags
    sets = {t[len("set:"):] for t in tags if t.startswith("set:")}
    assert {"modmetadata_set", "sysinit_set"} <= sets
    for setname in sets:
        assert symbols[f"__start_set_{setname}"] != "SHN_UNDEF"
        assert symbols[f"__stop_set_{setname}"] != "SHN_UNDEF"


@pytest.mark.parametrize("compiler", COMPILERS)
def test_i386_depbase_exports_what_depuser_imports(compiler):
    provided, _ = _dynamic_symbols_and_tags(f"i386/{compiler}/depbase.ko")
    wanted, _ = _dynamic_symbols_and_tags(f"i386/{compiler}/depuser.ko")
    assert provided["depbase_answer"] != "SHN_UNDEF" and provided["depbase_calls"] != "SHN_UNDEF"
    assert wanted["depbase_answer"] == "SHN_UNDEF"


@pytest.mark.parametrize("relpath", ALL)
def test_no_kld_imports_bzero_or_bcopy_which_freebsd_14_makes_builtins(relpath):
    assert not _facts(relpath)["undefined"] & {"bzero", "bcopy", "bcmp"}
