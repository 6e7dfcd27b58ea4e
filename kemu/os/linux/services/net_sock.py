"""The life of a `struct sock` (net/core/sock.c in Linux 6.1): what a protocol family's
create() does for the sockets kemu's kernel sockets (net_kernel_sock.py) hand it.

* `sk_alloc(net, family, gfp, prot, kern)`: a zeroed object of `prot->obj_size` bytes, from
  `prot->slab` when proto_register made one (net_protocols.py), else kmalloc; sk_family,
  sk_prot and sk_prot_creator, sk_net set, sk_wmem_alloc 1 (the reference sk_free drops),
  the tx queue mapping cleared. The block is charged to the caller: a sock never freed is a
  leak at unload. (sk_kern_sock / sk_net_refcnt are bitfields the layout cannot measure; kemu
  has one namespace that never goes, so the net reference they decide is not modelled.)
* `sock_init_data(sock, sk)`: the three skb queues empty, the timer set up, GFP_KERNEL,
  rcvbuf/sndbuf at the sysctl defaults, state TCP_CLOSE, SOCK_ZAPPED, the socket linked both
  ways (type, sk_wq = &sock->wq, sock->sk), the default callbacks (sock_def_readable & co,
  which wake the socket's wait queue), peek_off -1, rcvlowat 1, timeouts
  MAX_SCHEDULE_TIMEOUT, pacing rates unlimited, sk_refcnt 1.
* `sk_free(sk)`: drops the sk_wmem_alloc reference; the last one runs sk->sk_destruct and
  gives the object back to its cache. `sk_common_release(sk)`: prot->destroy, prot->unhash,
  sock_orphan, then the sk_refcnt reference goes (sock_put: sk_free at zero).
* `lock_sock_nested` / `release_sock`: the socket's owner lock, sk_lock.owned set while held
  (one CPU: taking it owned is a deadlock, reported as a WARN); release runs the backlog
  (kemu queues none).
A sock that did not come from sk_alloc gets a clear error, never a corrupted heap.
"""
from __future__ import annotations

from typing import Callable

from kemu.kernel import ServiceTable

from .net_pernet import _signed
from .wait import wake_up_common

table = ServiceTable("net_sock")

GFP_KERNEL = 0xCC0
#: net.core.rmem_default / wmem_default: SK_RMEM_MAX / SK_WMEM_MAX = 212992 in 6.1
SYSCTL_RMEM_DEFAULT = SYSCTL_WMEM_DEFAULT = 212992
TCP_CLOSE = 7
SOCK_DEAD, SOCK_ZAPPED = 0, 8
NO_QUEUE_MAPPING = 0xFFFF
TASK_INTERRUPTIBLE = 1
EPOLLIN, EPOLLPRI, EPOLLOUT, EPOLLERR = 0x1, 0x2, 0x4, 0x8
EPOLLRDNORM, EPOLLRDBAND, EPOLLWRNORM, EPOLLWRBAND = 0x40, 0x80, 0x100, 0x200


class Sk:
    """Field access for one struct sock (names without the "struct sock" prefix)."""

    def __init__(self, k, sk: int) -> None:
        self.k, self.sk = k, sk
        self.lay, self.mem = k.linux.layout, k.machine.mem

    def addr(self, name: str) -> int:
        return self.sk + self.lay.offset("struct sock", name)

    def get(self, name: str) -> int:
        return self.mem.read_int(self.addr(name), self.lay.field_size("struct sock", name))

    def set(self, name: str, value: int) -> None:
        size = self.lay.field_size("struct sock", name)
        self.mem.write_int(self.addr(name), size, value & ((1 << (8 * size)) - 1))

    def set_flag(self, bit: int) -> None:
        self.set("__sk_common.skc_flags", self.get("__sk_common.skc_flags") | (1 << bit))


def socks(k) -> dict[int, dict]:
    """struct sock address -> {"prot", "slab"} for every sock sk_alloc made and not yet freed."""
    return k.linux.__dict__.setdefault("sk_objects", {})


