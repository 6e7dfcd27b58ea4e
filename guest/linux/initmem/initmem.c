// SPDX-License-Identifier: GPL-2.0
/*
 * initmem -- a module that keeps a pointer into its own __initdata past init, the classic
 * use-after-free of init memory: init reads the string fine; the kernel frees the .init.*
 * sections once init returned, so with `stale` set exit's read of it faults.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("Reads its __initdata after init (which faults)");

static int stale;
module_param(stale, int, 0444);

static char initmem_greeting[] __initdata = "hello from init data";
static const char *initmem_kept;

static int __init initmem_load(void)
{
	initmem_kept = initmem_greeting;
	pr_info("initmem: init reads '%s'\n", initmem_greeting);
	return 0;
}

static void __exit initmem_unload(void)
{
	if (stale)
		pr_info("initmem: exit reads byte %d\n", *(volatile const char *)initmem_kept);
	pr_info("initmem: unloaded\n");
}

module_init(initmem_load);
module_exit(initmem_unload);
