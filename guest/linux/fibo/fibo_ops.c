// SPDX-License-Identifier: GPL-2.0
/*
 * The file_operations both fibo modules register: open/release (one opener per minor),
 * read (whole u32 numbers, copy_to_user), write (choose where the sequence stands,
 * copy_from_user), llseek (by byte offset, a multiple of 4) and unlocked_ioctl
 * (get_user/put_user). .owner = THIS_MODULE makes the kernel hold the module while a
 * minor is open, so rmmod refuses then.
 */
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>

#include "fibo.h"

struct fibo_state {
	bool open;
	u32 index;		/* of the next number, 0 .. FIBO_COUNT-1 */
	u32 current_value;	/* F(index + 1) */
	u32 previous;		/* F(index), 0 for index 0 */
};

static struct fibo_state fibo_states[FIBO_MINORS];
static DEFINE_MUTEX(fibo_lock);

static void fibo_restart(struct fibo_state *st)
{
	st->index = 0;
	st->current_value = 1;
	st->previous = 0;
}

static void fibo_advance(struct fibo_state *st)
{
	u32 next;

	if (st->index + 1 == FIBO_COUNT) {
		fibo_restart(st);
		return;
	}
	next = st->current_value + st->previous;
	st->previous = st->current_value;
	st->current_value = next;
	st->index++;
}

static void fibo_seek_index(struct fibo_state *st, u32 index)
{
	fibo_restart(st);
	while (st->index != index % FIBO_COUNT)
		fibo_advance(st);
}

static int fibo_open(struct inode *inode, struct file *file)
{
	unsigned int minor = iminor(inode);
	struct fibo_state *st;
	int ret = 0;

	if (minor >= FIBO_MINORS)
		return -ENODEV;
	st = &fibo_states[minor];
	mutex_lock(&fibo_lock);
	if (st->open) {
		ret = -EBUSY;
	} else {
		st->open = true;
		fibo_restart(st);
		file->private_data = st;
		file->f_pos = 0;
	}
	mutex_unlock(&fibo_lock);
	return ret;
}

static int fibo_release(struct inode *inode, struct file *file)
{
	struct fibo_state *st = file->private_data;

	mutex_lock(&fibo_lock);
	st->open = false;
	mutex_unlock(&fibo_lock);
	return 0;
}

static ssize_t fibo_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	struct fibo_state *st = file->private_data;
	size_t done = 0;

	if (count < sizeof(u32))
		return -EINVAL;
	while (count - done >= sizeof(u32)) {
		if (copy_to_user(buf + done, &st->current_value, sizeof(u32)))
			return done ? done : -EFAULT;
		fibo_advance(st);
		done += sizeof(u32);
		*ppos += sizeof(u32);
	}
	return done;
}

/* Write u32 values n (1 .. FIBO_COUNT); after the last, the next read returns F(n). */
static ssize_t fibo_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	struct fibo_state *st = file->private_data;
	size_t done;
	u32 n;

	if (count < sizeof(u32) || count % sizeof(u32))
		return -EINVAL;
	for (done = 0; done < count; done += sizeof(u32)) {
		if (copy_from_user(&n, buf + done, sizeof(n)))
			return -EFAULT;
		if (n < 1 || n > FIBO_COUNT)
			return -EINVAL;
		fibo_seek_index(st, n - 1);
		*ppos = (loff_t)(n - 1) * sizeof(u32);
	}
	return count;
}

static loff_t fibo_llseek(struct file *file, loff_t offset, int whence)
{
	struct fibo_state *st = file->private_data;
	loff_t pos;

	switch (whence) {
	case SEEK_SET:
		pos = offset;
		break;
	case SEEK_CUR:
		pos = file->f_pos + offset;
		break;
	default:
		return -EINVAL;		/* the sequence has no end */
	}
	if (pos < 0 || pos % sizeof(u32))
		return -EINVAL;
	fibo_seek_index(st, (u32)((pos / sizeof(u32)) % FIBO_COUNT));
	file->f_pos = pos;
	return pos;
}

static long fibo_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct fibo_state *st = file->private_data;
	u32 __user *out = (u32 __user *)arg;

	switch (cmd) {
	case FIBO_IOC_RESET:
		fibo_restart(st);
		file->f_pos = 0;
		return 0;
	case FIBO_IOC_INDEX:
		return put_user(st->index, out);
	case FIBO_IOC_PEEK:
		return put_user(st->current_value, out);
	default:
		return -ENOTTY;
	}
}

const struct file_operations fibo_fops = {
	.owner = THIS_MODULE,
	.open = fibo_open,
	.release = fibo_release,
	.read = fibo_read,
	.write = fibo_write,
	.llseek = fibo_llseek,
	.unlocked_ioctl = fibo_ioctl,
};