def _bad_sock(k, fn: str, sk: int) -> None:
    k.linux.pr(f"kemu: {fn}: {sk:#x} is not a struct sock sk_alloc made (freed already or garbage)", 3)
    k.linux.add_taint("W")


# --- the default callbacks sock_init_data installs (net/core/sock.c) ------------------------------
def _wq_head(k, sk: int) -> int:
    """&sk->sk_wq->wait, or 0 when the sock has no socket (orphaned, or made without one)."""
    wq = Sk(k, sk).get("sk_wq")
    if not wq:
        return 0
    lay = k.linux.layout
    head_in_socket = lay.offset("struct socket", "wq.wait.head") - lay.offset("struct socket", "wq")
    return wq + head_in_socket - lay.offset("struct wait_queue_head", "head")


def _wake(k, sk: int, key: int) -> None:
    head = _wq_head(k, sk)
    if head:
        wake_up_common(k, head, TASK_INTERRUPTIBLE, 1, 0, key)


def _sock_def_wakeup(k, sk: int) -> None:
    """sk_state_change: wake every sleeper on the socket."""
    head = _wq_head(k, sk)
    if head:
        wake_up_common(k, head, TASK_INTERRUPTIBLE, 0, 0, 0)


def _sock_def_readable(k, sk: int) -> None:
    """sk_data_ready: wake a reader (EPOLLIN | EPOLLPRI | EPOLLRDNORM | EPOLLRDBAND)."""
    _wake(k, sk, EPOLLIN | EPOLLPRI | EPOLLRDNORM | EPOLLRDBAND)


def _sock_def_write_space(k, sk: int) -> None:
    """sk_write_space: wake a writer once at least half the send buffer is free."""
    s = Sk(k, sk)
    if 2 * _signed(s.get("sk_wmem_alloc")) <= _signed(s.get("sk_sndbuf")):
        _wake(k, sk, EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND)


def _sock_def_error_report(k, sk: int) -> None:
    """sk_error_report: wake a sleeper with EPOLLERR."""
    _wake(k, sk, EPOLLERR)


def _sock_def_destruct(k, sk: int) -> None:
    """sk_destruct: nothing of its own (sk_free releases the object)."""


_DEFAULTS: dict[str, Callable] = {
    "sk_state_change": _sock_def_wakeup, "sk_data_ready": _sock_def_readable,
    "sk_write_space": _sock_def_write_space, "sk_error_report": _sock_def_error_report,
    "sk_destruct": _sock_def_destruct,
}


def default_callback(k, field: str) -> int:
    """Address of the kernel's default for callback `field` (a stub made once per kernel;
    these functions are not exported, so they get no symbol)."""
    stubs = k.linux.__dict__.setdefault("sock_default_callbacks", {})
    if field not in stubs:
        fn = _DEFAULTS[field]
        stubs[field] = k.machine.add_stub(fn.__name__.lstrip("_"),
                                          lambda call, fn=fn: fn(k, call.args(1)[0]) or 0, abi=k.abi)
    return stubs[field]


# --- allocation and release ----------------------------------------------------------------------
@table.service("struct sock *sk_alloc(struct net *net, int family, gfp_t priority, struct proto *prot, int kern)",
               needs_call=True)
def sk_alloc(k, net: int, family: int, priority: int, prot: int, kern: int, call=None) -> int:
    """A new sock of protocol `prot`, zeroed, with one sk_wmem_alloc reference; NULL for a
    NULL proto (the kernel would oops reading prot->slab: reported)."""
    if not prot:
        k.linux.pr("BUG: kernel NULL pointer dereference: sk_alloc with a NULL struct proto", 1)
        k.linux.add_taint("D")
        return 0
    lay, mem = k.linux.layout, k.machine.mem
    size = mem.read_u32(prot + lay.offset("struct proto", "obj_size"))
    slab = mem.read_ptr(prot + lay.offset("struct proto", "slab"))
    name = mem.read_cstr(prot + lay.offset("struct proto", "name"), 32).decode("latin-1")
    tag = f"kmem_cache {name}" if slab else "kmalloc"
    sk = k.heap.alloc(max(size, lay.size("struct sock")), tag, zero=True, caller=call.return_address)
    s = Sk(k, sk)
    s.set("__sk_common.skc_family", family)
    s.set("__sk_common.skc_prot", prot)
    s.set("sk_prot_creator", prot)
    s.set("__sk_common.skc_net", net)
    s.set("sk_wmem_alloc", 1)
    s.set("__sk_common.skc_tx_queue_mapping", NO_QUEUE_MAPPING)
    socks(k)[sk] = {"prot": prot, "slab": slab, "kern": bool(kern & 0xFFFFFFFF)}
    return sk


