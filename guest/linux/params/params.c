// SPDX-License-Identifier: GPL-2.0
/*
 * params -- module parameters of each common kind: an int, a string (charp), a bool and an
 * int array, each with MODULE_PARM_DESC, shown in /sys/module/params/parameters/ with the
 * permissions given here. init prints what it was given; a negative count trips a WARN
 * (an entry in __bug_table) and the load goes on, as WARN does. pr_debug adds a
 * dynamic-debug site (__dyndbg, and its static key in __jump_table).
 */
#include <linux/bug.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("Module parameters: int, charp, bool and an int array");

static int count = 1;
module_param(count, int, 0644);
MODULE_PARM_DESC(count, "How many times to greet (an int; negative values WARN)");

static char *whom = "world";
module_param(whom, charp, 0444);
MODULE_PARM_DESC(whom, "Whom to greet (a string)");

static bool shout;
module_param(shout, bool, 0644);
MODULE_PARM_DESC(shout, "Greet at KERN_ALERT instead of KERN_INFO (a bool)");

static int values[4] = { 1, 2, 3, 4 };
static int nvalues = 4;
module_param_array(values, int, &nvalues, 0444);
MODULE_PARM_DESC(values, "Up to four ints to add up (an array)");

static int __init params_init(void)
{
	int i, sum = 0;

	WARN(count < 0, "params: count %d is negative\n", count);
	for (i = 0; i < count; i++) {
		if (shout)
			pr_alert("params: HELLO, %s!\n", whom);
		else
			pr_info("params: hello, %s\n", whom);
	}
	for (i = 0; i < nvalues; i++)
		sum += values[i];
	pr_info("params: %d values add up to %d\n", nvalues, sum);
	pr_debug("params: count=%d shout=%d\n", count, shout);
	return 0;
}

static void __exit params_exit(void)
{
	pr_info("params: goodbye, %s\n", whom);
}

module_init(params_init);
module_exit(params_exit);
