"""DMI (SMBIOS) identification as drivers/firmware/dmi_scan.c gives it to modules in Linux 6.1.

The emulated machine is a QEMU q35 guest booted by SeaBIOS, and its SMBIOS tables say so:
type 0 (BIOS: SeaBIOS, its version and 04/01/2014), type 1 (system: QEMU, "Standard PC (Q35 +
ICH9, 2009)", the machine-type version; no serial, no UUID since none was given) and type 3
(chassis: QEMU, type 1 "Other"). QEMU writes no baseboard (type 2), OEM-string (type 11) or
onboard-device (type 10/41) structures by default, so the board fields are absent (NULL) and
the DMI device list is empty. `DMI_TABLE` holds what dmi_scan_machine() saved in dmi_ident[]:
a string for each field the tables carry, "" for a string index of 0, nothing for a field
the tables lack.

* dmi_check_system(list) walks the module's `struct dmi_system_id` table until an entry whose
  first match slot is DMI_NONE; an entry matches when each of its (up to 4) matches does:
  DMI_MATCH is a substring test, DMI_EXACT_MATCH a strcmp, DMI_OEM_STRING asks the device
  list; a field the machine lacks never matches. Each matching entry is counted and its
  callback called; a callback answering non-zero stops the walk. The count is returned.
* dmi_first_match(list): the first matching entry, or NULL; dmi_get_system_info(field): the
  saved string (a kernel pointer the module may keep) or NULL; dmi_match(field, str): strcmp
  with that string (two NULLs are equal); dmi_name_in_vendors(str): a substring of the system
  or board vendor; dmi_find_device(type, name, from): walks the DMI device list (a real
  list_head, empty on this machine) after `from`.

/sys/class/dmi/id/ (drivers/firmware/dmi-id.c) has a file for each field the tables carry,
named after it (sys_vendor, product_name, bios_date …); product_serial and product_uuid
are root-only there and left out here, as a user's `cat` would be refused them.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..kernel_state import state

table = ServiceTable("dmi")

# enum dmi_field (include/linux/mod_devicetable.h)
DMI_FIELDS = ("DMI_NONE", "DMI_BIOS_VENDOR", "DMI_BIOS_VERSION", "DMI_BIOS_DATE", "DMI_BIOS_RELEASE",
              "DMI_EC_FIRMWARE_RELEASE", "DMI_SYS_VENDOR", "DMI_PRODUCT_NAME", "DMI_PRODUCT_VERSION",
              "DMI_PRODUCT_SERIAL", "DMI_PRODUCT_UUID", "DMI_PRODUCT_SKU", "DMI_PRODUCT_FAMILY",
              "DMI_BOARD_VENDOR", "DMI_BOARD_NAME", "DMI_BOARD_VERSION", "DMI_BOARD_SERIAL",
              "DMI_BOARD_ASSET_TAG", "DMI_CHASSIS_VENDOR", "DMI_CHASSIS_TYPE", "DMI_CHASSIS_VERSION",
              "DMI_CHASSIS_SERIAL", "DMI_CHASSIS_ASSET_TAG", "DMI_STRING_MAX", "DMI_OEM_STRING")
FIELD = {name: i for i, name in enumerate(DMI_FIELDS)}
DMI_NONE = FIELD["DMI_NONE"]
DMI_STRING_MAX = FIELD["DMI_STRING_MAX"]
DMI_OEM_STRING = FIELD["DMI_OEM_STRING"]
DMI_DEV_TYPE_ANY = 0
DMI_DEV_TYPE_OEM_STRING = -2
MATCHES = 4                                  # struct dmi_system_id.matches[4]

#: dmi_ident[] of a QEMU 7.2 q35 guest under SeaBIOS (Debian bookworm's qemu-system-x86)
DMI_TABLE: dict[str, str] = {
    "DMI_BIOS_VENDOR": "SeaBIOS",
    "DMI_BIOS_VERSION": "1.16.2-debian-1.16.2-1",
    "DMI_BIOS_DATE": "04/01/2014",
    "DMI_BIOS_RELEASE": "0.0",
    "DMI_SYS_VENDOR": "QEMU",
    "DMI_PRODUCT_NAME": "Standard PC (Q35 + ICH9, 2009)",
    "DMI_PRODUCT_VERSION": "pc-q35-7.2",
    "DMI_PRODUCT_SERIAL": "",
    "DMI_PRODUCT_SKU": "",
    "DMI_PRODUCT_FAMILY": "",
    "DMI_CHASSIS_VENDOR": "QEMU",
    "DMI_CHASSIS_TYPE": "1",
    "DMI_CHASSIS_VERSION": "pc-q35-7.2",
    "DMI_CHASSIS_SERIAL": "",
    "DMI_CHASSIS_ASSET_TAG": "",
}


class Dmi:
    """dmi_ident[] as kernel strings, and the (empty) DMI device list."""

    def __init__(self, linux) -> None:
        self.linux = linux
        m = linux.machine
        self.text: dict[int, str] = {FIELD[name]: value for name, value in DMI_TABLE.items()}
        self.ident: dict[int, int] = {}
        for slot, value in sorted(self.text.items()):
            raw = value.encode() + b"\0"
            addr = m.alloc("kdata", len(raw), 1)
            m.mem.write(addr, raw)
            self.ident[slot] = addr
        self.devices = m.alloc("kdata", 2 * m.word_size, m.word_size)     # LIST_HEAD(dmi_devices)
        m.mem.write_ptr(self.devices, self.devices)
        m.mem.write_ptr(self.devices + m.word_size, self.devices)
        available = linux.data.get("dmi_available")
        if available is not None:
            m.mem.write_u32(available, 1)

    # --- dmi_ident ---------------------------------------------------------------------------
    def info(self, field: int) -> str | None:
        return self.text.get(field) if 0 <= field < DMI_STRING_MAX else None

    # --- the device list ---------------------------------------------------------------------
    def find_device(self, dev_type: int, name: bytes | None, start: int) -> int:
        """The next dmi_device after the list node `start` of that type (ANY: all) and name."""
        lay, mem = self.linux.layout, self.linux.machine.mem
        node = mem.read_ptr(start)
        while node != self.devices:
            dev = node - lay.offset("struct dmi_device", "list")
            t = mem.read_int(dev + lay.offset("struct dmi_device", "type"), 4, signed=True)
            if dev_type in (DMI_DEV_TYPE_ANY, t):
                if name is None or self.linux.kernel.read_str(
                        mem.read_ptr(dev + lay.offset("struct dmi_device", "name")), 256) == name:
                    return dev
            node = mem.read_ptr(node)
        return 0

    # --- struct dmi_system_id tables ---------------------------------------------------------
    def _strmatch(self, entry: int, i: int) -> tuple[int, bool, bytes]:
        lay, mem = self.linux.layout, self.linux.machine.mem
        at = entry + lay.offset("struct dmi_system_id", "matches") + i * lay.size("struct dmi_strmatch")
        head = mem.read_u8(at)                   # slot:7, exact_match:1 (gcc's little-endian bitfields)
        substr = mem.read(at + lay.offset("struct dmi_strmatch", "substr"),
                          lay.field_size("struct dmi_strmatch", "substr"))
        return head & 0x7F, bool(head & 0x80), substr.split(b"\0", 1)[0]

    def end_of_table(self, entry: int) -> bool:
        return self._strmatch(entry, 0)[0] == DMI_NONE

    def matches(self, entry: int) -> bool:
        """dmi_matches(): every used slot of the entry agrees with the machine."""
        for i in range(MATCHES):
            slot, exact, substr = self._strmatch(entry, i)
            if slot == DMI_NONE:
                break
            if slot == DMI_OEM_STRING:
                if self.find_device(DMI_DEV_TYPE_OEM_STRING, substr, self.devices):
                    continue
                return False
            have = self.info(slot)
            if have is None:
                return False
            have_b = have.encode()
            if not (have_b == substr if exact else substr in have_b):
                return False
        return True

    def entries(self, table_addr: int):
        """The entries of a module's table, up to its terminating empty entry."""
        size = self.linux.layout.size("struct dmi_system_id")
        entry = table_addr
        while not self.end_of_table(entry):
            yield entry
            entry += size