def _init_queue(k, head: int) -> None:
    """skb_queue_head_init: an empty sk_buff_head (next = prev = itself, qlen 0)."""
    mem, lay = k.machine.mem, k.linux.layout
    mem.write(head, bytes(lay.size("struct sk_buff_head")))
    mem.write_ptr(head + lay.offset("struct sk_buff_head", "next"), head)
    mem.write_ptr(head + lay.offset("struct sk_buff_head", "prev"), head)


@table.service("void sock_init_data(struct socket *sock, struct sock *sk)")
def sock_init_data(k, sock: int, sk: int) -> None:
    """Give a fresh sock its defaults and tie it to `sock` (which may be NULL)."""
    if not sk:
        k.linux.pr("BUG: kernel NULL pointer dereference: sock_init_data with a NULL sock", 1)
        k.linux.add_taint("D")
        return
    lay, mem, word = k.linux.layout, k.machine.mem, k.machine.word_size
    s = Sk(k, sk)
    for q in ("sk_receive_queue", "sk_write_queue", "sk_error_queue"):
        _init_queue(k, s.addr(q))
    timer = s.addr("sk_timer")
    mem.write(timer, bytes(lay.size("struct timer_list")))
    s.set("sk_allocation", GFP_KERNEL)
    s.set("sk_rcvbuf", SYSCTL_RMEM_DEFAULT)
    s.set("sk_sndbuf", SYSCTL_WMEM_DEFAULT)
    s.set("__sk_common.skc_state", TCP_CLOSE)
    s.set("sk_socket", sock)
    s.set_flag(SOCK_ZAPPED)
    if sock:
        s.set("sk_type", mem.read_u16(sock + lay.offset("struct socket", "type")))
        s.set("sk_wq", sock + lay.offset("struct socket", "wq"))
        mem.write_ptr(sock + lay.offset("struct socket", "sk"), sk)
    else:
        s.set("sk_wq", 0)
    s.set("sk_uid", 0)                                   # root: kemu's only user
    for field in _DEFAULTS:
        s.set(field, default_callback(k, field))
    mem.write(s.addr("sk_frag"), bytes(lay.field_size("struct sock", "sk_frag")))
    s.set("sk_peek_off", -1)
    s.set("sk_write_pending", 0)
    s.set("sk_rcvlowat", 1)
    max_timeout = (1 << (8 * word - 1)) - 1              # MAX_SCHEDULE_TIMEOUT = LONG_MAX
    s.set("sk_rcvtimeo", max_timeout)
    s.set("sk_sndtimeo", max_timeout)
    s.set("sk_max_pacing_rate", -1)
    s.set("sk_pacing_rate", -1)
    s.set("sk_pacing_shift", 10)
    s.set("__sk_common.skc_incoming_cpu", -1)
    s.set("__sk_common.skc_rx_queue_mapping", NO_QUEUE_MAPPING)
    s.set("__sk_common.skc_refcnt", 1)
    s.set("sk_drops", 0)


