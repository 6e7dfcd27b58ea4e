"""What a .ko says about itself: .modinfo tags, __versions CRCs, the signature trailer, and
the exports in __ksymtab/__ksymtab_gpl (kernel/module/main.c's setup_load_info, check_modinfo,
check_version; include/linux/module.h)."""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

SIG_MAGIC = b"~Module signature appended~\n"
SIG_INFO_SIZE = 12          # struct module_signature: algo, hash, id_type, signer_len, key_id_len, pad[3], sig_len
#: licenses license_is_gpl_compatible() accepts
GPL_COMPATIBLE = ("GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL",
                  "Dual MPL/GPL")


def strip_signature(data: bytes) -> tuple[bytes, bool]:
    """(the module without its appended signature, whether it had one), as mod_verify_sig
    finds it: the marker at the very end, the sig_len big-endian before it."""
    if not data.endswith(SIG_MAGIC) or len(data) < len(SIG_MAGIC) + SIG_INFO_SIZE:
        return data, False
    body = data[:-len(SIG_MAGIC)]
    sig_len = struct.unpack(">I", body[-4:])[0]
    end = len(body) - SIG_INFO_SIZE - sig_len
    if end < 0:
        return data, False
    return body[:end], True


@dataclass
class ModInfo:
    """The .modinfo tags in file order (a tag may repeat: parm, alias, depends)."""
    tags: list[tuple[str, str]] = field(default_factory=list)

    def get(self, tag: str) -> str | None:
        for t, v in self.tags:
            if t == tag:
                return v
        return None

    def all(self, tag: str) -> list[str]:
        return [v for t, v in self.tags if t == tag]


def read_modinfo(obj) -> ModInfo:
    """The NUL-separated tag=value strings of .modinfo (none when the section is absent)."""
    sec = obj.section_by_name(".modinfo")
    info = ModInfo()
    if sec is None:
        return info
    for raw in obj.section_data(sec).split(b"\0"):
        if b"=" in raw:
            tag, value = raw.split(b"=", 1)
            info.tags.append((tag.decode("latin-1"), value.decode("latin-1")))
    return info


def read_versions(obj, word_size: int) -> dict[str, int] | None:
    """name -> CRC from __versions (struct modversion_info: unsigned long crc, char name[64 -
    sizeof(long)]); None when the module has no __versions section the kernel finds (find_sec
    sees allocated sections only: kmod's --force-modversion clears the flag)."""
    sec = obj.section_by_name("__versions")
    if sec is None or not sec.alloc:
        return None
    data, out = obj.section_data(sec), {}
    fmt = "<Q" if word_size == 8 else "<I"
    for i in range(0, len(data) - 63, 64):
        crc = struct.unpack_from(fmt, data, i)[0] & 0xFFFFFFFF
        name = data[i + word_size:i + 64].split(b"\0", 1)[0].decode("latin-1")
        out[name] = crc
    return out


@dataclass(frozen=True)
class ModuleExport:
    name: str
    addr: int
    gpl: bool
    crc: int | None
    namespace: str | None


def read_exports(mem, image, obj) -> list[ModuleExport]:
    """The exports of a placed module, from its relocated __ksymtab / __ksymtab_gpl (struct
    kernel_symbol with PC-relative offsets on x86: value, name, namespace) and the CRCs in
    __kcrctab / __kcrctab_gpl, entry for entry."""
    out = []
    for suffix, gpl in (("", False), ("_gpl", True)):
        tab = obj.section_by_name("__ksymtab" + suffix)
        if tab is None:
            continue
        base = image.section_address(tab.index)
        crcs = obj.section_by_name("__kcrctab" + suffix)
        crc_base = image.section_address(crcs.index) if crcs is not None else None
        for i in range(tab.size // 12):
            entry = base + 12 * i
            value_off, name_off, ns_off = struct.unpack("<iii", mem.read(entry, 12))
            name = mem.read_cstr(entry + 4 + name_off, 512).decode("latin-1")
            ns = mem.read_cstr(entry + 8 + ns_off, 512).decode("latin-1") if ns_off else ""
            crc = mem.read_u32(crc_base + 4 * i) if crc_base is not None else None
            out.append(ModuleExport(name, (entry + value_off) & ((1 << (8 * mem.word_size)) - 1),
                                    gpl, crc, ns or None))
    return out
