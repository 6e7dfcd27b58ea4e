"""Block device majors (block/genhd.c, 6.1): register_blkdev / unregister_blkdev.

The kernel keeps `major_names[]`, 255 hash buckets (major % 255) of `struct blk_major_name`
{major, name[16], probe}. __register_blkdev(0, …) hands out the highest bucket index from
254 down whose bucket is empty (an empty bucket, not just an unused major: that is how the
kernel searches), printing "failed to get major" and -EBUSY when none is; a major of 512 or
more is -EINVAL with the kernel's message; a major already in its bucket is refused with
"register_blkdev: cannot get major N for NAME" and -EBUSY. unregister_blkdev must name the
major's registered name: a mismatch or an unknown major is a WARN and nothing is removed.
/proc/devices lists the table under "Block devices:", by major (blkdev_show).

kemu keeps the table in Python (`BlkMajors`); the only built-in entry is blkext (259), which
genhd_device_init registers: loop, sd, md, device-mapper are modules in Debian's kernels and
register their majors themselves. A module that goes without unregistering loses its entry
(its probe would point into freed code), recorded with module.on_unload as chrdev regions are.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kemu.kernel import ServiceTable

table = ServiceTable("blkdev")

BLKDEV_MAJOR_HASH_SIZE = 255
BLKDEV_MAJOR_MAX = 512
BLOCK_EXT_MAJOR = 259
NAME_MAX = 16                      # sizeof(blk_major_name.name), strlcpy'd


def warn(k, text: str) -> None:
    """WARN_ON in a block service: the cut-here banner, the reason, taint W."""
    k.linux.pr("------------[ cut here ]------------", 4)
    k.linux.pr(text, 4)
    k.linux.add_taint("W")


@dataclass
class BlkMajor:
    major: int
    name: str
    probe: int


@dataclass
class BlkMajors:
    """major_names[]: bucket index -> its chain, oldest first."""
    buckets: dict[int, list[BlkMajor]] = field(default_factory=dict)

    def find(self, major: int) -> BlkMajor | None:
        return next((p for p in self.buckets.get(major % BLKDEV_MAJOR_HASH_SIZE, []) if p.major == major), None)

    def add(self, entry: BlkMajor) -> None:
        self.buckets.setdefault(entry.major % BLKDEV_MAJOR_HASH_SIZE, []).append(entry)

    def remove(self, entry: BlkMajor) -> None:
        chain = self.buckets.get(entry.major % BLKDEV_MAJOR_HASH_SIZE, [])
        if entry in chain:
            chain.remove(entry)

    def free_dynamic(self) -> int:
        """The highest bucket index from 254 down to 1 with an empty chain; 0 if none."""
        return next((i for i in range(BLKDEV_MAJOR_HASH_SIZE - 1, 0, -1) if not self.buckets.get(i)), 0)

    def proc_lines(self) -> str:
        """blkdev_show for every major, ascending."""
        entries = sorted((p.major, p.name) for chain in self.buckets.values() for p in chain)
        return "".join(f"{major:3d} {name}\n" for major, name in entries)


def blk_majors(k) -> BlkMajors:
    """The system's table, made on first use with blkext in it."""
    reg = k.linux.__dict__.get("blk_majors")
    if reg is None:
        reg = k.linux.__dict__["blk_majors"] = BlkMajors()
        reg.add(BlkMajor(BLOCK_EXT_MAJOR, "blkext", 0))
    return reg


def proc_devices_block(system) -> str:
    """The lines of /proc/devices after "Block devices:"."""
    reg = system.__dict__.get("blk_majors")
    if reg is None:
        return f"{BLOCK_EXT_MAJOR:3d} blkext\n"
    return reg.proc_lines()


def _undo_name(major: int, name: str) -> str:
    return f"blkdev major {major} ({name})"


@table.service("int __register_blkdev(unsigned int major, const char *name, void (*probe)(dev_t devt))",
               needs_call=True)
def __register_blkdev(k, major: int, name: int, probe: int, call=None) -> int:
    """Take a block major (a dynamic one for 0, returned); 0, or -EBUSY / -EINVAL."""
    reg = blk_majors(k)
    text = k.read_str(name, 256).decode("latin-1")
    ret = 0
    if major == 0:
        major = reg.free_dynamic()
        if not major:
            k.linux.pr(f"__register_blkdev: failed to get major for {text}", 4)
            return -k.errno.EBUSY
        ret = major
    if major >= BLKDEV_MAJOR_MAX:
        k.linux.pr(f"__register_blkdev: major requested ({major}) is greater than the maximum "
                   f"({BLKDEV_MAJOR_MAX - 1}) for {text}", 3)
        return -k.errno.EINVAL
    if reg.find(major) is not None:
        k.linux.pr(f"register_blkdev: cannot get major {major} for {text}", 4)
        return -k.errno.EBUSY
    entry = BlkMajor(major, text.encode("latin-1")[:NAME_MAX - 1].decode("latin-1"), probe)
    reg.add(entry)
    module = k.loader.module_at(call.return_address)
    if module is not None:
        module.on_unload(_undo_name(major, entry.name), lambda: reg.remove(entry))
    return ret


@table.service("void unregister_blkdev(unsigned int major, const char *name)")
def unregister_blkdev(k, major: int, name: int) -> None:
    """Give a major back; the name must be the one it was registered with (else WARN)."""
    reg = blk_majors(k)
    entry = reg.find(major)
    text = k.read_str(name, 256).decode("latin-1") if name else ""
    if entry is None or entry.name != text:
        warn(k, f"WARNING: unregister_blkdev: major {major} is not registered as {text!r}")
        return
    reg.remove(entry)
    for m in k.loader.modules:
        m.forget_undo(_undo_name(major, entry.name))