#: dmi-id.c's attribute names for the fields it shows to everyone
SYSFS_NAMES = {name[len("DMI_"):].lower(): FIELD[name] for name in DMI_FIELDS[1:DMI_STRING_MAX]
               if name not in ("DMI_PRODUCT_SERIAL", "DMI_PRODUCT_UUID", "DMI_BOARD_SERIAL",
                               "DMI_CHASSIS_SERIAL")}


def sysfs_read(system, name: str) -> str | None:
    """The text of /sys/class/dmi/id/NAME, or None when there is no such file."""
    field = SYSFS_NAMES.get(name)
    value = dmi(system.kernel).info(field) if field is not None else None
    return None if value is None else value + "\n"


def dmi(k) -> Dmi:
    return state(k, "dmi", Dmi)


@table.service("int dmi_check_system(const struct dmi_system_id *list)")
def dmi_check_system(k, list_: int) -> int:
    """Count the entries matching this machine, calling each one's callback; a callback that
    answers non-zero ends the walk."""
    d = dmi(k)
    count = 0
    lay = k.linux.layout
    for entry in list(d.entries(list_)):
        if d.matches(entry):
            count += 1
            fn = k.machine.mem.read_ptr(entry + lay.offset("struct dmi_system_id", "callback"))
            if fn and k.linux.call_kernel_pointer(fn, entry, what="dmi_check_system: callback"):
                break
    return count


