// SPDX-License-Identifier: GPL-2.0
/*
 * objects -- the bookkeeping kernel code does with its own objects: each `struct kemu_obj`
 * is reference counted with a kref, linked on a list_head, and named by an id from an IDR;
 * a periodic hrtimer ticks every period_ms (hrtimer_forward_now + HRTIMER_RESTART) until it
 * has fired `limit` times.
 *
 * init makes `count` objects (ids from 1), looks up id `lookup` with idr_find, takes and
 * drops an extra reference on it, removes id `drop` (its last kref_put frees it), and walks
 * the IDR with idr_for_each_entry. exit cancels the timer, reports how often it fired, and
 * puts every object left on the list.
 */
#include <linux/hrtimer.h>
#include <linux/idr.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("kref, list_head, idr and a periodic hrtimer");

static int count = 4;
module_param(count, int, 0444);
static int lookup = 2;
module_param(lookup, int, 0444);
static int drop = 3;
module_param(drop, int, 0444);
static unsigned int period_ms = 10;
module_param(period_ms, uint, 0444);
static unsigned int limit = 5;
module_param(limit, uint, 0444);

struct kemu_obj {
	struct kref ref;
	struct list_head node;
	int id;
};

static DEFINE_IDR(objs);
static LIST_HEAD(obj_list);
static int freed;
static struct hrtimer tick;
static unsigned int fired;
static ktime_t started;

static void obj_release(struct kref *ref)
{
	struct kemu_obj *obj = container_of(ref, struct kemu_obj, ref);

	idr_remove(&objs, obj->id);
	list_del(&obj->node);
	freed++;
	kfree(obj);
}

static enum hrtimer_restart tick_fn(struct hrtimer *t)
{
	u64 overruns;

	fired++;
	if (fired >= limit) {
		pr_info("objects: hrtimer fired %u times in %lld ms\n", fired,
			ktime_to_ms(ktime_sub(hrtimer_cb_get_time(t), started)));
		return HRTIMER_NORESTART;
	}
	overruns = hrtimer_forward_now(t, ms_to_ktime(period_ms));
	if (overruns > 1)
		pr_info("objects: %llu overruns\n", overruns);
	return HRTIMER_RESTART;
}

static int __init objects_init(void)
{
	struct kemu_obj *obj;
	int i, id;

	for (i = 0; i < count; i++) {
		obj = kzalloc(sizeof(*obj), GFP_KERNEL);
		if (!obj)
			return -ENOMEM;
		kref_init(&obj->ref);
		id = idr_alloc(&objs, obj, 1, 0, GFP_KERNEL);
		if (id < 0) {
			kfree(obj);
			return id;
		}
		obj->id = id;
		list_add_tail(&obj->node, &obj_list);
	}

	obj = idr_find(&objs, lookup);
	if (obj) {
		kref_get(&obj->ref);
		pr_info("objects: found id %d, refcount %u\n", obj->id, kref_read(&obj->ref));
		kref_put(&obj->ref, obj_release);
	} else {
		pr_info("objects: no id %d\n", lookup);
	}

	obj = idr_find(&objs, drop);
	if (obj)
		kref_put(&obj->ref, obj_release);

	pr_info("objects: ids");
	idr_for_each_entry(&objs, obj, id)
		pr_cont(" %d", id);
	pr_cont(", %s, %d freed\n", idr_is_empty(&objs) ? "empty" : "not empty", freed);

	started = ktime_get();
	hrtimer_init(&tick, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	tick.function = tick_fn;
	hrtimer_start(&tick, ms_to_ktime(period_ms), HRTIMER_MODE_REL);
	return 0;
}

static void __exit objects_exit(void)
{
	struct kemu_obj *obj, *next;
	int active = hrtimer_cancel(&tick);

	list_for_each_entry_safe(obj, next, &obj_list, node)
		kref_put(&obj->ref, obj_release);
	pr_info("objects: fired %u, timer was %s, %d freed, idr %s\n", fired,
		active ? "active" : "idle", freed, idr_is_empty(&objs) ? "empty" : "not empty");
	idr_destroy(&objs);
}

module_init(objects_init);
module_exit(objects_exit);
