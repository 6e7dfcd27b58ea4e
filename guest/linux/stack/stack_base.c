// SPDX-License-Identifier: GPL-2.0
/*
 * stack_base -- the lower of two stacked modules. It exports a function to everyone
 * (EXPORT_SYMBOL), one to GPL-compatible modules only (EXPORT_SYMBOL_GPL) and a counter
 * variable, so loading stack_user makes stack_base "Used by" it and unremovable until
 * stack_user is gone.
 */
#include <linux/export.h>
#include <linux/init.h>
#include <linux/module.h>

#include "stack_api.h"

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("Exports symbols for stacked modules (EXPORT_SYMBOL and EXPORT_SYMBOL_GPL)");

int stack_base_calls;
EXPORT_SYMBOL(stack_base_calls);

int stack_base_add(int a, int b)
{
	stack_base_calls++;
	return a + b;
}
EXPORT_SYMBOL(stack_base_add);

int stack_base_secret(void)
{
	stack_base_calls++;
	return 42;
}
EXPORT_SYMBOL_GPL(stack_base_secret);

static int __init stack_base_init(void)
{
	pr_info("stack_base: ready\n");
	return 0;
}

static void __exit stack_base_exit(void)
{
	pr_info("stack_base: %d calls served\n", stack_base_calls);
}

module_init(stack_base_init);
module_exit(stack_base_exit);