@table.service("const struct dmi_system_id *dmi_first_match(const struct dmi_system_id *list)")
def dmi_first_match(k, list_: int) -> int:
    """The first entry matching this machine, or NULL."""
    d = dmi(k)
    return next((e for e in d.entries(list_) if d.matches(e)), 0)


@table.service("const char *dmi_get_system_info(int field)")
def dmi_get_system_info(k, field: int) -> int:
    """dmi_ident[field]: the saved string, or NULL for a field this machine's tables lack."""
    d = dmi(k)
    return d.ident.get(field, 0) if 0 <= field < DMI_STRING_MAX else 0


@table.service("bool dmi_match(enum dmi_field f, const char *str)")
def dmi_match(k, field: int, str_: int) -> int:
    """strcmp of dmi_ident[f] with `str`; a NULL on either side matches only a NULL."""
    info = dmi(k).info(field)
    if info is None or not str_:
        return int(info is None and not str_)
    return int(k.read_str(str_, 256) == info.encode())


@table.service("int dmi_name_in_vendors(const char *str)")
def dmi_name_in_vendors(k, str_: int) -> int:
    """1 when `str` is part of the system or board vendor string."""
    d = dmi(k)
    needle = k.read_str(str_, 256)
    for field in (FIELD["DMI_SYS_VENDOR"], FIELD["DMI_BOARD_VENDOR"]):
        info = d.info(field)
        if info is not None and needle in info.encode():
            return 1
    return 0


@table.service("const struct dmi_device *dmi_find_device(int type, const char *name, "
               "const struct dmi_device *from)")
def dmi_find_device(k, dev_type: int, name: int, from_: int) -> int:
    """The next DMI device (after `from`, else the first) of `type` (DMI_DEV_TYPE_ANY: any)
    named `name` (NULL: any name), or NULL."""
    d = dmi(k)
    lay = k.linux.layout
    start = from_ + lay.offset("struct dmi_device", "list") if from_ else d.devices
    dev_type = dev_type - (1 << 32) if dev_type >= 0x80000000 else dev_type
    return d.find_device(dev_type, k.read_str(name, 256) if name else None, start)
