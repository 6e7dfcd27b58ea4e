// SPDX-License-Identifier: GPL-2.0
/*
 * bugs -- WARN and BUG through __bug_table. init WARN_ON()s when `warn` is set, WARN_ONCE()s
 * `repeat` times (reported once) and says it went on; with `bug` set it BUG_ON()s, which is
 * an oops: init never returns and the load fails. Each macro is a ud2 with a bug_entry
 * giving this file and line.
 */
#include <linux/bug.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("WARN_ON, WARN_ONCE and BUG_ON through __bug_table");

static int warn;
module_param(warn, int, 0444);
static int repeat;
module_param(repeat, int, 0444);
static int bug;
module_param(bug, int, 0444);

static noinline int bugs_check(int value)
{
	if (WARN_ON(value > 1))
		return -1;
	return value;
}

static int __init bugs_init(void)
{
	int i, warned = 0;

	if (warn)
		warned = bugs_check(warn);
	for (i = 0; i < repeat; i++)
		WARN_ONCE(1, "bugs: warning once of %d\n", repeat);
	pr_info("bugs: went on after the warnings (check gave %d)\n", warned);
	BUG_ON(bug);
	pr_info("bugs: no BUG\n");
	return 0;
}

static void __exit bugs_exit(void)
{
	pr_info("bugs: unloaded\n");
}

module_init(bugs_init);
module_exit(bugs_exit);
