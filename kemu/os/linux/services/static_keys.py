"""Static keys and the jump labels they patch (kernel/jump_label.c,
arch/x86/kernel/jump_label.c in Linux 6.1).

`struct static_key.enabled` is the key's count: 0 off, > 0 on (the number of
static_key_slow_inc holders), -1 while being switched on. static_key_enable/disable switch
between 0 and 1 (a count already above 1 is 6.1's WARN_ON_ONCE), static_key_slow_inc/dec
count, a decrement below 0 is the kernel's "jump label: negative count!" WARN.

When a key goes from off to on or back, the kernel rewrites every `static_branch_*()` site
that tests it: each `struct jump_entry` of a module's `__jump_table` (code, target, key, all
relative to the entry; the key's low bit says the branch's default) names a 2- or 5-byte
instruction that becomes a `jmp target` when the key's state differs from that default and a
NOP otherwise. kemu patches the loaded modules' sites the same way, so a module's
static_branch_likely/unlikely() see the new state. A module loaded after a key changed gets
its sites of that key patched before its init runs, as jump_label_add_module does for every
site whose key's state differs from the key's declared type (the low bit of the word after
`enabled`: DEFINE_STATIC_KEY_TRUE or _FALSE); the kernel's own keys, zeroed in kemu, are off
and of type false, so their sites stay as compiled.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .kernel_pointer import kernel_struct

table = ServiceTable("static_keys")

JUMP_TABLE = "__jump_table"
JUMP_TYPE_TRUE = 1
JUMP_TYPE_MASK = 3
NOP2 = bytes([0x66, 0x90])
NOP5 = {"x86_64": bytes([0x0F, 0x1F, 0x44, 0x00, 0x00]), "i386": bytes([0x3E, 0x8D, 0x74, 0x26, 0x00])}
JMP8, JMP32 = 0xEB, 0xE9


def _enabled(k, key: int) -> int:
    kernel_struct(k, key, "struct static_key", "the static_key")
    v = k.machine.mem.read_u32(key + k.linux.layout.offset("struct static_key", "enabled"))
    return v - (1 << 32) if v & 0x80000000 else v


def _set(k, key: int, value: int) -> None:
    k.machine.mem.write_u32(key + k.linux.layout.offset("struct static_key", "enabled"), value & 0xFFFFFFFF)


def _warn(k, text: str) -> None:
    k.linux.pr("------------[ cut here ]------------", 4)
    k.linux.pr(text, 4)
    k.linux.add_taint("W")


def jump_entries(k, module) -> list[tuple[int, int, int, int]]:
    """(code, target, key, branch) for each entry of the module's __jump_table."""
    cached = module.os.get("jump_table")
    if cached is not None:
        return cached
    placement = next((p for p in module.image.placements if p.name == JUMP_TABLE and p.size), None)
    out = []
    if placement is not None:
        lay, mem = k.linux.layout, k.machine.mem
        size = lay.size("struct jump_entry")
        o_code, o_target = lay.offset("struct jump_entry", "code"), lay.offset("struct jump_entry", "target")
        o_key = lay.offset("struct jump_entry", "key")
        word = k.machine.word_size
        mask = (1 << (8 * word)) - 1
        for e in range(placement.addr, placement.addr + placement.size - size + 1, size):
            raw = mem.read(e, size)
            code = (e + o_code + int.from_bytes(raw[o_code:o_code + 4], "little", signed=True)) & mask
            target = (e + o_target + int.from_bytes(raw[o_target:o_target + 4], "little", signed=True)) & mask
            rel = int.from_bytes(raw[o_key:o_key + word], "little", signed=True)
            key = (e + o_key + rel) & mask
            out.append((code, target, key & ~JUMP_TYPE_MASK & mask, key & JUMP_TYPE_TRUE))
    module.os["jump_table"] = out
    return out


def _patch(k, code: int, target: int, jump: bool) -> None:
    """arch_jump_label_transform: the site's instruction becomes `jmp target` or a NOP of its size."""
    mem = k.machine.mem
    first = mem.read(code, 1)[0]
    size = 2 if first == JMP8 or mem.read(code, 2) == NOP2 else 5
    if jump:
        rel = target - (code + size)
        insn = bytes([JMP8]) + rel.to_bytes(1, "little", signed=True) if size == 2 else \
            bytes([JMP32]) + rel.to_bytes(4, "little", signed=True)
    else:
        insn = NOP2 if size == 2 else NOP5[k.linux.arch]
    mem.write(code, insn)
    k.machine.uc.ctl_remove_cache(code, code + size)       # translated code must see the patch


