// SPDX-License-Identifier: GPL-2.0
/*
 * stack_user -- stacked on stack_base: uses its plain and its GPL-only export and its
 * exported counter. Built with stack_base's Module.symvers, so __versions carries their
 * CRCs; modprobe loads stack_base first. One call goes through a function pointer, as
 * driver code calls through ops tables: on x86-64 that is a call to a retpoline thunk
 * (__x86_indirect_thunk_<reg>), listed in .retpoline_sites.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "stack_api.h"

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("Uses stack_base's EXPORT_SYMBOL and EXPORT_SYMBOL_GPL functions");

static int __init stack_user_init(void)
{
	int (*volatile add)(int, int) = stack_base_add;
	int sum = stack_base_add(2, 3);
	int secret = stack_base_secret();

	pr_info("stack_user: 2 + 3 = %d, secret %d, %d calls so far\n", sum, secret, stack_base_calls);
	pr_info("stack_user: through a pointer, 20 + 22 = %d\n", add(20, 22));
	return 0;
}

static void __exit stack_user_exit(void)
{
	pr_info("stack_user: leaving after %d calls\n", stack_base_calls);
}

module_init(stack_user_init);
module_exit(stack_user_exit);
