// SPDX-License-Identifier: GPL-2.0
/*
 * fibo -- the Fibonacci device with a dynamic major: alloc_chrdev_region for eight minors,
 * a cdev carrying fibo_fops, and a "fibo" class with one device per minor so that
 * /dev/fibo0 .. /dev/fibo7 appear as udev would make them. Every failure unwinds what
 * was done before it.
 */
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kdev_t.h>
#include <linux/module.h>

#include "fibo.h"

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("Fibonacci numbers from /dev/fibo0..7 (alloc_chrdev_region + cdev_add)");

static dev_t fibo_first;
static struct cdev fibo_cdev;
static struct class *fibo_class;

static int __init fibo_init(void)
{
	struct device *dev;
	int ret, i;

	ret = alloc_chrdev_region(&fibo_first, 0, FIBO_MINORS, "fibo");
	if (ret < 0)
		return ret;
	cdev_init(&fibo_cdev, &fibo_fops);
	fibo_cdev.owner = THIS_MODULE;
	ret = cdev_add(&fibo_cdev, fibo_first, FIBO_MINORS);
	if (ret < 0)
		goto unregister;
	fibo_class = class_create(THIS_MODULE, "fibo");
	if (IS_ERR(fibo_class)) {
		ret = PTR_ERR(fibo_class);
		goto del_cdev;
	}
	for (i = 0; i < FIBO_MINORS; i++) {
		dev = device_create(fibo_class, NULL, MKDEV(MAJOR(fibo_first), i), NULL, "fibo%d", i);
		if (IS_ERR(dev)) {
			ret = PTR_ERR(dev);
			goto destroy_devices;
		}
	}
	pr_info("fibo: FIBONACCI driver loaded, major %d\n", MAJOR(fibo_first));
	return 0;

destroy_devices:
	while (--i >= 0)
		device_destroy(fibo_class, MKDEV(MAJOR(fibo_first), i));
	class_destroy(fibo_class);
del_cdev:
	cdev_del(&fibo_cdev);
unregister:
	unregister_chrdev_region(fibo_first, FIBO_MINORS);
	return ret;
}

static void __exit fibo_exit(void)
{
	int i;

	for (i = 0; i < FIBO_MINORS; i++)
		device_destroy(fibo_class, MKDEV(MAJOR(fibo_first), i));
	class_destroy(fibo_class);
	cdev_del(&fibo_cdev);
	unregister_chrdev_region(fibo_first, FIBO_MINORS);
	pr_info("fibo: FIBONACCI driver unloaded\n");
}

module_init(fibo_init);
module_exit(fibo_exit);
