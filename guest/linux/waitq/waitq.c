// SPDX-License-Identifier: GPL-2.0
/*
 * waitq -- sleeping on a wait queue and on a completion, woken from a timer and from
 * delayed work on the virtual clock. init waits up to `timeout_ms` with
 * wait_event_timeout() for a flag a timer sets `delay_ms` later (0: never) and wakes the
 * queue, then with wait_for_completion_timeout() for a completion a delayed work item
 * completes after the same delay, and prints what each returned and how long it took.
 * With `forever` it waits with no timeout for what never comes: 1 wait_event (an
 * uninterruptible sleep nothing can end), 2 wait_event_interruptible, 3 wait_for_completion,
 * 4 wait_event while a timer fires every second without ever setting the flag.
 */
#include <linux/completion.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/timer.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("Wait queues and completions woken from a timer and from work");

static unsigned int delay_ms = 100;
module_param(delay_ms, uint, 0444);
static unsigned int timeout_ms = 1000;
module_param(timeout_ms, uint, 0444);
static int forever;
module_param(forever, int, 0444);

static DECLARE_WAIT_QUEUE_HEAD(waitq_head);
static int waitq_flag;
static struct timer_list waitq_timer;
static struct completion waitq_done;
static struct delayed_work waitq_work;

static void waitq_timer_fn(struct timer_list *t)
{
	waitq_flag = 1;
	wake_up(&waitq_head);
}

static int waitq_nags;
static struct timer_list waitq_nag_timer;

static void waitq_nag_fn(struct timer_list *t)
{
	waitq_nags++;
	mod_timer(t, jiffies + HZ);
}

static void waitq_work_fn(struct work_struct *work)
{
	complete(&waitq_done);
}

static int __init waitq_init(void)
{
	unsigned long start;
	long left;

	timer_setup(&waitq_timer, waitq_timer_fn, 0);
	init_completion(&waitq_done);
	INIT_DELAYED_WORK(&waitq_work, waitq_work_fn);

	if (forever == 4) {
		timer_setup(&waitq_nag_timer, waitq_nag_fn, 0);
		mod_timer(&waitq_nag_timer, jiffies + HZ);
		wait_event(waitq_head, waitq_flag);
		del_timer_sync(&waitq_nag_timer);
		return 0;
	}
	if (forever == 1) {
		wait_event(waitq_head, waitq_flag);
		pr_info("waitq: woken from the endless wait\n");
		return 0;
	}
	if (forever == 2) {
		left = wait_event_interruptible(waitq_head, waitq_flag);
		pr_info("waitq: interruptible wait gave %ld\n", left);
		return 0;
	}
	if (forever == 3) {
		wait_for_completion(&waitq_done);
		pr_info("waitq: completed\n");
		return 0;
	}

	if (delay_ms)
		mod_timer(&waitq_timer, jiffies + msecs_to_jiffies(delay_ms));
	start = jiffies;
	left = wait_event_timeout(waitq_head, waitq_flag, msecs_to_jiffies(timeout_ms));
	pr_info("waitq: wait_event_timeout gave %ld after %u ms, flag %d\n",
		left, jiffies_to_msecs(jiffies - start), waitq_flag);
	del_timer_sync(&waitq_timer);

	if (delay_ms)
		schedule_delayed_work(&waitq_work, msecs_to_jiffies(delay_ms));
	start = jiffies;
	left = wait_for_completion_timeout(&waitq_done, msecs_to_jiffies(timeout_ms));
	pr_info("waitq: wait_for_completion_timeout gave %ld after %u ms, done %d\n",
		left, jiffies_to_msecs(jiffies - start), completion_done(&waitq_done));
	cancel_delayed_work_sync(&waitq_work);
	return 0;
}

static void __exit waitq_exit(void)
{
	pr_info("waitq: unloaded\n");
}

module_init(waitq_init);
module_exit(waitq_exit);