def free_sock(k, sk: int) -> None:
    """__sk_free: the sock's destructor, then the object goes back to its cache."""
    info = socks(k).pop(sk)
    destruct = Sk(k, sk).get("sk_destruct")
    if destruct:
        k.linux.call_kernel_pointer(destruct, sk, what="sk_destruct")
    if Sk(k, sk).get("sk_omem_alloc"):
        k.linux.pr(f"__sk_destruct: optmem leakage ({Sk(k, sk).get('sk_omem_alloc')} bytes) detected", 7)
    del info
    if sk in k.heap:
        k.heap.free(sk)


def drop_ref(k, sk: int, field: str, amount: int = 1) -> int:
    """refcount_sub_and_test on one of the sock's counts: what is left (below zero: 6.1's
    refcount_t underflow WARN, and nothing is freed)."""
    s = Sk(k, sk)
    left = _signed(s.get(field)) - amount
    s.set(field, max(left, 0))
    if left < 0:
        k.linux.pr(f"refcount_t: underflow; use-after-free. (sock {sk:#x} {field.split('.')[-1]})", 4)
        k.linux.add_taint("W")
    return left


@table.service("void sk_free(struct sock *sk)")
def sk_free(k, sk: int) -> None:
    """Drop the sk_wmem_alloc reference sk_alloc took; free the sock on the last one."""
    if sk not in socks(k):
        _bad_sock(k, "sk_free", sk)
        return
    if drop_ref(k, sk, "sk_wmem_alloc") == 0:
        free_sock(k, sk)


def sock_put(k, sk: int) -> None:
    """sock_put: drop an sk_refcnt reference, sk_free at zero."""
    if drop_ref(k, sk, "__sk_common.skc_refcnt") == 0:
        sk_free(k, sk)


def sock_orphan(k, sk: int) -> None:
    """sock_orphan: SOCK_DEAD, no socket, no wait queue."""
    s = Sk(k, sk)
    s.set_flag(SOCK_DEAD)
    s.set("sk_socket", 0)
    s.set("sk_wq", 0)


@table.service("void sk_common_release(struct sock *sk)")
def sk_common_release(k, sk: int) -> None:
    """The release a simple protocol does: destroy, unhash, orphan, drop the last reference."""
    if sk not in socks(k):
        _bad_sock(k, "sk_common_release", sk)
        return
    lay, mem = k.linux.layout, k.machine.mem
    prot = Sk(k, sk).get("__sk_common.skc_prot")
    for hook in ("destroy", "unhash"):
        fn = mem.read_ptr(prot + lay.offset("struct proto", hook)) if prot else 0
        if fn:
            k.linux.call_kernel_pointer(fn, sk, what=f"proto {hook}")
    sock_orphan(k, sk)
    sock_put(k, sk)


# --- the socket lock (net/core/sock.c lock_sock_nested / release_sock) ---------------------------
def _owned(k) -> set[int]:
    return k.linux.__dict__.setdefault("sock_owned", set())


@table.service("void lock_sock_nested(struct sock *sk, int subclass)")
def lock_sock_nested(k, sk: int, subclass: int) -> None:
    """Take ownership of the socket (lock_sock); owned already is a deadlock on one CPU: WARN."""
    if sk in _owned(k):
        k.linux.pr(f"WARNING: possible recursive locking detected: sk_lock-AF_? of sock {sk:#x}", 4)
        k.linux.add_taint("W")
        return
    _owned(k).add(sk)
    if sk in socks(k):
        Sk(k, sk).set("sk_lock.owned", 1)               # what sock_owned_by_user() reads inline


@table.service("void release_sock(struct sock *sk)")
def release_sock(k, sk: int) -> None:
    """Give up ownership of the socket (the backlog is empty: kemu delivers no packets)."""
    if sk not in _owned(k):
        k.linux.pr(f"WARNING: bad unlock balance detected: release_sock of sock {sk:#x} not owned", 4)
        k.linux.add_taint("W")
        return
    _owned(k).discard(sk)
    if sk in socks(k):
        Sk(k, sk).set("sk_lock.owned", 0)


# --- skbs owned by a sock (net/core/sock.c) -------------------------------------------------------
def _skb_get(k, skb: int, field: str) -> int:
    lay = k.linux.layout
    return k.machine.mem.read_int(skb + lay.offset("struct sk_buff", field), lay.field_size("struct sk_buff", field))


