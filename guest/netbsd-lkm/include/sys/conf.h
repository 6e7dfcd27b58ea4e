/*
 * kemu guest SDK — NetBSD 1.6 kernel headers for loadable kernel modules.
 * <sys/conf.h>: the block and character device switches.
 *
 * Provenance: NetBSD 1.6 sys/sys/conf.h (the array-indexed bdevsw[]/cdevsw[]
 * of 1.x; devsw_attach and d_kqfilter arrived in 2.0).  The 1.6 character
 * switch has ten members:
 *   d_open, d_close, d_read, d_write, d_ioctl, d_stop (void),
 *   d_tty, d_poll, d_mmap (returns paddr_t), d_type.
 * Offsets (checked by guest/netbsd-lkm/layout/sdk_layout.c):
 *            i386   x86_64
 * d_open        0        0
 * d_close       4        8
 * d_read        8       16
 * d_write      12       24
 * d_ioctl      16       32
 * d_stop       20       40
 * d_tty        24       48
 * d_poll       28       56
 * d_mmap       32       64
 * d_type       36       72
 * sizeof       40       80
 * The 1.6 block switch is d_open, d_close, d_strategy, d_ioctl, d_dump,
 * d_psize, d_type (sizeof 28 on i386, 56 on x86_64).
 *
 * dev_type_xxx(n) declares n with the member's function type, so
 * dev_type_read(fibo_read); declares a read routine and
 * (dev_type_write((*))) enodev casts enodev to a write-routine pointer,
 * the idiom the NetBSD tutorial uses to fill unused slots.
 */
#ifndef _SYS_CONF_H_
#define	_SYS_CONF_H_

#include <sys/types.h>

struct knote;

/* Types for d_type. */
#define	D_TAPE	1
#define	D_DISK	2
#define	D_TTY	3

#define	dev_type_open(n)	int n(dev_t, int, int, struct proc *)
#define	dev_type_close(n)	int n(dev_t, int, int, struct proc *)
#define	dev_type_strategy(n)	void n(struct buf *)
#define	dev_type_ioctl(n)	int n(dev_t, u_long, caddr_t, int, struct proc *)
#define	dev_type_dump(n)	int n(dev_t, daddr_t, caddr_t, size_t)
#define	dev_type_size(n)	int n(dev_t)
#define	dev_type_read(n)	int n(dev_t, struct uio *, int)
#define	dev_type_write(n)	int n(dev_t, struct uio *, int)
#define	dev_type_stop(n)	void n(struct tty *, int)
#define	dev_type_tty(n)		struct tty *n(dev_t)
#define	dev_type_poll(n)	int n(dev_t, int, struct proc *)
#define	dev_type_mmap(n)	paddr_t n(dev_t, off_t, int)

/* Block device switch. */
struct bdevsw {
	dev_type_open((*d_open));
	dev_type_close((*d_close));
	dev_type_strategy((*d_strategy));
	dev_type_ioctl((*d_ioctl));
	dev_type_dump((*d_dump));
	dev_type_size((*d_psize));
	int	d_type;
};

/* Character device switch. */
struct cdevsw {
	dev_type_open((*d_open));
	dev_type_close((*d_close));
	dev_type_read((*d_read));
	dev_type_write((*d_write));
	dev_type_ioctl((*d_ioctl));
	dev_type_stop((*d_stop));
	dev_type_tty((*d_tty));
	dev_type_poll((*d_poll));
	dev_type_mmap((*d_mmap));
	int	d_type;
};

#ifdef _KERNEL
extern struct bdevsw bdevsw[];
extern struct cdevsw cdevsw[];
extern int nblkdev, nchrdev;

/* Declare every routine of a character driver named n (n##open ...). */
#define	cdev_decl(n) \
	dev_type_open(__CONCAT(n,open)); dev_type_close(__CONCAT(n,close)); \
	dev_type_read(__CONCAT(n,read)); dev_type_write(__CONCAT(n,write)); \
	dev_type_ioctl(__CONCAT(n,ioctl)); dev_type_stop(__CONCAT(n,stop)); \
	dev_type_tty(__CONCAT(n,tty)); dev_type_poll(__CONCAT(n,poll)); \
	dev_type_mmap(__CONCAT(n,mmap))

/* Declared in <sys/systm.h> in NetBSD; repeated so conf.h stands alone. */
int	enodev(void);
int	nullop(void *);
#endif /* _KERNEL */

#endif /* !_SYS_CONF_H_ */
