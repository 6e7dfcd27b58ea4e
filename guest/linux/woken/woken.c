// SPDX-License-Identifier: GPL-2.0
/*
 * woken -- the wait_woken() loop drivers write around their own condition:
 * DEFINE_WAIT_FUNC(wait, woken_wake_function), add_wait_queue, then wait_woken() until the
 * condition holds or the time runs out, remove_wait_queue. A timer sets the condition and
 * wakes the queue after delay_ms; the wait gives up after timeout_ms. With early=1 the
 * wake-up happens between the condition test and wait_woken(), which must then not sleep.
 * With forever=1 (and delay_ms=0) the wait has no timeout and nothing can wake it: an
 * interruptible sleep nothing can end is ended as by a signal, which the loop sees.
 */
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/timer.h>
#include <linux/wait.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("wait_woken and woken_wake_function");

static unsigned int delay_ms = 100;
module_param(delay_ms, uint, 0444);
static unsigned int timeout_ms = 1000;
module_param(timeout_ms, uint, 0444);
static bool early;
module_param(early, bool, 0444);
static bool forever;
module_param(forever, bool, 0444);

static DECLARE_WAIT_QUEUE_HEAD(woken_wq);
static struct timer_list woken_timer;
static bool ready;

static void woken_fire(struct timer_list *t)
{
	ready = true;
	wake_up_interruptible(&woken_wq);
}

static int __init woken_init(void)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	unsigned long start = jiffies;
	long timeout = msecs_to_jiffies(timeout_ms);
	int sleeps = 0;

	if (forever)
		timeout = MAX_SCHEDULE_TIMEOUT;

	timer_setup(&woken_timer, woken_fire, 0);
	if (delay_ms)
		mod_timer(&woken_timer, jiffies + msecs_to_jiffies(delay_ms));
	add_wait_queue(&woken_wq, &wait);
	while (!ready && timeout) {
		if (signal_pending(current))
			break;
		if (early) {
			early = false;
			ready = true;
			wake_up_interruptible(&woken_wq);
		}
		timeout = wait_woken(&wait, TASK_INTERRUPTIBLE, timeout);
		sleeps++;
	}
	remove_wait_queue(&woken_wq, &wait);
	del_timer_sync(&woken_timer);
	pr_info("woken: ready %d after %u ms, %ld jiffies left, %d waits, flags %x, signal %d\n",
		ready, jiffies_to_msecs(jiffies - start), forever ? 0 : timeout, sleeps, wait.flags,
		signal_pending(current));
	return 0;
}

static void __exit woken_exit(void)
{
}

module_init(woken_init);
module_exit(woken_exit);