def _skb_set(k, skb: int, field: str, value: int) -> None:
    lay = k.linux.layout
    size = lay.field_size("struct sk_buff", field)
    k.machine.mem.write_int(skb + lay.offset("struct sk_buff", field), size, value & ((1 << (8 * size)) - 1))


def _skb_orphan(k, skb: int) -> None:
    """skb_orphan: run the current owner's destructor and forget the owner."""
    destructor = _skb_get(k, skb, "destructor")
    if destructor:
        k.linux.call_kernel_pointer(destructor, skb, what="skb destructor")
        _skb_set(k, skb, "destructor", 0)
    _skb_set(k, skb, "sk", 0)


@table.service("void sock_wfree(struct sk_buff *skb)")
def sock_wfree(k, skb: int) -> None:
    """Destructor of a send skb: its truesize leaves sk_wmem_alloc (the writer is woken);
    the sock goes if that was the last of it."""
    sk = _skb_get(k, skb, "sk")
    if sk not in socks(k):
        _bad_sock(k, "sock_wfree", sk)
        return
    left = drop_ref(k, sk, "sk_wmem_alloc", _skb_get(k, skb, "truesize"))
    if left > 0:
        write_space = Sk(k, sk).get("sk_write_space")
        if write_space:
            k.linux.call_kernel_pointer(write_space, sk, what="sk_write_space")
    elif left == 0:
        free_sock(k, sk)


@table.service("void skb_set_owner_w(struct sk_buff *skb, struct sock *sk)")
def skb_set_owner_w(k, skb: int, sk: int) -> None:
    """Charge a send skb to `sk`: its truesize joins sk_wmem_alloc until sock_wfree."""
    if sk not in socks(k):
        _bad_sock(k, "skb_set_owner_w", sk)
        return
    _skb_orphan(k, skb)
    _skb_set(k, skb, "sk", sk)
    _skb_set(k, skb, "destructor", k.installed["sock_wfree"][1])
    s = Sk(k, sk)
    s.set("sk_wmem_alloc", _signed(s.get("sk_wmem_alloc")) + _skb_get(k, skb, "truesize"))


@table.service("void sock_rfree(struct sk_buff *skb)")
def sock_rfree(k, skb: int) -> None:
    """Destructor of a received skb: its truesize leaves sk_rmem_alloc."""
    sk = _skb_get(k, skb, "sk")
    if sk not in socks(k):
        _bad_sock(k, "sock_rfree", sk)
        return
    s = Sk(k, sk)
    s.set("sk_backlog.rmem_alloc", _signed(s.get("sk_backlog.rmem_alloc")) - _skb_get(k, skb, "truesize"))


#: enum skb_drop_reason in 6.1: SKB_NOT_DROPPED_YET, SOCKET_FILTER, SOCKET_RCVBUFF, PROTO_MEM
SKB_NOT_DROPPED_YET, SKB_DROP_REASON_SOCKET_RCVBUFF = 0, 4


@table.service("int sock_queue_rcv_skb_reason(struct sock *sk, struct sk_buff *skb, "
               "enum skb_drop_reason *reason)")
