// SPDX-License-Identifier: GPL-2.0
/*
 * kworker -- a kthread worker and per-CPU counters, as a driver with its own worker thread
 * uses them: init creates the worker (its thread named from a format), queues a work
 * (queuing it again while pending is refused), flushes it, then queues a delayed work due
 * in 100 ms. Each work counts its runs in an alloc_percpu counter with this_cpu_inc.
 * exit cancels the delayed work (saying whether it was still pending), destroys the worker
 * and reports the per-CPU total before free_percpu.
 */
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("kthread_worker with a work and a delayed work, counting in per-CPU memory");

struct kw_counter {
	unsigned long runs;
	unsigned long late;
};

static struct kthread_worker *worker;
static struct kthread_work now_work;
static struct kthread_delayed_work late_work;
static struct kw_counter __percpu *counters;

static void now_fn(struct kthread_work *work)
{
	this_cpu_inc(counters->runs);
	pr_info("kworker: work ran, runs %lu\n", this_cpu_read(counters->runs));
}

static void late_fn(struct kthread_work *work)
{
	this_cpu_inc(counters->late);
	pr_info("kworker: delayed work ran, late %lu\n", this_cpu_read(counters->late));
}

static int __init kworker_init(void)
{
	bool first, again;

	counters = alloc_percpu(struct kw_counter);
	if (!counters)
		return -ENOMEM;
	worker = kthread_create_worker(0, "kemu_kw/%d", 7);
	if (IS_ERR(worker)) {
		free_percpu(counters);
		return PTR_ERR(worker);
	}
	kthread_init_work(&now_work, now_fn);
	kthread_init_delayed_work(&late_work, late_fn);
	first = kthread_queue_work(worker, &now_work);
	again = kthread_queue_work(worker, &now_work);
	pr_info("kworker: thread %s, queued %d then %d\n", worker->task->comm, first, again);
	kthread_flush_work(&now_work);
	pr_info("kworker: flushed, runs %lu\n", per_cpu_ptr(counters, 0)->runs);
	kthread_queue_delayed_work(worker, &late_work, msecs_to_jiffies(100));
	return 0;
}

static void __exit kworker_exit(void)
{
	bool pending = kthread_cancel_delayed_work_sync(&late_work);
	unsigned long runs = per_cpu_ptr(counters, 0)->runs, late = per_cpu_ptr(counters, 0)->late;

	kthread_destroy_worker(worker);
	pr_info("kworker: exit, delayed work pending %d, runs %lu, late %lu\n", pending, runs, late);
	free_percpu(counters);
}

module_init(kworker_init);
module_exit(kworker_exit);
