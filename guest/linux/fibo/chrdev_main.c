// SPDX-License-Identifier: GPL-2.0
/*
 * fibo_chrdev -- the same Fibonacci device registered the older way: register_chrdev(0, ...)
 * asks for a free major and takes all 256 of its minors (fibo_open refuses those past 7
 * with -ENODEV). No class: the nodes are made by hand with mknod, as before udev.
 */
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/module.h>

#include "fibo.h"

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("Fibonacci numbers through register_chrdev (nodes made with mknod)");

static int fibo_major;

static int __init fibo_chrdev_init(void)
{
	fibo_major = register_chrdev(0, "fibo_chrdev", &fibo_fops);
	if (fibo_major < 0)
		return fibo_major;
	pr_info("fibo_chrdev: registered with major %d\n", fibo_major);
	return 0;
}

static void __exit fibo_chrdev_exit(void)
{
	unregister_chrdev(fibo_major, "fibo_chrdev");
	pr_info("fibo_chrdev: unregistered\n");
}

module_init(fibo_chrdev_init);
module_exit(fibo_chrdev_exit);