def sock_queue_rcv_skb_reason(k, sk: int, skb: int, reason: int) -> int:
    """Queue an skb on the sock's receive queue and tell the reader (sk_data_ready); a full
    receive buffer (sk_rmem_alloc >= sk_rcvbuf) is -ENOMEM, the drop counted, the skb left to
    the caller. kemu has no socket filters and no protocol memory accounting."""
    if sk not in socks(k):
        _bad_sock(k, "sock_queue_rcv_skb_reason", sk)
        return -k.errno.EINVAL
    s = Sk(k, sk)
    err, why = 0, SKB_NOT_DROPPED_YET
    if _signed(s.get("sk_backlog.rmem_alloc")) >= _signed(s.get("sk_rcvbuf")):
        s.set("sk_drops", s.get("sk_drops") + 1)
        err, why = -k.errno.ENOMEM, SKB_DROP_REASON_SOCKET_RCVBUFF
    else:
        from .skbuff import skb_queue_tail
        _skb_set(k, skb, "dev", 0)
        _skb_orphan(k, skb)
        _skb_set(k, skb, "sk", sk)
        _skb_set(k, skb, "destructor", k.installed["sock_rfree"][1])
        s.set("sk_backlog.rmem_alloc", _signed(s.get("sk_backlog.rmem_alloc")) + _skb_get(k, skb, "truesize"))
        skb_queue_tail(k, s.addr("sk_receive_queue"), skb)
        if not s.get("__sk_common.skc_flags") & (1 << SOCK_DEAD):
            ready = s.get("sk_data_ready")
            if ready:
                k.linux.call_kernel_pointer(ready, sk, what="sk_data_ready")
    if reason:
        k.machine.mem.write_u32(reason, why)
    return err


# --- the sock's timer (net/core/sock.c sk_reset_timer / sk_stop_timer) ----------------------------
@table.service("void sk_reset_timer(struct sock *sk, struct timer_list *timer, unsigned long expires)",
               needs_call=True)
def sk_reset_timer(k, sk: int, timer: int, expires: int, call=None) -> None:
    """Arm a sock timer; arming one that was not pending takes a sock reference."""
    from .timers import mod_timer
    if not mod_timer(k, timer, expires, call=call):
        s = Sk(k, sk)
        s.set("__sk_common.skc_refcnt", s.get("__sk_common.skc_refcnt") + 1)


@table.service("void sk_stop_timer(struct sock *sk, struct timer_list *timer)")
def sk_stop_timer(k, sk: int, timer: int) -> None:
    """Disarm a sock timer; one that was pending gives its sock reference back."""
    from .timers import timer_delete
    if timer_delete(k, timer):
        sock_put(k, sk)


SEND_SHUTDOWN = 2


@table.service("struct sk_buff *sock_alloc_send_pskb(struct sock *sk, unsigned long header_len, "
               "unsigned long data_len, int noblock, int *errcode, int max_page_order)", needs_call=True)
def sock_alloc_send_pskb(k, sk: int, header_len: int, data_len: int, noblock: int, errcode: int,
                         max_page_order: int, call=None) -> int:
    """An skb to send on `sk`, charged to it (skb_set_owner_w). A pending socket error is
    returned (and cleared), a send-shut socket is -EPIPE, a full send buffer -EAGAIN (kemu has
    no other task to make room, so a blocking caller would sleep forever: also -EAGAIN, said
    in the log). Paged data (data_len > 0) is not modelled: -ENOBUFS, reported."""
    from .skbuff import __alloc_skb
    if sk not in socks(k):
        _bad_sock(k, "sock_alloc_send_pskb", sk)
        err = -k.errno.EINVAL
    else:
        s = Sk(k, sk)
        err = -_signed(s.get("sk_err"))
        if err:
            s.set("sk_err", 0)
        elif s.get("sk_shutdown") & SEND_SHUTDOWN:
            err = -k.errno.EPIPE
        elif _signed(s.get("sk_wmem_alloc")) - 1 >= _signed(s.get("sk_sndbuf")):
            if not noblock & 0xFFFFFFFF:
                k.linux.pr(f"kemu: sock {sk:#x}: send buffer full and nothing can drain it: -EAGAIN", 4)
            err = -k.errno.EAGAIN
        elif data_len:
            k.linux.pr(f"kemu: sock_alloc_send_pskb: paged data ({data_len} bytes) is not modelled", 4)
            err = -k.errno.ENOBUFS
        else:
            skb = __alloc_skb(k, header_len, s.get("sk_allocation"), 0, -1, call=call)
            if skb:
                skb_set_owner_w(k, skb, sk)
                return skb
            err = -k.errno.ENOBUFS
    if errcode:
        k.machine.mem.write_u32(errcode, err & 0xFFFFFFFF)
    return 0
