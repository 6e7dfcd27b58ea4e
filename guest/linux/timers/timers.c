// SPDX-License-Identifier: GPL-2.0
/*
 * timers -- deferred work on the (virtual) clock: a timer_list that fires every 100 ms
 * (msecs_to_jiffies) and re-arms itself TICKS times; each expiry queues a work item on
 * the module's own workqueue; a delayed_work on the system workqueue runs once after
 * 250 ms. init sleeps 10 ms with msleep and logs how far jiffies moved. The counters sit
 * under a spinlock (timer context) and a mutex (process context). exit stops everything
 * with del_timer_sync, cancel_delayed_work_sync and destroy_workqueue and reports counts.
 */
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("A timer, a workqueue and a delayed work driven by jiffies");

#define TICKS		3
#define PERIOD_MS	100
#define DELAY_MS	250

static struct timer_list tick_timer;
static struct workqueue_struct *tick_wq;
static struct work_struct tick_work;
static struct delayed_work late_work;
static DEFINE_SPINLOCK(tick_lock);
static DEFINE_MUTEX(work_lock);
static int ticks, works, late_runs;

static void tick_fn(struct timer_list *t)
{
	unsigned long flags;
	int n;

	spin_lock_irqsave(&tick_lock, flags);
	n = ++ticks;
	spin_unlock_irqrestore(&tick_lock, flags);
	queue_work(tick_wq, &tick_work);
	if (n < TICKS)
		mod_timer(&tick_timer, jiffies + msecs_to_jiffies(PERIOD_MS));
}

static void tick_work_fn(struct work_struct *work)
{
	mutex_lock(&work_lock);
	works++;
	mutex_unlock(&work_lock);
	pr_info("timers: work %d at jiffies %lu\n", works, jiffies);
}

static void late_work_fn(struct work_struct *work)
{
	late_runs++;
	pr_info("timers: delayed work ran at jiffies %lu\n", jiffies);
}

static int __init timers_init(void)
{
	unsigned long before = jiffies;

	tick_wq = alloc_workqueue("kemu_ticks", WQ_UNBOUND, 1);
	if (!tick_wq)
		return -ENOMEM;
	INIT_WORK(&tick_work, tick_work_fn);
	INIT_DELAYED_WORK(&late_work, late_work_fn);
	timer_setup(&tick_timer, tick_fn, 0);
	msleep(10);
	pr_info("timers: msleep(10) took %u ms of jiffies\n", jiffies_to_msecs(jiffies - before));
	mod_timer(&tick_timer, jiffies + msecs_to_jiffies(PERIOD_MS));
	schedule_delayed_work(&late_work, msecs_to_jiffies(DELAY_MS));
	return 0;
}

static void __exit timers_exit(void)
{
	del_timer_sync(&tick_timer);
	cancel_delayed_work_sync(&late_work);
	destroy_workqueue(tick_wq);
	pr_info("timers: %d ticks, %d works, %d delayed\n", ticks, works, late_runs);
}

module_init(timers_init);
module_exit(timers_exit);
