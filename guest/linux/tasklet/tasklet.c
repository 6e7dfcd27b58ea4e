// SPDX-License-Identifier: GPL-2.0
/*
 * tasklet -- deferred work in softirq context. init schedules a tasklet made with
 * tasklet_setup and a high-priority one made with tasklet_init (scheduled twice: it runs
 * once), then waits on a wait queue until both have run, printing the order they ran in.
 * With `disabled` the first one is disabled before scheduling and only runs once init
 * re-enables it and reschedules nothing: it was still queued. exit kills both.
 */
#include <linux/init.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/wait.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("Tasklets scheduled from init and waited for");

static int disabled;
module_param(disabled, int, 0444);

static DECLARE_WAIT_QUEUE_HEAD(done_wq);
static int ran_cb, ran_hi;
static int order;
static struct tasklet_struct cb_tasklet, hi_tasklet;

static void cb_fn(struct tasklet_struct *t)
{
	ran_cb = ++order;
	pr_info("tasklet: callback tasklet ran (%s)\n", t == &cb_tasklet ? "got itself" : "wrong pointer");
	wake_up(&done_wq);
}

static void hi_fn(unsigned long data)
{
	ran_hi = ++order;
	pr_info("tasklet: hi tasklet ran with data %lu\n", data);
	wake_up(&done_wq);
}

static int __init tasklet_mod_init(void)
{
	long left;

	tasklet_setup(&cb_tasklet, cb_fn);
	tasklet_init(&hi_tasklet, hi_fn, 42);
	if (disabled)
		tasklet_disable_nosync(&cb_tasklet);
	tasklet_schedule(&cb_tasklet);
	tasklet_hi_schedule(&hi_tasklet);
	tasklet_hi_schedule(&hi_tasklet);
	pr_info("tasklet: scheduled, ran so far: %d\n", order);
	left = wait_event_timeout(done_wq, ran_hi, HZ);
	pr_info("tasklet: hi %d cb %d (%s)\n", ran_hi, ran_cb, left ? "woken" : "timed out");
	if (disabled) {
		tasklet_enable(&cb_tasklet);
		left = wait_event_timeout(done_wq, ran_cb, HZ);
		pr_info("tasklet: after enable: cb %d (%s)\n", ran_cb, left ? "woken" : "timed out");
	} else {
		wait_event_timeout(done_wq, ran_cb, HZ);
		pr_info("tasklet: order hi %d cb %d\n", ran_hi, ran_cb);
	}
	return 0;
}

static void __exit tasklet_mod_exit(void)
{
	tasklet_kill(&cb_tasklet);
	tasklet_kill(&hi_tasklet);
	pr_info("tasklet: killed\n");
}

module_init(tasklet_mod_init);
module_exit(tasklet_mod_exit);
