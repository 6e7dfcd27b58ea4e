"""debugfs (services/debugfs.py) through its stubs as drivers call it: directories and files
are real dentries (name, parent, inode with i_private) under the debugfs root, a name taken
under a parent is ERR_PTR(-EEXIST) with debugfs's message, an ERR_PTR parent passes through,
value files read as the kernel prints them, and removal takes a whole subtree."""
from __future__ import annotations

import pytest

import kemu
from kemu.os.linux.services import debugfs

from .conftest import ARCHES

S_IFDIR, S_IFREG = 0o040000, 0o100000


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def call(linux, name: str, *args: int) -> int:
    return linux.machine.call(linux.kernel.installed[name][1], *args)


def cstring(linux, text: bytes) -> int:
    addr = linux.kernel.heap.alloc(len(text) + 1, "test", zero=True)
    linux.machine.mem.write(addr, text)
    return addr


def err_ptr(linux, errno: int) -> int:
    return (-errno) & ((1 << (8 * linux.machine.word_size)) - 1)


def dentry_name(linux, dentry: int) -> bytes:
    lay, mem = linux.layout, linux.machine.mem
    qstr = dentry + lay.offset("struct dentry", "d_name")
    return mem.read_cstr(mem.read_ptr(qstr + lay.offset("struct qstr", "name")), 256)


def read(linux, path: str) -> str:
    fd = linux.open(path)
    try:
        return linux.read(fd, 4096).decode("latin-1")
    finally:
        linux.close(fd)


def test_dirs_and_files_are_dentries_with_parent_name_and_inode(linux):
    lay, mem = linux.layout, linux.machine.mem
    top = call(linux, "debugfs_create_dir", cstring(linux, b"kemu"), 0)
    f = call(linux, "debugfs_create_file", cstring(linux, b"state"), 0o444, top, 0x5678, 0x9000)
    assert dentry_name(linux, top) == b"kemu" and dentry_name(linux, f) == b"state"
    assert mem.read_ptr(f + lay.offset("struct dentry", "d_parent")) == top
    root = mem.read_ptr(top + lay.offset("struct dentry", "d_parent"))
    assert dentry_name(linux, root) == b"/"
    inode = mem.read_ptr(f + lay.offset("struct dentry", "d_inode"))
    assert mem.read_ptr(inode + lay.offset("struct inode", "i_private")) == 0x5678
    assert mem.read_ptr(inode + lay.offset("struct inode", "i_fop")) == 0x9000
    assert mem.read_u16(inode + lay.offset("struct inode", "i_mode")) == S_IFREG | 0o444
    dir_inode = mem.read_ptr(top + lay.offset("struct dentry", "d_inode"))
    assert mem.read_u16(dir_inode + lay.offset("struct inode", "i_mode")) == S_IFDIR | 0o755
    assert call(linux, "debugfs_lookup", cstring(linux, b"state"), top) == f


def test_a_taken_name_is_eexist_and_an_err_parent_passes_through(linux):
    name = cstring(linux, b"twice")
    call(linux, "debugfs_create_dir", name, 0)
    assert call(linux, "debugfs_create_dir", name, 0) == err_ptr(linux, 17)
    assert "debugfs: Directory 'twice' with parent '/' already present!" in linux.dmesg()
    bad = err_ptr(linux, 19)
    assert call(linux, "debugfs_create_file", cstring(linux, b"x"), 0o444, bad, 0, 0) == bad


def test_value_files_read_as_the_kernel_prints_them(linux):
    mem = linux.machine.mem
    top = call(linux, "debugfs_create_dir", cstring(linux, b"vals"), 0)
    var = linux.kernel.heap.alloc(8, "test", zero=True)
    mem.write_u32(var, 42)
    flag = linux.kernel.heap.alloc(1, "test", zero=True)
    mem.write_u8(flag, 1)
    call(linux, "debugfs_create_u32", cstring(linux, b"n"), 0o644, top, var)
    call(linux, "debugfs_create_x16", cstring(linux, b"h"), 0o644, top, var)
    call(linux, "debugfs_create_bool", cstring(linux, b"on"), 0o644, top, flag)
    assert read(linux, "/sys/kernel/debug/vals/n") == "42\n"
    assert read(linux, "/sys/kernel/debug/vals/h") == "0x002a\n"
    assert read(linux, "/sys/kernel/debug/vals/on") == "Y\n"
    mem.write_u32(var, 7)
    assert read(linux, "/sys/kernel/debug/vals/n") == "7\n"


def test_remove_takes_the_subtree_and_frees_it(linux):
    debugfs.debugfs(linux.kernel)                          # the root dentry and inode, made once
    before = len(linux.kernel.heap)
    top = call(linux, "debugfs_create_dir", cstring(linux, b"tree"), 0)
    sub = call(linux, "debugfs_create_dir", cstring(linux, b"sub"), top)
    call(linux, "debugfs_create_file", cstring(linux, b"leaf"), 0o444, sub, 0, 0)
    call(linux, "debugfs_remove", top)
    call(linux, "debugfs_remove", 0)
    call(linux, "debugfs_remove", err_ptr(linux, 12))
    assert debugfs.debugfs(linux.kernel).lookup("tree") is None
    assert call(linux, "debugfs_lookup", cstring(linux, b"tree"), 0) == 0
    assert len(linux.kernel.heap) == before + 4          # the four name strings this test made
