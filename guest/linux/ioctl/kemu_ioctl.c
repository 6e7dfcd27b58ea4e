// SPDX-License-Identifier: GPL-2.0
/*
 * kemu_ioctl -- a misc char device driven by ioctl, the way driver authors write one:
 * commands built with _IO/_IOR/_IOW/_IOWR on magic 'k', the argument copied with
 * copy_from_user/copy_to_user (-EFAULT when that fails), the magic and number checked
 * (-ENOTTY for any command the driver does not know), state under a mutex.
 *
 *   KEMU_IOC_RESET       _IO('k', 0)                       counter := 0
 *   KEMU_IOC_GET         _IOR('k', 1, __u32)               *arg := counter
 *   KEMU_IOC_SET         _IOW('k', 2, __u32)               counter := *arg (-EINVAL above 1000)
 *   KEMU_IOC_ADD         _IOWR('k', 3, struct kemu_pair)   counter += a + b; a := counter, b := calls
 *
 * read() gives the counter as text.
 */
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/ioctl.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("A misc device with _IOR/_IOW/_IOWR ioctls");

struct kemu_pair {
	__u32 a;
	__u32 b;
};

#define KEMU_IOC_MAGIC	'k'
#define KEMU_IOC_RESET	_IO(KEMU_IOC_MAGIC, 0)
#define KEMU_IOC_GET	_IOR(KEMU_IOC_MAGIC, 1, __u32)
#define KEMU_IOC_SET	_IOW(KEMU_IOC_MAGIC, 2, __u32)
#define KEMU_IOC_ADD	_IOWR(KEMU_IOC_MAGIC, 3, struct kemu_pair)
#define KEMU_IOC_MAXNR	3

static DEFINE_MUTEX(kemu_lock);
static u32 counter;
static u32 calls;

static long kemu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct kemu_pair pair;
	long ret = 0;
	u32 v;

	if (_IOC_TYPE(cmd) != KEMU_IOC_MAGIC || _IOC_NR(cmd) > KEMU_IOC_MAXNR)
		return -ENOTTY;

	mutex_lock(&kemu_lock);
	calls++;
	switch (cmd) {
	case KEMU_IOC_RESET:
		counter = 0;
		break;
	case KEMU_IOC_GET:
		if (copy_to_user(uarg, &counter, sizeof(counter)))
			ret = -EFAULT;
		break;
	case KEMU_IOC_SET:
		if (copy_from_user(&v, uarg, sizeof(v)))
			ret = -EFAULT;
		else if (v > 1000)
			ret = -EINVAL;
		else
			counter = v;
		break;
	case KEMU_IOC_ADD:
		if (copy_from_user(&pair, uarg, sizeof(pair))) {
			ret = -EFAULT;
			break;
		}
		counter += pair.a + pair.b;
		pair.a = counter;
		pair.b = calls;
		if (copy_to_user(uarg, &pair, sizeof(pair)))
			ret = -EFAULT;
		break;
	default:
		ret = -ENOTTY;
	}
	mutex_unlock(&kemu_lock);
	return ret;
}

static ssize_t kemu_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	char text[16];
	int len;

	mutex_lock(&kemu_lock);
	len = scnprintf(text, sizeof(text), "%u\n", counter);
	mutex_unlock(&kemu_lock);
	return simple_read_from_buffer(buf, count, ppos, text, len);
}

static const struct file_operations kemu_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = kemu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.read = kemu_read,
	.llseek = noop_llseek,
};

static struct miscdevice kemu_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kemu_ioctl",
	.fops = &kemu_fops,
	.mode = 0666,
};

static int __init kemu_ioctl_init(void)
{
	return misc_register(&kemu_misc);
}

static void __exit kemu_ioctl_exit(void)
{
	misc_deregister(&kemu_misc);
}

module_init(kemu_ioctl_init);
module_exit(kemu_ioctl_exit);
