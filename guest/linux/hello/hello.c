// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * hello -- the first module of the Linux chapter: one line at load, one at unload,
 * both at KERN_ALERT so they reach the console whatever the log level.
 */
#include <linux/init.h>
#include <linux/module.h>

MODULE_LICENSE("Dual BSD/GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("Hello, world: printk at KERN_ALERT in init and exit");

static int __init hello_init(void)
{
	printk(KERN_ALERT "Hello, world\n");
	return 0;
}

static void __exit hello_exit(void)
{
	printk(KERN_ALERT "Goodbye\n");
}

module_init(hello_init);
module_exit(hello_exit);
