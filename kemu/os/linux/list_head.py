"""struct list_head in guest memory (include/linux/list.h), for services that keep the
kernel's lists where modules read them inline: next at offset 0, prev one word after."""
from __future__ import annotations


def init_list(k, head: int) -> None:
    """INIT_LIST_HEAD: an empty list points at itself both ways."""
    mem, word = k.machine.mem, k.machine.word_size
    mem.write_ptr(head, head)
    mem.write_ptr(head + word, head)


def list_empty(k, head: int) -> bool:
    return k.machine.mem.read_ptr(head) == head


def list_add_tail(k, node: int, head: int) -> None:
    """Link `node` in before `head` (at the list's end)."""
    mem, word = k.machine.mem, k.machine.word_size
    last = mem.read_ptr(head + word)
    mem.write_ptr(node, head)
    mem.write_ptr(node + word, last)
    mem.write_ptr(last, node)
    mem.write_ptr(head + word, node)


def list_del_init(k, node: int) -> None:
    """Unlink `node` and leave it an empty list of its own."""
    mem, word = k.machine.mem, k.machine.word_size
    nxt, prev = mem.read_ptr(node), mem.read_ptr(node + word)
    mem.write_ptr(prev, nxt)
    mem.write_ptr(nxt + word, prev)
    init_list(k, node)
