"""The text search algorithm registry (lib/textsearch.c, 6.1): ts_kmp, ts_bm and ts_fsm
register their struct ts_ops; netfilter helpers (nf_conntrack_amanda, xt_string) ask for one
by name with textsearch_prepare and get a struct ts_config from its init.

The registry is kept here in registration order. Registering needs name, init, find,
get_pattern and get_pattern_len (-EINVAL) and a name not already taken (-EEXIST);
unregistering one that is not registered is -ENOENT. textsearch_prepare pins the
algorithm's module and calls its init; an unknown algorithm is ERR_PTR(-ENOENT): the kernel
would first try request_module("ts_<name>") with TS_AUTOLOAD, and kemu loads only the
modules it is asked to (as load_nls), so the algorithm's module must already be loaded.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from . import modref
from .memory import _free

table = ServiceTable("textsearch")

EINVAL, ENOENT, EEXIST = 22, 2, 17
REQUIRED = ("name", "init", "find", "get_pattern", "get_pattern_len")


def registry(k) -> list[int]:
    """The registered struct ts_ops, oldest first."""
    return k.linux.__dict__.setdefault("ts_ops", [])


def _field(k, struct: str, addr: int, name: str) -> int:
    return k.machine.mem.read_ptr(addr + k.linux.layout.offset(struct, name))


def _name(k, ops: int) -> bytes:
    return k.read_str(_field(k, "struct ts_ops", ops, "name"), 64)


def _err_ptr(k, errno: int) -> int:
    return -errno & ((1 << (8 * k.machine.word_size)) - 1)


@table.service("int textsearch_register(struct ts_ops *ops)")
def textsearch_register(k, ops: int) -> int:
    """Add a search algorithm: 0, -EINVAL if an operation or the name is missing, -EEXIST if
    the name is taken."""
    if any(not _field(k, "struct ts_ops", ops, f) for f in REQUIRED):
        return -EINVAL
    name = _name(k, ops)
    if any(_name(k, o) == name for o in registry(k)):
        return -EEXIST
    registry(k).append(ops)
    return 0


@table.service("int textsearch_unregister(struct ts_ops *ops)")
def textsearch_unregister(k, ops: int) -> int:
    """Remove a registered algorithm: 0, or -ENOENT if it is not registered."""
    if ops not in registry(k):
        return -ENOENT
    registry(k).remove(ops)
    return 0


@table.service("struct ts_config *textsearch_prepare(const char *algo, const void *pattern, unsigned int len, "
               "gfp_t gfp_mask, int flags)")
def textsearch_prepare(k, algo: int, pattern: int, len: int, gfp_mask: int, flags: int) -> int:
    """A search configuration for `pattern` from the named algorithm's init (its module
    pinned until textsearch_destroy); ERR_PTR(-EINVAL) for an empty pattern, (-ENOENT) for an
    algorithm not registered, or what init returned as an error."""
    if not len:
        return _err_ptr(k, EINVAL)
    name = k.read_str(algo, 64)
    ops = next((o for o in registry(k) if _name(k, o) == name), 0)
    owner = _field(k, "struct ts_ops", ops, "owner") if ops else 0
    if not ops or not modref.try_module_get(k, owner):
        return _err_ptr(k, ENOENT)
    conf = k.linux.call_kernel_word(_field(k, "struct ts_ops", ops, "init"), pattern, len, gfp_mask, flags,
                                    what=f"textsearch {name.decode('latin-1')}: init")
    conf &= (1 << (8 * k.machine.word_size)) - 1
    if conf >= _err_ptr(k, 4095):
        modref.module_put(k, owner)
        return conf
    k.machine.mem.write_ptr(conf + k.linux.layout.offset("struct ts_config", "ops"), ops)
    return conf


@table.service("void textsearch_destroy(struct ts_config *conf)", needs_call=True)
def textsearch_destroy(k, conf: int, call=None) -> None:
    """The algorithm's destroy (if any), its module unpinned, the configuration freed."""
    ops = _field(k, "struct ts_config", conf, "ops")
    if ops:
        destroy = _field(k, "struct ts_ops", ops, "destroy")
        if destroy:
            k.linux.call_kernel_pointer(destroy, conf, what="textsearch: destroy")
        modref.module_put(k, _field(k, "struct ts_ops", ops, "owner"))
    _free(k, conf, call)
