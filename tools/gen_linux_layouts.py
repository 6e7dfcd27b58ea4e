#!/usr/bin/env python3
"""Measure the kernel structs kemu's Linux services touch, from Debian's real headers.

    python3 tools/gen_linux_layouts.py            # write kemu/os/linux/data/layouts-<release>.json
    python3 tools/gen_linux_layouts.py --check    # measure afresh and compare with the committed files

For each arch a probe module is generated: one `const unsigned long` array whose entries
are sizeof/__alignof__ of each struct in STRUCTS and offsetof/sizeof of each of its listed
fields. kbuild compiles it against the flavour's headers with the kernel's own flags and
config (through kemu.toolchain.linux_kbuild, as `kemu cc --target linux` does), and the
array is read back out of the built .ko. A field the configuration leaves out (gcc: "has
no member named") is dropped from the probe and recorded as absent (null), so the data says
what the kernel has rather than what was expected. Nothing here is typed in by hand but the
names of the structs and fields to measure.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kemu.os.linux import layouts  # noqa: E402
from kemu.toolchain import linux_headers, linux_kbuild  # noqa: E402

HEADERS = (
    # the dependency roots' subsystems (services/tty_driver.py, backing_dev.py, kthread_worker.py)
    "linux/tty_driver.h", "linux/sysctl.h", "linux/fs_context.h", "linux/mount.h", "linux/statfs.h", "linux/backing-dev.h", "linux/kthread.h", "linux/printk.h",
    "linux/mempool.h", "linux/dcache.h", "linux/debugfs.h", "linux/key.h", "linux/key-type.h",
    "linux/module.h", "linux/moduleparam.h", "linux/fs.h", "linux/cdev.h", "linux/device.h",
    "linux/miscdevice.h", "linux/proc_fs.h", "linux/seq_file.h", "linux/timer.h", "linux/workqueue.h",
    "linux/mutex.h", "linux/spinlock.h", "linux/wait.h", "linux/uio.h", "linux/export.h",
    "linux/kobject.h", "linux/kref.h", "linux/sched.h", "linux/bug.h", "linux/jump_label.h",
    "linux/extable.h", "linux/slab.h", "linux/completion.h", "linux/kdev_t.h", "linux/rbtree.h",
    "asm/extable.h", "linux/smp.h", "asm/processor.h", "linux/ratelimit.h", "linux/swait.h",
    "crypto/hash.h", "crypto/internal/hash.h", "crypto/algapi.h", "asm/paravirt_types.h",
    "linux/nls.h",
    # the driver core's buses (kemu/os/linux/services/driver_core.py, buses.py)
    "linux/platform_device.h", "linux/pci.h", "linux/i2c.h", "linux/spi/spi.h", "linux/serio.h",
    "linux/acpi.h", "linux/sysfs.h", "linux/mod_devicetable.h", "linux/ioport.h", "linux/interrupt.h",
    # the networking registries (kemu/os/linux/services/net_pernet.py, net_genl.py, net_protocols.py)
    "net/net_namespace.h", "net/netns/generic.h", "net/inet_frag.h", "net/genetlink.h", "linux/netdevice.h", "net/sock.h",
    "net/tcp.h", "linux/connector.h", "net/flow_dissector.h",
    # the kernel library (kemu/os/linux/services/textsearch.py, percpu_counter.py, rhashtable.py)
    "linux/textsearch.h", "linux/percpu_counter.h", "linux/rhashtable.h", "linux/mm_types.h",
    # the machine's identity (services/dmi.py, x86_cpu_match.py, firmware_loader.py, platform_info.py)
    "linux/dmi.h", "linux/firmware.h", "linux/sysinfo.h", "linux/nvmem-provider.h", "linux/memory-tiers.h",
    # block devices and the SCSI transport classes (services/blkdev.py, transport_class.py, …)
    "linux/attribute_container.h", "linux/transport_class.h", "linux/klist.h", "linux/quota.h",
    "linux/badblocks.h", "linux/list_lru.h", "linux/blkdev.h", "linux/blk-mq.h", "linux/bio.h",
    "linux/dma-mapping.h", "linux/shrinker.h", "linux/xarray.h", "linux/bvec.h", "linux/part_stat.h",
    # notifier chains, SRCU, shrinkers (services/notifier_chains.py, srcu.py, shrinkers.py)
    "linux/notifier.h", "linux/srcu.h", "linux/shrinker.h", "linux/rcupdate.h",
    # the subsystem registries (kemu/os/linux/services/crypto_algs.py, registries.py, ...)
    "crypto/skcipher.h", "crypto/sha1.h", "crypto/sha2.h", "crypto/md5.h", "crypto/aead.h", "crypto/akcipher.h", "crypto/kpp.h", "crypto/rng.h",
    "crypto/internal/scompress.h", "keys/asymmetric-parser.h", "linux/leds.h", "linux/cpufreq.h",
    "linux/zpool.h", "linux/binfmts.h", "linux/input.h", "linux/console.h", "linux/tty_port.h",
    "linux/serial_core.h", "linux/scatterlist.h", "linux/cred.h", "linux/fb.h",
    # traffic control and the link-layer registries (services/net_sched.py, tcp_cong.py, rtnl.py, ...)
    "net/pkt_sched.h", "net/sch_generic.h", "net/act_api.h", "net/pkt_cls.h", "net/tcp.h",
    "net/rtnetlink.h", "linux/sock_diag.h", "net/lwtunnel.h", "linux/connector.h", "linux/netfilter.h",
    "net/netfilter/nf_log.h", "net/netfilter/nf_queue.h", "linux/btf.h", "linux/skbuff.h",
    # net_device, inet/inet6/xfrm registries, skbs, line disciplines (services/net_device.py,
    # net_inet_protos.py, net_xfrm.py, skbuff.py, tty_ldisc.py, net_inet_hash.py)
    "net/protocol.h", "net/xfrm.h", "net/inet_hashtables.h", "linux/skbuff.h", "linux/tty_ldisc.h",
    "linux/ethtool.h", "linux/sysctl.h", "net/gro_cells.h", "net/dst_cache.h",
    # the driver core's second part: ksets, class interfaces, runtime PM, the auxiliary/PNP/serdev
    # buses (services/ksets.py, class_extras.py, runtime_pm.py, more_buses.py, device_misc.py)
    "linux/pm.h", "linux/pm_runtime.h", "linux/pm_qos.h", "linux/auxiliary_bus.h", "linux/pnp.h",
    "linux/serdev.h", "linux/spi/spi-mem.h", "linux/fwnode.h",
    # the long tail (services/nmi_handlers.py)
    "asm/nmi.h", "linux/powercap.h", "linux/phy.h",
)

# struct (as C spells it) -> fields to measure (member designators, nested ones allowed).
STRUCTS: dict[str, tuple[str, ...]] = {
    "struct module": (
        "state", "list", "name", "mkobj", "version", "srcversion", "holders_dir", "syms", "crcs",
        "num_syms", "kp", "num_kp", "num_gpl_syms", "gpl_syms", "gpl_crcs", "using_gplonly_symbols",
        "sig_ok", "async_probe_requested", "num_exentries", "extable", "init", "core_layout",
        "core_layout.base", "core_layout.size", "core_layout.text_size", "core_layout.ro_size",
        "core_layout.ro_after_init_size", "init_layout", "init_layout.base", "init_layout.size",
        "arch", "taints", "num_bugs", "bug_list", "bug_table", "kallsyms", "core_kallsyms",
        "sect_attrs", "notes_attrs", "args", "percpu", "percpu_size", "noinstr_text_start",
        "noinstr_text_size", "num_tracepoints", "tracepoints_ptrs", "jump_entries", "num_jump_entries",
        "num_ftrace_callsites", "ftrace_callsites", "num_static_call_sites", "static_call_sites",
        "printk_index_size", "printk_index_start", "source_list", "target_list", "exit", "refcnt",
        "btf_data_size", "btf_data", "trace_events", "num_trace_events", "ei_funcs", "num_ei_funcs",
    ),
    "struct module_layout": ("base", "size", "text_size", "ro_size", "ro_after_init_size", "mtn"),
    "struct module_kobject": ("kobj", "mod", "drivers_dir", "mp", "kobj_completion"),
    "struct module_use": ("source_list", "target_list", "source", "target"),
    "struct modversion_info": ("crc", "name"),
    "struct kernel_symbol": ("value_offset", "name_offset", "namespace_offset"),
    "struct kernel_param": ("name", "mod", "ops", "perm", "level", "flags", "arg", "str", "arr"),
    "struct kernel_param_ops": ("flags", "set", "get", "free"),
    "struct kparam_string": ("maxlen", "string"),
    "struct kparam_array": ("max", "elemsize", "num", "ops", "elem"),
    "struct bug_entry": ("bug_addr_disp", "bug_addr", "file_disp", "file", "line", "flags"),
    "struct exception_table_entry": ("insn", "fixup", "data"),
    "struct jump_entry": ("code", "target", "key"),
    "struct static_key": ("enabled",),
    "struct file_operations": (
        "owner", "llseek", "read", "write", "read_iter", "write_iter", "iopoll", "iterate",
        "iterate_shared", "poll", "unlocked_ioctl", "compat_ioctl", "mmap", "mmap_supported_flags",
        "open", "flush", "release", "fsync", "fasync", "lock", "sendpage", "get_unmapped_area",
        "check_flags", "flock", "splice_write", "splice_read", "setlease", "fallocate", "show_fdinfo",
        "copy_file_range", "remap_file_range", "fadvise", "uring_cmd", "uring_cmd_iopoll",
    ),
    "struct proc_ops": (
        "proc_flags", "proc_open", "proc_read", "proc_read_iter", "proc_write", "proc_lseek",
        "proc_release", "proc_poll", "proc_ioctl", "proc_compat_ioctl", "proc_mmap",
        "proc_get_unmapped_area",
    ),
    "struct seq_operations": ("start", "stop", "next", "show"),
    # the dependency roots' subsystems (services/tty_driver.py, backing_dev.py, kthread_worker.py)
    "struct tty_driver": ("kref", "cdevs", "owner", "driver_name", "name", "name_base", "major",
                          "minor_start", "num", "type", "subtype", "init_termios", "flags", "proc_entry",
                          "other", "ttys", "ports", "termios", "driver_state", "ops", "tty_drivers"),
    "struct ktermios": ("c_iflag", "c_oflag", "c_cflag", "c_lflag", "c_line", "c_cc", "c_ispeed", "c_ospeed"),
    "struct backing_dev_info": ("id", "rb_node", "bdi_list", "ra_pages", "io_pages", "refcnt",
                                "capabilities", "min_ratio", "max_ratio", "max_prop_frac",
                                "tot_write_bandwidth", "wb", "wb_list", "wb_waitq", "dev", "dev_name",
                                "owner", "laptop_mode_wb_timer", "debug_dir"),
    "struct kthread_worker": ("flags", "lock", "work_list", "delayed_work_list", "task", "current_work"),
    "struct kthread_work": ("node", "func", "worker", "canceling"),
    "struct kthread_delayed_work": ("work", "timer"),
    "struct va_format": ("fmt", "va"),
    "struct mempool_s": ("lock", "min_nr", "curr_nr", "elements", "pool_data", "alloc", "free", "wait"),
    "struct dentry": ("d_flags", "d_parent", "d_name", "d_inode", "d_iname", "d_sb", "d_fsdata",
                      "d_lockref", "d_op", "d_child", "d_subdirs"),
    # in-kernel mounts, superblocks and the libfs helpers (kemu/os/linux/vfs.py, services/vfs_core.py)
    "struct lockref": ("count",),
    "struct super_block": ("s_blocksize_bits", "s_blocksize", "s_type", "s_op", "s_flags", "s_magic",
                           "s_root", "s_count", "s_active", "s_fs_info", "s_time_gran", "s_d_op", "s_id"),
    "struct super_operations": ("alloc_inode", "destroy_inode", "free_inode", "drop_inode", "evict_inode",
                                "put_super", "statfs"),
    "struct dentry_operations": ("d_delete", "d_release", "d_iput"),
    "struct vfsmount": ("mnt_root", "mnt_sb", "mnt_flags"),
    "struct fs_context": ("ops", "fs_type", "fs_private", "root", "s_fs_info", "sb_flags"),
    "struct fs_context_operations": ("free", "get_tree"),
    "struct address_space": ("host", "a_ops"),
    "struct timespec64": ("tv_sec", "tv_nsec"),
    "struct kstatfs": ("f_type", "f_bsize", "f_namelen"),
    "struct qstr": ("hash_len", "name"),
    "struct debugfs_blob_wrapper": ("data", "size"),
    "struct key": ("usage", "serial", "uid", "gid", "perm", "datalen", "state", "flags", "description",
                   "type", "payload"),
    "struct key_type": ("name", "link"),
    "struct seq_file": ("buf", "size", "from", "count", "pad_until", "index", "read_pos", "lock", "op",
                        "poll_event", "file", "private"),
    "struct cdev": ("kobj", "owner", "ops", "list", "dev", "count"),
    "struct miscdevice": ("minor", "name", "fops", "list", "parent", "this_device", "groups", "nodename",
                          "mode"),
    "struct file": ("f_u", "f_path", "f_inode", "f_op", "f_lock", "f_count", "f_flags", "f_mode",
                    "f_pos_lock", "f_pos", "f_owner", "f_cred", "f_ra", "f_version", "f_security",
                    "private_data", "f_ep", "f_mapping", "f_wb_err", "f_sb_err"),
    "struct inode": ("i_mode", "i_opflags", "i_uid", "i_gid", "i_flags", "i_op", "i_sb", "i_mapping",
                     "i_ino", "__i_nlink", "i_rdev", "i_size", "i_atime", "i_mtime", "i_ctime", "i_lock",
                     "i_bytes", "i_blkbits", "i_blocks", "i_state", "i_count", "i_fop", "i_pipe", "i_cdev",
                     "i_link", "i_private", "i_rwsem", "i_data", "i_sb_list"),
    "struct path": ("mnt", "dentry"),
    "struct kiocb": ("ki_filp", "ki_pos", "ki_complete", "private", "ki_flags"),
    "struct iov_iter": ("iter_type", "nofault", "data_source", "user_backed", "iov_offset", "count",
                        "iov", "kvec", "bvec", "nr_segs"),
    "struct iovec": ("iov_base", "iov_len"),
    "struct kvec": ("iov_base", "iov_len"),
    "struct msghdr": ("msg_name", "msg_namelen", "msg_iter", "msg_control", "msg_controllen", "msg_flags"),
    "struct list_head": ("next", "prev"),
    "struct hlist_head": ("first",),
    "struct hlist_node": ("next", "pprev"),
    "struct kref": ("refcount",),
    "struct kobject": ("name", "entry", "parent", "kset", "ktype", "sd", "kref"),
    "struct class": ("name", "owner", "class_groups", "dev_groups", "dev_kobj", "dev_uevent", "devnode",
                     "class_release", "dev_release", "shutdown_pre", "ns_type", "namespace", "get_ownership",
                     "pm", "p"),
    "struct device": ("kobj", "parent", "p", "init_name", "type", "bus", "driver", "platform_data",
                      "driver_data", "mutex", "devt", "id", "class", "groups", "release",
                      "dma_mask", "coherent_dma_mask", "bus_dma_limit", "power", "pm_domain",
                      "of_node", "fwnode", "links"),
    "struct timer_list": ("entry", "expires", "function", "flags"),
    "struct work_struct": ("data", "entry", "func"),
    "struct delayed_work": ("work", "timer", "wq", "cpu"),
    "struct mutex": ("owner", "wait_lock", "wait_list"),
    "spinlock_t": (),
    "rwlock_t": (),
    "struct wait_queue_head": ("lock", "head"),
    "struct wait_queue_entry": ("flags", "private", "func", "entry"),
    "struct completion": ("done", "wait"),
    "struct lock_class_key": (),
    "struct task_struct": ("__state", "stack", "usage", "flags", "pid", "tgid", "comm", "cred",
                           "real_parent", "mm", "prio", "static_prio", "normal_prio", "rt_priority", "policy"),
    "atomic_t": ("counter",),
    "atomic64_t": ("counter",),
    "refcount_t": ("refs",),
    "dev_t": (),
    "loff_t": (),
    "size_t": (),
    "gfp_t": (),
    "unsigned long": (),
    "void *": (),
    # the services real Debian modules need (kemu/os/linux/services/{smp,crypto,filesystems}.py)
    "struct __call_single_data": ("node", "func", "info"),
    "struct cpuinfo_x86": ("x86", "x86_vendor", "x86_model", "x86_stepping", "cpuid_level",
                           "x86_capability", "x86_vendor_id", "x86_model_id", "cpu_index"),
    "struct ratelimit_state": ("lock", "interval", "burst", "printed", "missed", "begin", "flags"),
    "struct swait_queue_head": ("lock", "task_list"),
    "struct crypto_alg": ("cra_list", "cra_flags", "cra_blocksize", "cra_ctxsize", "cra_alignmask",
                          "cra_priority", "cra_refcnt", "cra_name", "cra_driver_name", "cra_type",
                          "cra_init", "cra_exit", "cra_destroy", "cra_module", "cra_users",
                          "cra_u.cipher.cia_min_keysize", "cra_u.cipher.cia_max_keysize",
                          "cra_u.compress.coa_compress", "cra_u.compress.coa_decompress"),
    "struct shash_alg": ("init", "update", "final", "finup", "digest", "export", "import", "setkey",
                         "init_tfm", "exit_tfm", "descsize", "digestsize", "statesize", "base"),
    "struct crypto_tfm": ("crt_flags", "node", "exit", "__crt_alg"),
    "struct crypto_shash": ("descsize", "base"),
    "struct crypto_skcipher": ("reqsize", "base"),
    "struct shash_desc": ("tfm",),
    "struct paravirt_patch_template": ("cpu.cpuid", "cpu.read_msr", "cpu.write_msr", "cpu.read_msr_safe",
                                       "cpu.write_msr_safe",
                                       "cpu.io_delay", "cpu.read_cr0", "cpu.write_cr0", "cpu.write_cr4",
                                       "cpu.wbinvd", "cpu.load_sp0", "irq.save_fl", "irq.irq_disable",
                                       "irq.irq_enable", "irq.safe_halt", "irq.halt", "mmu.read_cr2",
                                       "mmu.write_cr2", "mmu.read_cr3", "mmu.write_cr3",
                                       "mmu.flush_tlb_user", "mmu.flush_tlb_kernel", "mmu.flush_tlb_one_user",
                                       "lock.queued_spin_lock_slowpath", "lock.queued_spin_unlock",
                                       "lock.wait", "lock.kick", "lock.vcpu_is_preempted"),
    "struct file_system_type": ("name", "fs_flags", "init_fs_context", "parameters", "mount", "kill_sb",
                                "owner", "next", "fs_supers"),
    "struct nls_table": ("charset", "alias", "uni2char", "char2uni", "charset2lower", "charset2upper",
                         "owner", "next"),
    # the driver core: buses, drivers, platform devices, sysfs attributes (services/driver_core.py)
    "struct device_driver": ("name", "bus", "owner", "mod_name", "suppress_bind_attrs", "probe_type",
                             "of_match_table", "acpi_match_table", "probe", "sync_state", "remove",
                             "shutdown", "suspend", "resume", "groups", "dev_groups", "pm", "coredump", "p"),
    "struct bus_type": ("name", "dev_name", "dev_root", "bus_groups", "dev_groups", "drv_groups", "match",
                        "uevent", "probe", "sync_state", "remove", "shutdown", "pm", "p"),
    "struct platform_driver": ("probe", "remove", "remove_new", "shutdown", "suspend", "resume", "driver",
                               "id_table", "prevent_deferred_probe", "driver_managed_dma"),
    "struct platform_device": ("name", "id", "id_auto", "dev", "num_resources", "resource", "id_entry",
                               "driver_override", "mfd_cell"),
    "struct platform_device_id": ("name", "driver_data"),
    "struct platform_device_info": ("parent", "fwnode", "of_node_reused", "name", "id", "res", "num_res",
                                    "data", "size_data", "dma_mask", "properties"),
    "struct resource": ("start", "end", "name", "flags", "desc", "parent", "sibling", "child"),
    "struct pci_driver": ("node", "name", "id_table", "probe", "remove", "groups", "dev_groups", "driver",
                          "dynids", "driver_managed_dma"),
    "struct i2c_driver": ("class", "probe", "remove", "probe_new", "driver", "id_table", "detect",
                          "address_list", "clients", "flags"),
    "struct spi_driver": ("id_table", "probe", "remove", "shutdown", "driver"),
    "struct serio_driver": ("description", "id_table", "manual_bind", "connect", "disconnect", "driver"),
    "struct acpi_driver": ("name", "class", "ids", "flags", "ops", "drv", "owner"),
    "struct attribute": ("name", "mode"),
    "struct attribute_group": ("name", "is_visible", "is_bin_visible", "attrs", "bin_attrs"),
    "struct driver_attribute": ("attr", "show", "store"),
    "struct device_attribute": ("attr", "show", "store"),
    "struct tasklet_struct": ("next", "state", "count", "use_callback", "func", "callback", "data"),
    "struct pci_dev": ("bus", "devfn", "vendor", "device", "dev"),
    # the networking registries (kemu/os/linux/services/net_pernet.py, net_genl.py, net_protocols.py)
    "struct ctl_table_header": ("ctl_table", "ctl_table_arg"),
    "struct pernet_operations": ("list", "init", "pre_exit", "exit", "exit_batch", "id", "size"),
    "struct notifier_block": ("notifier_call", "next", "priority"),
    "struct genl_family": ("id", "hdrsize", "name", "version", "maxattr", "mcgrp_offset", "n_ops",
                           "n_small_ops", "n_mcgrps", "mcgrps", "module", "ops", "small_ops"),
    "struct genl_multicast_group": ("name", "flags"),
    "struct packet_type": ("type", "ignore_outgoing", "dev", "func", "list"),
    "struct proto": ("name", "owner", "obj_size", "slab", "node", "close", "init", "destroy", "hash", "unhash"),
    "struct net": ("gen", "exit_list", "ifindex", "proc_net", "proc_net_stat", "nf.nf_loggers", "list", "dev_base_head",
                   "dev_name_head", "dev_index_head", "loopback_dev", "dev_base_seq", "dev_unreg_count"),
    "struct net_generic": ("s.len", "ptr[0]"),
    "struct sock": ("__sk_common", "sk_user_data",
                    # sk_alloc / sock_init_data / sk_free (services/net_sock.py)
                    "__sk_common.skc_family", "__sk_common.skc_state", "__sk_common.skc_prot",
                    "__sk_common.skc_net", "__sk_common.skc_refcnt", "__sk_common.skc_flags",
                    "__sk_common.skc_incoming_cpu", "__sk_common.skc_tx_queue_mapping",
                    "__sk_common.skc_rx_queue_mapping", "sk_lock", "sk_drops", "sk_rcvlowat",
                    "sk_error_queue", "sk_receive_queue", "sk_write_queue", "sk_wmem_alloc",
                    "sk_omem_alloc", "sk_allocation", "sk_pacing_rate", "sk_max_pacing_rate",
                    "sk_sndbuf", "sk_rcvbuf", "sk_socket", "sk_wq", "sk_type", "sk_protocol",
                    "sk_callback_lock", "sk_state_change", "sk_data_ready", "sk_write_space",
                    "sk_error_report", "sk_destruct", "sk_peek_off", "sk_rcvtimeo", "sk_sndtimeo",
                    "sk_timer", "sk_prot_creator", "sk_pacing_shift", "sk_uid", "sk_err",
                    "sk_frag", "sk_backlog_rcv", "sk_write_pending", "sk_backlog.rmem_alloc", "sk_shutdown", "sk_lock.owned",
                    "sk_forward_alloc"),
    "struct tcp_ulp_ops": ("list", "init", "update", "release", "get_info", "get_info_size", "clone",
                           "name", "owner"),
    "struct inet_connection_sock": ("icsk_clean_acked",),
    "struct class_attribute": ("attr", "show", "store"),
    "struct nlmsghdr": ("nlmsg_len", "nlmsg_type", "nlmsg_flags", "nlmsg_seq", "nlmsg_pid"),
    "struct genlmsghdr": ("cmd", "version", "reserved"),
    "struct cn_msg": ("id", "seq", "ack", "len", "flags"),
    "struct flow_dissector": ("used_keys", "offset"),
    "struct flow_dissector_key": ("key_id", "offset"),
    "struct netlink_kernel_cfg": ("groups", "flags", "input", "cb_mutex", "bind", "unbind"),
    "struct fqdir": ("high_thresh", "low_thresh", "timeout", "max_dist", "f", "net", "dead", "rhashtable"),
    "struct inet_frags": ("qsize", "frags_cachep", "frags_cache_name", "rhash_params", "refcnt", "completion"),
    # the kernel library (services/textsearch.py, percpu_counter.py, rhashtable.py, rbtree.py)
    "struct ts_ops": ("name", "init", "find", "destroy", "get_pattern", "get_pattern_len", "owner", "list"),
    "struct ts_config": ("ops", "flags", "get_next_block", "finish"),
    "struct percpu_counter": ("lock", "count", "list", "counters"),
    "struct rhashtable": ("tbl", "key_len", "max_elems", "p", "rhlist", "run_work", "mutex", "lock", "nelems"),
    "struct rhashtable_params": ("nelem_hint", "key_len", "key_offset", "head_offset", "max_size", "min_size",
                                 "automatic_shrinking", "hashfn", "obj_hashfn", "obj_cmpfn"),
    "struct bucket_table": ("size", "nest", "hash_rnd", "walkers", "rcu", "future_tbl", "buckets[0]"),
    "struct rhash_head": ("next",),
    "struct rb_node": ("__rb_parent_color", "rb_right", "rb_left"),
    "struct page": ("flags", "compound_head", "compound_order", "compound_nr", "mapping", "index", "private",
                    "_mapcount", "_refcount"),
    # the machine's identity (services/dmi.py, x86_cpu_match.py, firmware_loader.py, platform_info.py);
    # dmi_strmatch's slot:7 and exact_match:1 share the byte before substr (bitfields have no offsetof)
    "struct dmi_system_id": ("callback", "ident", "matches", "driver_data"),
    "struct dmi_strmatch": ("substr",),
    "struct dmi_device": ("list", "type", "name", "device_data"),
    "struct x86_cpu_id": ("vendor", "family", "model", "steppings", "feature", "driver_data"),
    "struct firmware": ("size", "data", "priv"),
    "struct acpi_bus_type": ("list", "name", "match", "find_companion", "setup"),
    "struct nvmem_config": ("dev", "name", "id", "owner", "read_only", "root_only", "reg_read", "reg_write",
                            "size", "word_size", "stride", "priv"),
    "struct memory_dev_type": ("tier_sibiling", "adistance", "nodes", "kref"),
    "struct sysinfo": ("totalram", "freeram", "sharedram", "bufferram", "totalswap", "freeswap",
                       "totalhigh", "freehigh", "mem_unit"),
    # block devices and the SCSI transport classes (services/blkdev.py, transport_class.py, …)
    "struct klist": ("k_lock", "k_list", "get", "put"),
    "struct klist_node": ("n_klist", "n_node", "n_ref"),
    "struct attribute_container": ("node", "containers", "class", "grp", "attrs", "match", "flags"),
    "struct transport_container": ("ac", "statistics"),
    "struct transport_class": ("class", "setup", "configure", "remove"),
    "struct anon_transport_class": ("tclass", "container"),
    "struct quota_format_type": ("qf_fmt_id", "qf_ops", "qf_owner", "qf_next"),
    "struct badblocks": ("dev", "count", "unacked_exist", "shift", "page", "changed", "lock", "sector", "size"),
    "struct list_lru": ("node", "list", "shrinker_id", "memcg_aware", "xa"),
    "struct xarray": ("xa_lock", "xa_flags", "xa_head"),
    "struct bio": ("bi_next", "bi_io_vec", "bi_pool"),
    "struct bio_vec": ("bv_page", "bv_len", "bv_offset"),
    "struct list_lru_node": ("lock", "lru", "lru.list", "lru.nr_items", "nr_items"),
    "struct bio_set": ("bio_slab", "front_pad", "cache", "bio_pool", "bvec_pool", "bio_integrity_pool",
                       "bvec_integrity_pool", "back_pad", "rescue_lock", "rescue_list", "rescue_work",
                       "rescue_workqueue", "cpuhp_dead"),
    "struct blk_mq_tag_set": ("map", "nr_maps", "ops", "nr_hw_queues", "queue_depth", "reserved_tags",
                              "cmd_size", "numa_node", "timeout", "flags", "driver_data", "tags",
                              "shared_tags", "tag_list_lock", "tag_list"),
    "struct blk_mq_queue_map": ("mq_map", "nr_queues", "queue_offset"),
    "struct blk_mq_tags": ("nr_tags", "nr_reserved_tags", "active_queues", "bitmap_tags", "breserved_tags",
                           "rqs", "static_rqs", "page_list", "lock"),
    "struct blk_mq_ops": ("queue_rq", "get_budget", "put_budget", "init_hctx", "exit_hctx", "init_request",
                          "exit_request", "map_queues"),
    "struct request": ("q", "mq_ctx", "mq_hctx", "cmd_flags", "rq_flags", "tag", "internal_tag", "timeout"),
    "struct gendisk": ("major", "first_minor", "minors", "disk_name", "events", "event_flags", "part_tbl",
                       "part0", "fops", "queue", "private_data", "flags", "state", "open_mutex", "open_partitions",
                       "bdi", "slave_dir", "node_id", "bio_split", "diskseq"),
    "struct request_queue": ("last_merge", "elevator", "q_usage_counter", "stats", "rq_qos", "mq_ops",
                             "queue_ctx", "queuedata", "queue_flags", "pm_only", "id", "nr_requests",
                             "queue_lock", "disk", "mq_kobj", "limits", "tag_set", "tag_set_list",
                             "node", "nr_hw_queues", "queue_depth", "mq_freeze_wq", "mq_freeze_lock",
                             "sysfs_lock", "sysfs_dir_lock", "rcu_head", "refs", "kobj", "dma_pad_mask", "rq_timeout"),
    "struct queue_limits": ("bio_max_bytes", "bounce", "seg_boundary_mask", "virt_boundary_mask",
                            "max_hw_sectors", "max_dev_sectors", "chunk_sectors", "max_sectors",
                            "max_segment_size", "physical_block_size", "logical_block_size", "alignment_offset",
                            "io_min", "io_opt", "max_discard_sectors", "max_hw_discard_sectors",
                            "max_secure_erase_sectors", "max_write_zeroes_sectors", "max_zone_append_sectors",
                            "discard_granularity", "discard_alignment", "zone_write_granularity",
                            "max_segments", "max_integrity_segments", "max_discard_segments", "misaligned",
                            "discard_misaligned", "raid_partial_stripes_expensive", "zoned", "dma_alignment"),
    "struct block_device_operations": ("submit_bio", "poll_bio", "open", "release", "ioctl", "free_disk", "owner"),
    "struct block_device": ("bd_start_sect", "bd_nr_sectors", "bd_disk", "bd_queue", "bd_dev", "bd_partno",
                            "bd_device", "bd_holder_dir", "bd_inode", "bd_read_only", "bd_stats"),
    "struct disk_stats": ("nsecs", "sectors", "ios", "merges", "io_ticks", "in_flight"),
    # notifier chains, SRCU, RCU callbacks, shrinkers (services/notifier_chains.py, srcu.py, rcu_callbacks.py, shrinkers.py)
    "struct atomic_notifier_head": ("lock", "head"),
    "struct blocking_notifier_head": ("rwsem", "head"),
    "struct raw_notifier_head": ("head",),
    "struct srcu_notifier_head": ("mutex", "srcu", "head"),
    "struct srcu_struct": ("srcu_idx", "srcu_gp_seq", "sda"),
    "struct srcu_data": ("srcu_lock_count", "srcu_unlock_count"),
    "struct callback_head": ("next", "func"),
    "struct shrinker": ("count_objects", "scan_objects", "batch", "seeks", "flags", "list", "id", "nr_deferred"),
    "struct shrink_control": ("gfp_mask", "nid", "nr_to_scan", "nr_scanned", "memcg"),
    "struct rw_semaphore": ("count", "owner"),
    # the subsystem registries (kemu/os/linux/services/crypto_algs.py, registries.py, ...)
    "struct skcipher_alg": ("setkey", "encrypt", "decrypt", "init", "exit", "min_keysize", "max_keysize",
                            "ivsize", "chunksize", "walksize", "base"),
    "struct aead_alg": ("setkey", "encrypt", "decrypt", "init", "exit", "ivsize", "maxauthsize",
                        "chunksize", "base"),
    "struct akcipher_alg": ("sign", "verify", "encrypt", "decrypt", "set_pub_key", "set_priv_key",
                            "max_size", "init", "exit", "base"),
    "struct kpp_alg": ("set_secret", "generate_public_key", "compute_shared_secret", "max_size", "init",
                       "exit", "base"),
    "struct rng_alg": ("generate", "seed", "set_ent", "seedsize", "base"),
    "struct scomp_alg": ("alloc_ctx", "free_ctx", "compress", "decompress", "base"),
    "struct crypto_template": ("list", "instances", "module", "create", "name"),
    "struct crypto_queue": ("list", "backlog", "qlen", "max_qlen"),
    "struct asymmetric_key_parser": ("link", "owner", "name", "parse"),
    "struct led_trigger": ("name", "activate", "deactivate", "brightness", "trigger_type",
                           "leddev_list_lock", "led_cdevs", "next_trig"),
    "struct cpufreq_governor": ("name", "governor_list", "owner", "flags"),
    "struct zpool_driver": ("type", "owner", "refcount", "list"),
    "struct linux_binfmt": ("lh", "module"),
    "struct input_handler": ("name", "minor", "legacy_minors", "match", "connect", "id_table", "h_list",
                             "node"),
    "struct input_dev": ("name", "dev", "mutex", "event_lock", "timer", "h_list", "node", "vals", "devres_managed",
                         "poller", "absinfo", "mt", "ff"),
    "struct fb_info": ("count", "par", "device", "fbcon_rotate_hint", "bl_curve_mutex"),
    "struct console": ("name", "setup", "exit", "flags", "index", "next"),
    "struct tty_port": ("buf", "tty", "itty", "ops", "client_ops", "lock", "blocked_open", "count",
                        "open_wait", "delta_msr_wait", "flags", "iflags", "mutex",
                        "buf_mutex", "xmit_buf", "close_delay", "closing_wait", "drain_delay", "kref"),
    "struct uart_driver": ("owner", "driver_name", "dev_name", "major", "minor", "nr", "cons", "state",
                           "tty_driver"),
    "struct uart_state": ("port", "uart_port"),
    "struct cred": ("usage", "uid", "gid", "suid", "sgid", "euid", "egid", "fsuid", "fsgid", "securebits",
                    "cap_inheritable", "cap_permitted", "cap_effective", "cap_bset", "cap_ambient", "jit_keyring",
                    "session_keyring", "process_keyring", "thread_keyring", "request_key_auth", "security", "user",
                    "user_ns", "ucounts", "group_info", "non_rcu"),
    "struct tty_bufhead": ("work", "lock", "priority", "sentinel", "free", "mem_used", "mem_limit", "head",
                           "tail"),
    "struct scatterlist": ("page_link", "offset", "length", "dma_address"),
    "struct sg_mapping_iter": ("page", "addr", "length", "consumed", "piter", "__offset", "__remaining",
                               "__flags"),
    "struct sg_page_iter": ("sg", "sg_pgoffset", "__nents", "__pg_advance"),
    "struct ahash_alg": ("init", "update", "final", "finup", "digest", "export", "import", "setkey",
                         "init_tfm", "exit_tfm", "halg"),
    "struct hash_alg_common": ("digestsize", "statesize", "base"),
    "struct sha1_state": ("state", "count", "buffer"),
    "struct sha256_state": ("state", "count", "buf"),
    "struct md5_state": ("hash", "block", "byte_count"),
    # traffic control and the link-layer registries (services/net_sched.py, tcp_cong.py, rtnl.py, ...)
    "struct Qdisc_ops": ("next", "cl_ops", "id", "enqueue", "dequeue", "peek", "owner"),
    "struct Qdisc_class_ops": ("find", "walk", "leaf", "tcf_block", "bind_tcf", "unbind_tcf"),
    "struct tc_action_ops": ("head", "kind", "id", "net_id", "act", "dump", "init", "owner"),
    "struct tc_action_net": ("idrinfo", "ops"),
    "struct tcf_idrinfo": ("lock", "action_idr", "net"),
    "struct idr": ("idr_rt", "idr_base", "idr_next"),
    "struct tcf_proto_ops": ("head", "kind", "owner"),
    "struct tcf_ematch_ops": ("kind", "datalen", "match", "owner", "link"),
    "struct tcp_congestion_ops": ("list", "key", "flags", "ssthresh", "cong_avoid", "undo_cwnd",
                                  "cong_control", "name", "owner"),
    "struct rtnl_link_ops": ("list", "kind", "alloc", "setup", "maxtype", "dellink", "slave_maxtype"),
    "struct rtnl_af_ops": ("list", "family"),
    "struct rtnl_msg_handler": ("owner", "protocol", "msgtype", "doit", "dumpit", "flags"),
    "struct sock_diag_handler": ("family", "dump", "get_info", "destroy"),
    "struct cb_id": ("idx", "val"),
    "struct nf_sockopt_ops": ("list", "pf", "set_optmin", "set_optmax", "get_optmin", "get_optmax", "owner"),
    "struct nf_logger": ("name", "type", "logfn", "me"),
    "struct nf_hook_ops": ("hook", "dev", "priv", "pf", "hooknum", "priority"),
    "struct btf_kfunc_id_set": ("owner", "set"),
    # net_device and the protocol layers below sockets (services/net_device.py and neighbours)
    "struct net_device": ("name", "name_node", "ifindex", "netdev_ops", "header_ops", "flags", "priv_flags",
                          "mtu", "min_mtu", "max_mtu", "type", "hard_header_len", "addr_len", "dev_addr",
                          "perm_addr", "dev_addrs", "uc", "mc", "_tx", "num_tx_queues", "real_num_tx_queues",
                          "_rx", "num_rx_queues", "real_num_rx_queues", "reg_state", "needs_free_netdev",
                          "priv_destructor", "nd_net", "dev", "dev_list", "name_assign_type", "padded",
                          "tx_queue_len", "broadcast", "rtnl_link_ops", "unreg_list", "napi_list",
                          "ptype_all", "ptype_specific", "adj_list", "index_hlist", "pcpu_refcnt",
                          "gso_max_size", "gso_max_segs", "operstate", "state", "ml_priv", "ifalias",
                          "link_watch_list", "todo_list", "close_list", "group", "features", "priv_len",
                          "upper_level", "lower_level", "adj_list.upper", "adj_list.lower", "net_notifier_list",
                          "addr_assign_type", "ethtool_ops", "min_header_len", "ip_ptr", "ip6_ptr",
                          "carrier_up_count", "carrier_down_count"),
    "struct net_device_ops": ("ndo_init", "ndo_uninit", "ndo_open", "ndo_stop", "ndo_start_xmit"),
    "struct netdev_queue": ("dev", "xmit_lock_owner"),
    "struct netdev_hw_addr": ("list", "node", "addr", "type", "global_use", "sync_cnt", "refcount", "synced"),
    "struct netdev_notifier_info": ("dev", "extack"),
    "struct ethtool_ops": (),
    "struct netdev_rx_queue": ("dev",),
    "struct netdev_hw_addr_list": ("list", "count", "tree"),
    "struct inet_protosw": ("list", "type", "protocol", "prot", "ops", "flags"),
    "struct packet_offload": ("type", "priority", "callbacks", "list"),
    "struct xfrm_type": ("owner", "proto", "flags"),
    "struct xfrm_type_offload": ("owner", "proto"),
    "struct xfrm4_protocol": ("handler", "input_handler", "cb_handler", "err_handler", "next", "priority"),
    "struct xfrm6_protocol": ("handler", "input_handler", "cb_handler", "err_handler", "next", "priority"),
    "struct xfrm_input_afinfo": ("is_ipip", "family", "callback"),
    "struct xfrm_mgr": ("list",),
    "struct tty_ldisc_ops": ("name", "num", "open", "close", "flush_buffer", "read", "write", "ioctl",
                             "compat_ioctl", "set_termios", "poll", "hangup", "receive_buf", "write_wakeup",
                             "dcd_change", "receive_buf2", "lookahead_buf", "owner"),
    "struct inet_hashinfo": ("ehash", "ehash_locks", "ehash_mask", "ehash_locks_mask", "lhash2",
                             "lhash2_mask", "bhash", "bhash_size"),
    "struct inet_listen_hashbucket": ("lock", "nulls_head"),
    "struct inet_ehash_bucket": ("chain",),
    "struct sk_buff": ("next", "prev", "sk", "dev", "len", "data_len", "truesize", "users", "head", "data",
                       "tail", "end", "protocol", "destructor", "mac_header", "network_header",
                       "transport_header", "mac_len", "hdr_len", "__cloned_offset"),
    "struct skb_shared_info": ("nr_frags", "dataref", "frags", "frag_list", "gso_size"),
    "struct socket": ("state", "type", "flags", "file", "sk", "ops", "wq", "wq.wait.head"),
    "struct socket_alloc": ("socket", "vfs_inode"),
    "struct proto_ops": ("family", "owner", "release", "bind", "connect", "getname", "listen", "shutdown",
                         "sendmsg"),
    "struct net_proto_family": ("family", "create", "owner"),
    "struct napi_struct": ("poll_list", "state", "weight", "gro_bitmask", "poll", "dev", "gro_hash", "skb",
                           "rx_list", "rx_count", "dev_list", "napi_hash_node", "napi_id"),
    "struct gro_list": ("list", "count"),
    "struct sk_buff_head": ("next", "prev", "qlen", "lock"),
    "struct dst_cache": ("cache", "reset_ts"),
    # the driver core's second part (services/ksets.py, class_extras.py, runtime_pm.py, more_buses.py)
    "struct kset": ("list", "list_lock", "kobj", "uevent_ops"),
    "struct kobj_type": ("release", "sysfs_ops", "default_groups", "child_ns_type", "namespace",
                         "get_ownership"),
    "struct kset_uevent_ops": ("filter", "name", "uevent"),
    "struct kobj_uevent_env": ("argv", "envp", "envp_idx", "buf", "buflen"),
    "struct dev_pm_info": ("power_state", "driver_flags", "lock", "usage_count", "child_count", "links_count",
                           "request", "runtime_status", "last_status", "runtime_error", "autosuspend_delay",
                           "last_busy", "subsys_data", "set_latency_tolerance", "qos", "work", "timer_expires", "suspend_timer"),
    "struct dev_pm_ops": ("prepare", "complete", "suspend", "resume", "runtime_suspend", "runtime_resume",
                          "runtime_idle"),
    "struct dev_pm_domain": ("ops",),
    "struct device_type": ("name", "groups", "uevent", "devnode", "release", "pm"),
    "struct dev_pm_qos_request": ("type", "data", "dev"),
    "struct fwnode_handle": ("secondary", "ops", "dev"),
    "struct class_interface": ("node", "class", "add_dev", "remove_dev"),
    "struct auxiliary_device": ("dev", "name", "id"),
    "struct auxiliary_device_id": ("name", "driver_data"),
    "struct auxiliary_driver": ("probe", "remove", "shutdown", "suspend", "resume", "name", "driver",
                                "id_table"),
    "struct pnp_driver": ("name", "id_table", "flags", "probe", "remove", "shutdown", "suspend", "resume",
                          "driver"),
    "struct serdev_device_driver": ("driver", "probe", "remove"),
    "struct spi_mem_driver": ("spidrv", "probe", "remove", "shutdown"),
    "struct spi_mem": ("spi", "drvpriv", "ops", "name"),
    "struct spi_device": ("dev", "controller"),
    "struct nmiaction": ("list", "handler", "max_duration", "flags", "name"),
    "struct powercap_control_type": ("dev", "idr", "nr_zones", "ops", "lock", "allocated", "node"),
    "struct powercap_control_type_ops": ("set_enable", "get_enable", "release"),
    "struct mii_bus": ("id",),
}

PROBE_SYMBOL = "kemu_layout_probe"


def probe_entries(structs: dict[str, tuple[str, ...]]) -> list[tuple[str, str, str]]:
    """(struct, field or "", C expression) for every value the probe records, in array order."""
    entries = []
    for struct, fields in structs.items():
        entries.append((struct, "", f"sizeof({struct})"))
        entries.append((struct, "", f"__alignof__({struct})"))
        for field in fields:
            entries.append((struct, field, f"offsetof({struct}, {field})"))
            entries.append((struct, field, f"sizeof(((({struct} *)0)->{field}))"))
    return entries


def probe_source(structs: dict[str, tuple[str, ...]]) -> str:
    lines = ["// SPDX-License-Identifier: GPL-2.0", "/* Generated by tools/gen_linux_layouts.py: not a driver. */"]
    lines += [f"#include <{h}>" for h in HEADERS]
    lines += ["#include <linux/stddef.h>", "", 'MODULE_LICENSE("GPL");', "",
              f"const unsigned long {PROBE_SYMBOL}[] __used = {{"]
    for struct, field, expr in probe_entries(structs):
        lines.append(f"\t{expr},\t/* {struct} {field} */")
    lines.append("};")
    return "\n".join(lines) + "\n"


def _read_probe(ko: Path, count: int, word: int) -> list[int]:
    from elftools.elf.elffile import ELFFile

    with ko.open("rb") as f:
        elf = ELFFile(f)
        sym = elf.get_section_by_name(".symtab").get_symbol_by_name(PROBE_SYMBOL)[0]
        data = elf.get_section(sym["st_shndx"]).data()[sym["st_value"]:sym["st_value"] + count * word]
    return [int.from_bytes(data[i:i + word], "little") for i in range(0, len(data), word)]


NO_MEMBER = re.compile(r"[‘'](.+?)[’'](?: \{aka [‘'](.+?)[’']\})? has no member named [‘'](\w+)[’']")


def absent_fields(stderr: str, structs: dict[str, tuple[str, ...]]) -> set[tuple[str, str]]:
    """(struct, field) pairs gcc reported missing ("'struct module' has no member named 'x'")."""
    found = set()
    for spelled, aka, member in NO_MEMBER.findall(stderr):
        for struct, fields in structs.items():
            for field in fields:
                parts = field.split(".")
                if struct in (spelled, aka) and parts[0] == member:
                    found.add((struct, field))
                elif struct not in (spelled, aka) and len(parts) > 1 and parts[-1] == member:
                    found.add((struct, field))      # a nested member: gcc names the inner struct
    return found


def measure(arch: str) -> dict:
    """Build the probe for `arch` and return the layout table (what layouts-<release>.json holds)."""
    structs = {s: tuple(f) for s, f in STRUCTS.items()}
    absent: set[tuple[str, str]] = set()
    with tempfile.TemporaryDirectory(prefix="kemu-layouts-") as scratch:
        src = Path(scratch) / "layout_probe.c"
        for _ in range(5):
            src.write_text(probe_source(structs))
            request = linux_kbuild.KbuildRequest(arch=arch, sources=(src,), output=Path(scratch) / "probe.ko")
            result = linux_kbuild.build_module(request, cwd=Path(scratch))
            if result.ok:
                break
            missing = absent_fields(result.stderr, structs)
            if not missing:
                raise SystemExit(f"gen_linux_layouts: the {arch} probe does not build:\n{result.stderr}")
            absent |= missing
            structs = {s: tuple(f for f in fields if (s, f) not in absent) for s, fields in structs.items()}
        else:
            raise SystemExit(f"gen_linux_layouts: gave up on the {arch} probe")
        word = 8 if arch == "x86_64" else 4
        entries = probe_entries(structs)
        values = _read_probe(Path(scratch) / "probe.ko", len(entries), word)
    table: dict = {}
    for (struct, field, expr), value in zip(entries, values):
        entry = table.setdefault(struct, {"size": None, "align": None, "fields": {}})
        if not field:
            entry["size" if expr.startswith("sizeof") else "align"] = value
        elif expr.startswith("offsetof"):
            entry["fields"][field] = {"offset": value}
        else:
            entry["fields"][field]["size"] = value
    for struct, field in sorted(absent):
        table[struct]["fields"][field] = None
    for struct, fields in STRUCTS.items():          # keep STRUCTS' order, absent fields included
        table[struct]["fields"] = {f: table[struct]["fields"][f] for f in fields}
    headers = linux_headers.header_set(arch)
    return {
        "release": headers.release,
        "debian_version": linux_headers.DEBIAN_VERSION,
        "arch": arch,
        "generator": "tools/gen_linux_layouts.py",
        "structs": table,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare a fresh measurement with the committed data")
    parser.add_argument("--arch", choices=("x86_64", "i386", "all"), default="all")
    args = parser.parse_args(argv)
    status = 0
    for arch in ("x86_64", "i386") if args.arch == "all" else (args.arch,):
        fresh = measure(arch)
        path = layouts.DATA / f"layouts-{fresh['release']}.json"
        text = json.dumps(fresh, indent=1, sort_keys=False) + "\n"
        if args.check:
            same = path.is_file() and json.loads(path.read_text()) == fresh
            print(f"{arch}: {'same as' if same else 'DIFFERS from'} {path.relative_to(ROOT)}")
            status |= 0 if same else 1
        else:
            path.write_text(text)
            print(f"{arch}: wrote {path.relative_to(ROOT)} ({len(fresh['structs'])} structs)")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
