// SPDX-License-Identifier: GPL-2.0
/*
 * percpu -- a module's own per-CPU variables (DEFINE_PER_CPU: its .data..percpu section).
 * init bumps a counter `bumps` times with this_cpu_inc and adds 0, 1, 2 ... to a total that
 * starts at 1000 (the section's initial contents), then reads them back three ways:
 * this_cpu_read (%gs/%fs relative), through this_cpu_ptr and through per_cpu(…, 0).
 * exit reads the counter again.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("A module's own per-CPU variables");

static int bumps = 5;
module_param(bumps, int, 0444);

static DEFINE_PER_CPU(int, percpu_hits);
static DEFINE_PER_CPU(unsigned long, percpu_total) = 1000;

static int __init percpu_load(void)
{
	int i;

	for (i = 0; i < bumps; i++) {
		this_cpu_inc(percpu_hits);
		this_cpu_add(percpu_total, i);
	}
	pr_info("percpu: this_cpu_read hits %d total %lu\n",
		this_cpu_read(percpu_hits), this_cpu_read(percpu_total));
	pr_info("percpu: this_cpu_ptr hits %d, per_cpu(0) total %lu\n",
		*this_cpu_ptr(&percpu_hits), per_cpu(percpu_total, 0));
	return 0;
}

static void __exit percpu_unload(void)
{
	pr_info("percpu: hits at exit %d\n", this_cpu_read(percpu_hits));
}

module_init(percpu_load);
module_exit(percpu_unload);
