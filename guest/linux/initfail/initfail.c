// SPDX-License-Identifier: GPL-2.0
/*
 * initfail -- a module whose init allocates, then finds no device, frees what it took and
 * returns -ENODEV: the load fails ("No such device"), nothing of the module stays and
 * nothing leaks.
 */
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/slab.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("A module whose init fails with -ENODEV");

static int __init initfail_init(void)
{
	char *probe = kmalloc(128, GFP_KERNEL);

	if (!probe)
		return -ENOMEM;
	pr_info("initfail: probing for a device that is not there\n");
	kfree(probe);
	return -ENODEV;
}

static void __exit initfail_exit(void)
{
	pr_info("initfail: never reached\n");
}

module_init(initfail_init);
module_exit(initfail_exit);
