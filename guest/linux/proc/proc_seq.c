// SPDX-License-Identifier: GPL-2.0
/*
 * proc_seq -- a /proc entry read through seq_file: /proc/kemu_squares lists the squares of
 * 0 .. ROWS-1, one per line ("3 9"), produced by a seq_operations iterator (start, next,
 * stop, show), so a reader with a small buffer gets the same text in pieces. A second
 * entry, /proc/kemu_summary, uses single_open for a one-shot show. Both go away at exit.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("A /proc entry through proc_create and seq_file");

#define ROWS 10

static void *squares_start(struct seq_file *m, loff_t *pos)
{
	return *pos < ROWS ? pos : NULL;
}

static void *squares_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return *pos < ROWS ? pos : NULL;
}

static void squares_stop(struct seq_file *m, void *v)
{
}

static int squares_show(struct seq_file *m, void *v)
{
	loff_t n = *(loff_t *)v;

	seq_printf(m, "%lld %lld\n", n, n * n);
	return 0;
}

static const struct seq_operations squares_seq_ops = {
	.start = squares_start,
	.next = squares_next,
	.stop = squares_stop,
	.show = squares_show,
};

static int squares_open(struct inode *inode, struct file *file)
{
	return seq_open(file, &squares_seq_ops);
}

static const struct proc_ops squares_proc_ops = {
	.proc_open = squares_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = seq_release,
};

static int summary_show(struct seq_file *m, void *v)
{
	seq_printf(m, "rows: %d\n", ROWS);
	seq_puts(m, "source: kemu proc_seq\n");
	return 0;
}

static int summary_open(struct inode *inode, struct file *file)
{
	return single_open(file, summary_show, NULL);
}

static const struct proc_ops summary_proc_ops = {
	.proc_open = summary_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static int __init proc_seq_init(void)
{
	if (!proc_create("kemu_squares", 0444, NULL, &squares_proc_ops))
		return -ENOMEM;
	if (!proc_create("kemu_summary", 0444, NULL, &summary_proc_ops)) {
		remove_proc_entry("kemu_squares", NULL);
		return -ENOMEM;
	}
	return 0;
}

static void __exit proc_seq_exit(void)
{
	remove_proc_entry("kemu_summary", NULL);
	remove_proc_entry("kemu_squares", NULL);
}

module_init(proc_seq_init);
module_exit(proc_seq_exit);
