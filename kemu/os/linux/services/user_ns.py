"""User and group ids through a user namespace (kernel/user_namespace.c, 6.1): make_kuid,
make_kgid, from_kuid, from_kgid. kemu has only init_user_ns, whose map is the identity over
0..4294967294, so an id maps to itself; (uid_t)-1 is INVALID_UID either way. kuid_t/kgid_t are
one-u32 structs returned in the result register."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("user_ns")


@table.service("unsigned int make_kuid(struct user_namespace *from, unsigned int uid)")
def make_kuid(k, from_: int, uid: int) -> int:
    """The kernel uid of `uid` in the namespace (identity in init_user_ns)."""
    return uid & 0xFFFFFFFF


@table.service("unsigned int make_kgid(struct user_namespace *from, unsigned int gid)")
def make_kgid(k, from_: int, gid: int) -> int:
    """The kernel gid of `gid` in the namespace (identity in init_user_ns)."""
    return gid & 0xFFFFFFFF


@table.service("unsigned int from_kuid(struct user_namespace *to, unsigned int kuid)")
def from_kuid(k, to: int, kuid: int) -> int:
    """The uid a kernel uid has in the namespace."""
    return kuid & 0xFFFFFFFF


@table.service("unsigned int from_kgid(struct user_namespace *to, unsigned int kgid)")
def from_kgid(k, to: int, kgid: int) -> int:
    """The gid a kernel gid has in the namespace."""
    return kgid & 0xFFFFFFFF
