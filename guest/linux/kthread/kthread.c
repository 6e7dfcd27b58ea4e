// SPDX-License-Identifier: GPL-2.0
/*
 * kthread -- kernel threads that sleep, are woken, count and stop. init creates "kicker"
 * with kthread_create (it does not run yet), binds it to CPU 0, renices it and wakes it; it
 * waits on a wait queue for kicks. init kicks it `kicks` times (wake_up, then waits for the
 * completion the thread completes after counting). A second thread, "ticker/0" (kthread_run),
 * sleeps `period_ms` at a time with schedule_timeout_interruptible, counts its wake-ups and
 * wakes init's wait_event_timeout for its first tick; init then sleeps `run_ms` with msleep
 * so it runs on the virtual clock. With `stubborn` the
 * ticker ignores kthread_should_stop (kthread_stop then waits forever: the hung task).
 * With `keep` exit leaves the threads running (the module goes with its threads alive).
 * exit stops both and prints what each returned.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/wait.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("Kernel threads that sleep, are woken, count and stop");

static int kicks = 3;
module_param(kicks, int, 0444);
static int period_ms = 100;
module_param(period_ms, int, 0444);
static int run_ms = 1000;
module_param(run_ms, int, 0444);
static bool stubborn;
module_param(stubborn, bool, 0444);
static bool keep;
module_param(keep, bool, 0444);

static int kicked;
module_param(kicked, int, 0444);
static int ticks;
module_param(ticks, int, 0444);

static DECLARE_WAIT_QUEUE_HEAD(kick_wq);
static DECLARE_WAIT_QUEUE_HEAD(tick_wq);
static DECLARE_COMPLETION(counted);
static bool kick;
static struct task_struct *kicker, *ticker;

static int kicker_fn(void *data)
{
	int *count = data;

	pr_info("kthread: %s running as pid %d, data %s\n", current->comm, current->pid,
		kthread_data(current) == data ? "ok" : "wrong");
	while (!kthread_should_stop()) {
		wait_event_interruptible(kick_wq, kick || kthread_should_stop());
		if (kick) {
			kick = false;
			(*count)++;
			complete(&counted);
		}
	}
	return 100 + *count;
}

static int ticker_fn(void *data)
{
	while (stubborn || !kthread_should_stop()) {
		schedule_timeout_interruptible(msecs_to_jiffies(period_ms));
		ticks++;
		wake_up(&tick_wq);
	}
	return ticks;
}

static int __init kt_init(void)
{
	long left;
	int i;

	kicker = kthread_create(kicker_fn, &kicked, "kicker");
	if (IS_ERR(kicker))
		return PTR_ERR(kicker);
	kthread_bind(kicker, 0);
	set_user_nice(kicker, -5);
	pr_info("kthread: created %s, pid %d, nice %d, ran %d\n", kicker->comm, kicker->pid,
		task_nice(kicker), kicked);
	wake_up_process(kicker);
	for (i = 0; i < kicks; i++) {
		kick = true;
		wake_up(&kick_wq);
		wait_for_completion(&counted);
	}
	pr_info("kthread: kicked %d times, counted %d\n", kicks, kicked);

	ticker = kthread_run(ticker_fn, NULL, "ticker/%d", 0);
	if (IS_ERR(ticker)) {
		kthread_stop(kicker);
		return PTR_ERR(ticker);
	}
	left = wait_event_timeout(tick_wq, ticks > 0, HZ);
	pr_info("kthread: the ticker woke init with %ld of %d jiffies left\n", left, HZ);
	msleep(run_ms);
	pr_info("kthread: %d ticks by %d ms later\n", ticks, run_ms);
	return 0;
}

static void __exit kt_exit(void)
{
	if (keep)
		return;
	pr_info("kthread: kicker stopped with %d\n", kthread_stop(kicker));
	pr_info("kthread: ticker stopped with %d\n", kthread_stop(ticker));
}

module_init(kt_init);
module_exit(kt_exit);
