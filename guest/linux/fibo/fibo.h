/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Fibonacci character device shared by the two fibo modules: fibo (dynamic major
 * through alloc_chrdev_region + cdev_add) and fibo_chrdev (register_chrdev). Both use the
 * same file_operations, defined in fibo_ops.c.
 *
 * Eight minors, /dev/fibo0 .. /dev/fibo7, each opened by one file at a time. A read
 * hands out the next Fibonacci numbers as native-endian u32 values, as many whole ones
 * as fit in the buffer: 1, 1, 2, 3, 5, ... 2971215073 (F(47), the largest that fits in
 * 32 bits), then 1, 1, 2 ... again, so a read never reaches end of file. A read of fewer
 * than 4 bytes is -EINVAL. The file position counts bytes handed out (4 per number).
 * These are the semantics of guest/netbsd-lkm/fibo/fibo.c, in Linux dress.
 */
#ifndef KEMU_FIBO_H
#define KEMU_FIBO_H

#include <linux/fs.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define FIBO_MINORS	8
#define FIBO_COUNT	47		/* numbers in one turn: F(1) .. F(47) */

/* ioctls: restart the sequence; read the index (0-based) of the next number; read the
 * next number without consuming it. Anything else is -ENOTTY. */
#define FIBO_IOC_MAGIC	'f'
#define FIBO_IOC_RESET	_IO(FIBO_IOC_MAGIC, 0)
#define FIBO_IOC_INDEX	_IOR(FIBO_IOC_MAGIC, 1, __u32)
#define FIBO_IOC_PEEK	_IOR(FIBO_IOC_MAGIC, 2, __u32)

extern const struct file_operations fibo_fops;

#endif
