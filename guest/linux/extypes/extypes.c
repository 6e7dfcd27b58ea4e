// SPDX-License-Identifier: GPL-2.0
/*
 * extypes -- the __ex_table fixup types beyond the uaccess ones, as a 6.1 module's own code
 * carries them.
 *
 * zp: load_unaligned_zeropad() of the word at that address (word-at-a-time string code
 *     does this): when the word runs into an unmapped page the EX_TYPE_ZEROPAD fixup gives
 *     the bytes that are mapped, zero-filled above.
 * bad: an address whose load faults, used under the MSR fixup types: an unchecked read
 *     (EX_TYPE_RDMSR: "unchecked MSR access error", eax:edx read as 0) and a checked one
 *     (EX_TYPE_RDMSR_SAFE: the error register gets -EIO). The emulated CPU raises no #GP
 *     for an unknown MSR, so a faulting load stands in for the rdmsr at the entry.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <asm/asm.h>
#include <asm/word-at-a-time.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("__ex_table fixup types: ZEROPAD and the MSR ones");

static unsigned long zp;
module_param(zp, ulong, 0444);
static unsigned long bad;
module_param(bad, ulong, 0444);

static noinline void msr_unchecked(const u32 *p)
{
	u32 lo = 0x1111, hi = 0x2222;

	asm volatile("1:	movl (%[p]), %%eax\n"
		     "2:\n"
		     _ASM_EXTABLE_TYPE(1b, 2b, EX_TYPE_RDMSR)
		     : "+a" (lo), "+d" (hi)
		     : [p] "r" (p), "c" (0xc0de));
	pr_info("extypes: rdmsr lo %x hi %x\n", lo, hi);
}

static noinline void msr_safe(const u32 *p)
{
	u32 lo = 0x1111, hi = 0x2222;
	int err = 0;

	asm volatile("1:	movl (%[p]), %%eax\n"
		     "2:\n"
		     _ASM_EXTABLE_TYPE_REG(1b, 2b, EX_TYPE_RDMSR_SAFE, %[err])
		     : [err] "+r" (err), "+a" (lo), "+d" (hi)
		     : [p] "r" (p), "c" (0xc0de));
	pr_info("extypes: rdmsr_safe err %d lo %x hi %x\n", err, lo, hi);
}

static int __init extypes_init(void)
{
	if (zp)
		pr_info("extypes: zeropad %lx\n", load_unaligned_zeropad((const void *)zp));
	if (bad) {
		msr_unchecked((const u32 *)bad);
		msr_unchecked((const u32 *)bad);
		msr_safe((const u32 *)bad);
	}
	return 0;
}

static void __exit extypes_exit(void)
{
}

module_init(extypes_init);
module_exit(extypes_exit);