class JumpLabels:
    """Watches module loads once a key has changed (loader observer)."""

    def __init__(self, k) -> None:
        self.k = k
        k.loader.observers.append(self)

    def module_placed(self, module) -> None:
        """jump_label_add_module: sites whose key's state is not its declared type."""
        k = self.k
        for code, target, key, branch in jump_entries(k, module):
            on = _enabled(k, key) > 0
            if on != bool(_key_type(k, key)):
                _patch(k, code, target, on != bool(branch))


def _key_type(k, key: int) -> int:
    """static_key_type: JUMP_TYPE_TRUE in the low bits of the entries/type word."""
    word = k.machine.word_size
    at = key + k.linux.layout.size("struct static_key") - word
    return k.machine.mem.read_ptr(at) & JUMP_TYPE_TRUE


def _watch_loads(k) -> None:
    linux = k.linux
    if "jump_labels" not in linux.__dict__:
        linux.__dict__["jump_labels"] = JumpLabels(k)


def jump_label_update(k, key: int) -> int:
    """Rewrite every loaded module's sites of `key` for its current state; how many."""
    _watch_loads(k)
    on = _enabled(k, key) > 0
    n = 0
    for module in k.loader.modules:
        for code, target, entry_key, branch in jump_entries(k, module):
            if entry_key == key:
                _patch(k, code, target, on != bool(branch))
                n += 1
    return n


def enable(k, key: int) -> None:
    v = _enabled(k, key)
    if v > 0:
        if v != 1:
            _warn(k, f"WARNING: static_key_enable on key {k.machine.symbolize(key)} with count {v}")
        return
    _set(k, key, 1)
    jump_label_update(k, key)


def disable(k, key: int) -> None:
    v = _enabled(k, key)
    if v != 1:
        if v != 0:
            _warn(k, f"WARNING: static_key_disable on key {k.machine.symbolize(key)} with count {v}")
        return
    _set(k, key, 0)
    jump_label_update(k, key)


def slow_inc(k, key: int) -> None:
    v = _enabled(k, key)
    if v > 0:
        _set(k, key, v + 1)
        return
    _set(k, key, 1)
    jump_label_update(k, key)


def slow_dec(k, key: int) -> None:
    v = _enabled(k, key)
    if v <= 0:
        _warn(k, "jump label: negative count!")
        return
    _set(k, key, v - 1)
    if v == 1:
        jump_label_update(k, key)


@table.service("int static_key_count(struct static_key *key)")
def static_key_count(k, key: int) -> int:
    """The key's count (enabled)."""
    return _enabled(k, key)


@table.service("void static_key_enable(struct static_key *key)")
def static_key_enable(k, key: int) -> None:
    """Switch the key on (count 1) and patch its branch sites."""
    enable(k, key)


@table.service("void static_key_enable_cpuslocked(struct static_key *key)")
def static_key_enable_cpuslocked(k, key: int) -> None:
    """static_key_enable with the CPU hotplug lock already held."""
    enable(k, key)


@table.service("void static_key_disable(struct static_key *key)")
def static_key_disable(k, key: int) -> None:
    """Switch the key off (count 0) and patch its branch sites."""
    disable(k, key)


@table.service("void static_key_disable_cpuslocked(struct static_key *key)")
def static_key_disable_cpuslocked(k, key: int) -> None:
    """static_key_disable with the CPU hotplug lock already held."""
    disable(k, key)


@table.service("void static_key_slow_inc(struct static_key *key)")
def static_key_slow_inc(k, key: int) -> None:
    """One more user: the first switches the key on."""
    slow_inc(k, key)


@table.service("void static_key_slow_dec(struct static_key *key)")
def static_key_slow_dec(k, key: int) -> None:
    """One user fewer: the last switches the key off."""
    slow_dec(k, key)


@table.service("bool static_key_fast_inc_not_disabled(struct static_key *key)")
def static_key_fast_inc_not_disabled(k, key: int) -> int:
    """Count one more user only if the key is already on."""
    v = _enabled(k, key)
    if v <= 0 or v + 1 >= 1 << 31:
        return 0
    _set(k, key, v + 1)
    return 1
