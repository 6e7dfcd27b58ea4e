// SPDX-License-Identifier: GPL-2.0
/*
 * uaccess -- inline user accesses and their __ex_table fixups. init reads the int at the
 * user address `uaddr` with unsafe_get_user and writes it back plus one with
 * unsafe_put_user (both between user_access_begin and user_access_end), then reads it with
 * __get_user's inline cousin, get_user through an explicit asm with an exception-table
 * entry of type EFAULT_REG (the register gets -EFAULT). A bad address does not oops: each
 * access ends at its fixup and reports -EFAULT.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/uaccess.h>
#include <asm/asm.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("Inline user accesses with __ex_table fixups");

static unsigned long uaddr;
module_param(uaddr, ulong, 0444);

static noinline int uaccess_peek(const int __user *p, int *out)
{
	int v;

	if (!user_access_begin(p, sizeof(*p)))
		return -EFAULT;
	unsafe_get_user(v, p, fault);
	user_access_end();
	*out = v;
	return 0;
fault:
	user_access_end();
	return -EFAULT;
}

static noinline int uaccess_poke(int __user *p, int v)
{
	if (!user_access_begin(p, sizeof(*p)))
		return -EFAULT;
	unsafe_put_user(v, p, fault);
	user_access_end();
	return 0;
fault:
	user_access_end();
	return -EFAULT;
}

/* a load whose fault sets the error register to -EFAULT and resumes after it */
static noinline int uaccess_load(const int *p, int *out)
{
	int err = 0, v = 0;

	asm volatile("1:	movl (%[p]), %[v]\n"
		     "2:\n"
		     _ASM_EXTABLE_TYPE_REG(1b, 2b, EX_TYPE_EFAULT_REG, %[err])
		     : [err] "+r" (err), [v] "+r" (v)
		     : [p] "r" (p));
	if (!err)
		*out = v;
	return err;
}

static int __init uaccess_init(void)
{
	int v = -1, w = -1, r;

	r = uaccess_peek((const int __user *)uaddr, &v);
	pr_info("uaccess: get %d value %d\n", r, v);
	r = uaccess_poke((int __user *)uaddr, v + 1);
	pr_info("uaccess: put %d\n", r);
	r = uaccess_load((const int *)uaddr, &w);
	pr_info("uaccess: load %d value %d\n", r, w);
	return 0;
}

static void __exit uaccess_exit(void)
{
}

module_init(uaccess_init);
module_exit(uaccess_exit);
