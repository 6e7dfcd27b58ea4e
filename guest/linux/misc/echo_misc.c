// SPDX-License-Identifier: GPL-2.0
/*
 * echo_misc -- a misc device (/dev/kemu_echo, major 10, a dynamic minor) that keeps the last
 * message written to it (up to ECHO_SIZE bytes) and reads it back like a small file:
 * read honours the file position and returns 0 at the end. An ioctl reports the stored
 * length with unsafe_put_user between user_access_begin and user_access_end: the store is
 * inline code with an __ex_table entry, so a bad pointer faults into the fixup and the
 * ioctl returns -EFAULT. A write longer than the buffer is -EFBIG.
 */
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/ioctl.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("A misc device that reads back what was written to it");

#define ECHO_SIZE	64
#define ECHO_IOC_LENGTH	_IOR('e', 1, int)

static char echo_buffer[ECHO_SIZE];
static size_t echo_length;
static DEFINE_MUTEX(echo_lock);

static ssize_t echo_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&echo_lock);
	ret = simple_read_from_buffer(buf, count, ppos, echo_buffer, echo_length);
	mutex_unlock(&echo_lock);
	return ret;
}

static ssize_t echo_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	if (count > ECHO_SIZE)
		return -EFBIG;
	mutex_lock(&echo_lock);
	if (copy_from_user(echo_buffer, buf, count)) {
		mutex_unlock(&echo_lock);
		return -EFAULT;
	}
	echo_length = count;
	mutex_unlock(&echo_lock);
	return count;
}

static long echo_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	int __user *out = (int __user *)arg;

	if (cmd != ECHO_IOC_LENGTH)
		return -ENOTTY;
	if (!user_access_begin(out, sizeof(*out)))
		return -EFAULT;
	unsafe_put_user((int)echo_length, out, fault);
	user_access_end();
	return 0;
fault:
	user_access_end();
	return -EFAULT;
}

static const struct file_operations echo_fops = {
	.owner = THIS_MODULE,
	.read = echo_read,
	.write = echo_write,
	.llseek = default_llseek,
	.unlocked_ioctl = echo_ioctl,
};

static struct miscdevice echo_device = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kemu_echo",
	.fops = &echo_fops,
	.mode = 0666,
};

static int __init echo_init(void)
{
	int ret = misc_register(&echo_device);

	if (ret)
		return ret;
	pr_info("echo_misc: /dev/%s is misc minor %d\n", echo_device.name, echo_device.minor);
	return 0;
}

static void __exit echo_exit(void)
{
	misc_deregister(&echo_device);
}

module_init(echo_init);
module_exit(echo_exit);
