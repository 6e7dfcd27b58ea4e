// SPDX-License-Identifier: GPL-2.0
/*
 * noexit -- a module with an init function and no exit function. It loads; the kernel then
 * refuses to unload it (rmmod: "ERROR: ... is in use"/EBUSY) unless forced.
 */
#include <linux/init.h>
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("A module without module_exit: it cannot be unloaded");

static int __init noexit_init(void)
{
	pr_info("noexit: loaded for good\n");
	return 0;
}

module_init(noexit_init);
