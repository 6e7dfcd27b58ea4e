"""Kernel-side sockets (net/socket.c in Linux 6.1): what a protocol module opens for itself
(qrtr's name service, tipc's topology server).

* `sock_create_kern`: family outside 0..NPROTO-1 is -EAFNOSUPPORT, type outside
  0..SOCK_MAX-1 -EINVAL; a `struct socket` (in its socket_alloc with the inode) is made with
  sock->type, state SS_UNCONNECTED and an empty wait queue, then the family's
  `net_proto_family->create(net, sock, protocol, 1)` runs; on failure the socket is released
  and the error returned, else *res = sock. A family no module registered is -EAFNOSUPPORT.
  The families built into the kernel (AF_UNIX, AF_INET, AF_INET6, AF_NETLINK…) have no
  model in kemu: such a call is recorded as a call to a missing function (the corpus counts
  it as a fallback) and returns 0 with *res untouched, as the fallback stub did.
* `kernel_bind` / `kernel_getsockname` / `kernel_listen`: sock->ops->bind / ->getname(sock,
  addr, 0) / ->listen(sock, backlog); `kernel_sendmsg`: msg_iter set over the kvecs,
  then ->sendmsg(sock, msg, size).
* `sock_release`: ops->release(sock), then the socket is freed.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..list_head import init_list
from .net_pernet import _signed
from .net_socket import NPROTO, net_families

table = ServiceTable("net_kernel_sock")

SOCK_MAX = 11
SS_UNCONNECTED = 1


def unmodelled(k, call, name: str, why: str = "no model of this socket family") -> int:
    """Record a call kemu cannot carry out as the lenient fallback stub would, and return 0."""
    from kemu.kernel.missing_call import MissingCall
    ra = call.return_address
    mc = MissingCall(name, ra, tuple(call.args(4)), k.machine.symbolize(ra))
    k.missing_calls.append(mc)
    k.msgbuf.write(f"kemu: call to missing kernel function {name} from {mc.caller} "
                   f"({why}): returning 0\n")
    return 0


def _ops_fn(k, sock: int, name: str) -> int:
    lay, mem = k.linux.layout, k.machine.mem
    ops = mem.read_ptr(sock + lay.offset("struct socket", "ops"))
    return mem.read_ptr(ops + lay.offset("struct proto_ops", name)) if ops else 0


def _sockets(k) -> set[int]:
    return k.linux.__dict__.setdefault("kernel_sockets", set())


def release(k, sock: int) -> None:
    """sock_release: the family's release, then the socket_alloc block goes."""
    fn = _ops_fn(k, sock, "release")
    if fn:
        k.machine.call(fn, sock)
    _sockets(k).discard(sock)
    if sock in k.heap:
        k.heap.free(sock)


@table.service("int sock_create_kern(struct net *net, int family, int type, int protocol, "
               "struct socket **res)", needs_call=True)
def sock_create_kern(k, net: int, family: int, type_: int, protocol: int, res: int, call=None) -> int:
    """Create a kernel socket through its family's create()."""
    family, type_ = _signed(family), _signed(type_)
    if not 0 <= family < NPROTO:
        return -k.errno.EAFNOSUPPORT
    if not 0 <= type_ < SOCK_MAX:
        return -k.errno.EINVAL
    families = net_families(k)
    if family not in families:
        return -k.errno.EAFNOSUPPORT
    pf = families[family]
    if not pf:
        return unmodelled(k, call, "sock_create_kern")
    lay, mem = k.linux.layout, k.machine.mem
    sock = k.heap.alloc(lay.size("struct socket_alloc"), "sock_inode_cache", zero=True,
                        caller=call.return_address)
    mem.write_int(sock + lay.offset("struct socket", "type"), lay.field_size("struct socket", "type"), type_)
    mem.write_int(sock + lay.offset("struct socket", "state"), lay.field_size("struct socket", "state"),
                  SS_UNCONNECTED)
    init_list(k, sock + lay.offset("struct socket", "wq.wait.head"))
    _sockets(k).add(sock)
    create = mem.read_ptr(pf + lay.offset("struct net_proto_family", "create"))
    err = _signed(k.machine.call(create, net, sock, protocol, 1)) if create else -k.errno.EAFNOSUPPORT
    if err < 0:
        mem.write_ptr(sock + lay.offset("struct socket", "ops"), 0)   # create failed: no release
        release(k, sock)
        return err
    mem.write_ptr(res, sock)
    return 0


