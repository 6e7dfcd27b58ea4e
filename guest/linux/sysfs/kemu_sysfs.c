// SPDX-License-Identifier: GPL-2.0
/*
 * kemu_sysfs -- attributes under /sys/kernel/kemu_sysfs, the way drivers export knobs:
 * kobject_create_and_add() under kernel_kobj, a read-write `value` (kstrtoint in store,
 * -EINVAL for anything else) made with sysfs_create_file(), and an attribute group
 * `stats` (a subdirectory) holding read-only `reads` and `writes` counters and a `limit`
 * that is_visible() shows read-write only when the module parameter `tunable` is set.
 * kobject_put() in exit removes it all.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("sysfs attributes under /sys/kernel");

static bool tunable;
module_param(tunable, bool, 0444);

static struct kobject *kemu_kobj;
static int value = 42;
static int limit = 100;
static unsigned int reads, writes;

static ssize_t value_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	reads++;
	return sysfs_emit(buf, "%d\n", value);
}

static ssize_t value_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	int v, ret;

	ret = kstrtoint(buf, 0, &v);
	if (ret)
		return ret;
	if (v > limit)
		return -ERANGE;
	value = v;
	writes++;
	return count;
}

static struct kobj_attribute value_attr = __ATTR(value, 0644, value_show, value_store);

static ssize_t reads_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", reads);
}

static ssize_t writes_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", writes);
}

static ssize_t limit_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", limit);
}

static ssize_t limit_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	int ret = kstrtoint(buf, 10, &limit);

	return ret ? ret : count;
}

static struct kobj_attribute reads_attr = __ATTR_RO(reads);
static struct kobj_attribute writes_attr = __ATTR_RO(writes);
static struct kobj_attribute limit_attr = __ATTR(limit, 0444, limit_show, limit_store);

static struct attribute *stats_attrs[] = {
	&reads_attr.attr,
	&writes_attr.attr,
	&limit_attr.attr,
	NULL,
};

static umode_t stats_visible(struct kobject *kobj, struct attribute *attr, int n)
{
	if (attr == &limit_attr.attr)
		return tunable ? 0644 : 0444;
	return attr->mode;
}

static const struct attribute_group stats_group = {
	.name = "stats",
	.attrs = stats_attrs,
	.is_visible = stats_visible,
};

static int __init kemu_sysfs_init(void)
{
	int ret;

	kemu_kobj = kobject_create_and_add("kemu_sysfs", kernel_kobj);
	if (!kemu_kobj)
		return -ENOMEM;
	ret = sysfs_create_file(kemu_kobj, &value_attr.attr);
	if (!ret)
		ret = sysfs_create_group(kemu_kobj, &stats_group);
	if (ret) {
		kobject_put(kemu_kobj);
		return ret;
	}
	pr_info("kemu_sysfs: /sys/kernel/kemu_sysfs ready\n");
	return 0;
}

static void __exit kemu_sysfs_exit(void)
{
	sysfs_remove_group(kemu_kobj, &stats_group);
	kobject_put(kemu_kobj);
	pr_info("kemu_sysfs: value %d after %u reads, %u writes\n", value, reads, writes);
}

module_init(kemu_sysfs_init);
module_exit(kemu_sysfs_exit);
