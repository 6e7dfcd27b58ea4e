// SPDX-License-Identifier: GPL-2.0
/*
 * stack_proprietary -- a module that is not GPL-compatible (MODULE_LICENSE("Proprietary"))
 * and tries stack_base's GPL-only export. The kernel hides GPL-only symbols from it, so
 * insmod fails with "Unknown symbol stack_base_secret (err -2)" after the license taint
 * message. modpost would refuse to build it knowing the export is GPL-only, so it is built
 * without stack_base's Module.symvers (modpost only warns that the symbol is unknown), the
 * way such a module gets built outside the kernel tree.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "stack_api.h"

MODULE_LICENSE("Proprietary");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("A non-GPL module that tries a GPL-only symbol");

static int __init stack_proprietary_init(void)
{
	pr_info("stack_proprietary: secret %d\n", stack_base_secret());
	return 0;
}

static void __exit stack_proprietary_exit(void)
{
}

module_init(stack_proprietary_init);
module_exit(stack_proprietary_exit);