@table.service("int kernel_bind(struct socket *sock, struct sockaddr *addr, int addrlen)", needs_call=True)
def kernel_bind(k, sock: int, addr: int, addrlen: int, call=None) -> int:
    """sock->ops->bind(sock, addr, addrlen)."""
    if sock not in _sockets(k):
        return unmodelled(k, call, "kernel_bind")
    fn = _ops_fn(k, sock, "bind")
    return _signed(k.machine.call(fn, sock, addr, addrlen)) if fn else -k.errno.EOPNOTSUPP


@table.service("int kernel_getsockname(struct socket *sock, struct sockaddr *addr)", needs_call=True)
def kernel_getsockname(k, sock: int, addr: int, call=None) -> int:
    """sock->ops->getname(sock, addr, 0): the address length, or an error."""
    if sock not in _sockets(k):
        return unmodelled(k, call, "kernel_getsockname")
    fn = _ops_fn(k, sock, "getname")
    return _signed(k.machine.call(fn, sock, addr, 0)) if fn else -k.errno.EOPNOTSUPP


@table.service("int kernel_listen(struct socket *sock, int backlog)", needs_call=True)
def kernel_listen(k, sock: int, backlog: int, call=None) -> int:
    """sock->ops->listen(sock, backlog)."""
    if sock not in _sockets(k):
        return unmodelled(k, call, "kernel_listen")
    fn = _ops_fn(k, sock, "listen")
    return _signed(k.machine.call(fn, sock, backlog)) if fn else -k.errno.EOPNOTSUPP


#: enum iter_type of 6.1 (ITER_IOVEC, ITER_KVEC, ...); ITER_SOURCE is WRITE (1)
ITER_KVEC, ITER_SOURCE = 1, 1


def iov_iter_kvec(k, it: int, direction: int, kvec: int, nr_segs: int, count: int) -> None:
    """iov_iter_kvec: an iterator over `nr_segs` kernel buffers holding `count` bytes."""
    lay, mem = k.linux.layout, k.machine.mem

    def put(field: str, value: int) -> None:
        mem.write_int(it + lay.offset("struct iov_iter", field), lay.field_size("struct iov_iter", field), value)
    mem.write(it, bytes(lay.size("struct iov_iter")))
    put("iter_type", ITER_KVEC)
    put("data_source", direction)
    put("kvec", kvec)
    put("nr_segs", nr_segs)
    put("count", count)


@table.service("int kernel_sendmsg(struct socket *sock, struct msghdr *msg, struct kvec *vec, "
               "size_t num, size_t size)", needs_call=True)
def kernel_sendmsg(k, sock: int, msg: int, vec: int, num: int, size: int, call=None) -> int:
    """Send kernel buffers: msg->msg_iter over `vec`, then sock->ops->sendmsg(sock, msg, size)."""
    if sock not in _sockets(k):
        return unmodelled(k, call, "kernel_sendmsg")
    if not msg:
        k.linux.pr("BUG: kernel NULL pointer dereference: kernel_sendmsg with a NULL msghdr", 1)
        k.linux.add_taint("D")
        return -k.errno.EFAULT
    iov_iter_kvec(k, msg + k.linux.layout.offset("struct msghdr", "msg_iter"), ITER_SOURCE, vec, num, size)
    fn = _ops_fn(k, sock, "sendmsg")
    return _signed(k.machine.call(fn, sock, msg, size)) if fn else -k.errno.EOPNOTSUPP


@table.service("void sock_release(struct socket *sock)", needs_call=True)
def sock_release(k, sock: int, call=None) -> None:
    """Close a kernel socket (NULL ignored)."""
    if not sock:
        return
    if sock not in _sockets(k):
        unmodelled(k, call, "sock_release")
        return
    release(k, sock)
