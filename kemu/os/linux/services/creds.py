"""Kernel credentials for a module's own use (kernel/cred.c; 6.1): prepare_kernel_cred and
the release behind put_cred.

prepare_kernel_cred gives a new `struct cred` with one reference, a copy of init_cred, the
credentials of the kernel's own threads (kemu has no other tasks, so a `daemon` task given
has those too): every id root, SECUREBITS_DEFAULT, no inheritable capabilities and the full
set permitted, effective and bounding, the initial user namespace, user, groups and
ucounts, no keyrings, and jit_keyring set to the thread keyring as the kernel sets it. A
module holding a cred keeps keyrings in it (dns_resolver puts its ".dns_resolver" keyring
in thread_keyring); the inline put_cred drops the count and, at zero, calls __put_cred,
which drops the keyrings' references and frees the cred. A cred never put stays allocated,
charged to the module that asked for it, and shows as its leak.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("creds")

CAP_FULL_SET = (0xFFFFFFFF, 0x1FF)          # CAP_LAST_CAP 40: both u32 words of kernel_cap_t
KEY_REQKEY_DEFL_THREAD_KEYRING = 1
KEYRING_FIELDS = ("session_keyring", "process_keyring", "thread_keyring", "request_key_auth")
MAX_ERRNO = 4095


def _off(k, field: str) -> int:
    return k.linux.layout.offset("struct cred", field)


def _static(k, name: str, size: int = 64) -> int:
    """The address of one of the kernel's own objects init_cred points at: the exported data
    symbol when Debian exports it, else a kernel object kemu makes once."""
    addr = k.linux.data.get(name)
    if addr is not None:
        return addr
    made = k.linux.__dict__.setdefault("cred_statics", {})
    if name not in made:
        made[name] = k.machine.alloc("kdata", size, 16)
        k.machine.mem.write(made[name], bytes(size))
    return made[name]


@table.service("struct cred *prepare_kernel_cred(struct task_struct *daemon)", needs_call=True)
def prepare_kernel_cred(k, daemon: int, call=None) -> int:
    """A new cred copied from init_cred (see the module docstring)."""
    mem, word = k.machine.mem, k.machine.word_size
    size = k.linux.layout.size("struct cred")
    cred = k.heap.alloc(size, "cred_jar", zero=True, caller=call.return_address)
    mem.write_int(cred + _off(k, "usage"), word, 1)
    for field in ("cap_permitted", "cap_effective", "cap_bset"):
        mem.write_u32(cred + _off(k, field), CAP_FULL_SET[0])
        mem.write_u32(cred + _off(k, field) + 4, CAP_FULL_SET[1])
    mem.write_u8(cred + _off(k, "jit_keyring"), KEY_REQKEY_DEFL_THREAD_KEYRING)
    mem.write_ptr(cred + _off(k, "user_ns"), _static(k, "init_user_ns"))
    mem.write_ptr(cred + _off(k, "user"), _static(k, "root_user"))
    mem.write_ptr(cred + _off(k, "group_info"), _static(k, "init_groups"))
    mem.write_ptr(cred + _off(k, "ucounts"), _static(k, "init_ucounts"))
    return cred


@table.service("void __put_cred(struct cred *cred)")
def __put_cred(k, cred: int) -> None:
    """The last reference is gone: the keyrings it holds are put and the cred freed. A cred
    still referenced, or one kemu never made, is the kernel's BUG (reported, nothing freed)."""
    from .keys import keys
    mem, word = k.machine.mem, k.machine.word_size
    block = k.heap.block_containing(cred) if cred else None
    if block is None or block.addr != cred:
        k.linux.pr(f"kernel BUG at kernel/cred.c: __put_cred: {cred:#x} is not a cred", 0)
        return
    usage = mem.read_int(cred + _off(k, "usage"), word)
    if usage:
        k.linux.pr(f"kernel BUG at kernel/cred.c: __put_cred: cred {cred:#x} still has usage {usage}", 0)
        return
    reg = keys(k)
    for field in KEYRING_FIELDS:
        key = mem.read_ptr(cred + _off(k, field))
        if key and key < (1 << (8 * word)) - MAX_ERRNO:
            reg.put(key)
    k.heap.free(cred)
