/*
 * kemu guest SDK -- NetBSD 10.  <sys/conf.h>: device switch tables.
 *
 * Provenance: NetBSD 10 sys/sys/conf.h (1.161, 2022/03/28, the revision
 * on the netbsd-10 branch).  NetBSD 10 added d_cancel (after d_open),
 * d_devtounit and d_cfdriver (before d_flag) to both switches.  Layouts:
 *   struct cdevsw: 14 pointers -- open cancel close read write ioctl stop
 *     tty poll mmap kqfilter discard devtounit cfdriver -- then int d_flag.
 *     i386: 4-byte steps, d_flag at 56, size 60.
 *     amd64: 8-byte steps, d_flag at 112, size 120.
 *   struct bdevsw: 10 pointers -- open cancel close strategy ioctl dump
 *     psize discard devtounit cfdriver -- then d_flag.
 *     i386: d_flag at 40, size 44.  amd64: d_flag at 80, size 88.
 * Entry points take a 64-bit dev_t (two stack slots on i386) and a
 * struct lwp * where 4.4BSD passed a struct proc *.
 * devsw_attach(name, bdevsw, &bmajor, cdevsw, &cmajor): a major of
 * NODEVMAJOR (-1) asks the kernel to choose; the chosen one is written
 * back.  devsw_detach returns void in NetBSD 10.
 */
#ifndef _SYS_CONF_H_
#define	_SYS_CONF_H_

#include <sys/types.h>
#include <sys/queue.h>

struct buf;
struct knote;
struct lwp;
struct tty;
struct uio;
struct vnode;
struct cfdriver;

#define	D_OTHER		0x0000
#define	D_TAPE		0x0001
#define	D_DISK		0x0002
#define	D_TTY		0x0003
#define	D_TYPEMASK	0x00ff
#define	D_MPSAFE	0x0100
#define	D_NEGOFFSAFE	0x0200
#define	D_UNUSED0	0x0400

struct bdevsw {
	int		(*d_open)(dev_t, int, int, struct lwp *);
	int		(*d_cancel)(dev_t, int, int, struct lwp *);
	int		(*d_close)(dev_t, int, int, struct lwp *);
	void		(*d_strategy)(struct buf *);
	int		(*d_ioctl)(dev_t, u_long, void *, int, struct lwp *);
	int		(*d_dump)(dev_t, daddr_t, void *, size_t);
	int		(*d_psize)(dev_t);
	int		(*d_discard)(dev_t, off_t, off_t);
	int		(*d_devtounit)(dev_t);
	struct cfdriver	*d_cfdriver;
	int		d_flag;
};

struct cdevsw {
	int		(*d_open)(dev_t, int, int, struct lwp *);
	int		(*d_cancel)(dev_t, int, int, struct lwp *);
	int		(*d_close)(dev_t, int, int, struct lwp *);
	int		(*d_read)(dev_t, struct uio *, int);
	int		(*d_write)(dev_t, struct uio *, int);
	int		(*d_ioctl)(dev_t, u_long, void *, int, struct lwp *);
	void		(*d_stop)(struct tty *, int);
	struct tty *	(*d_tty)(dev_t);
	int		(*d_poll)(dev_t, int, struct lwp *);
	paddr_t		(*d_mmap)(dev_t, off_t, int);
	int		(*d_kqfilter)(dev_t, struct knote *);
	int		(*d_discard)(dev_t, off_t, off_t);
	int		(*d_devtounit)(dev_t);
	struct cfdriver	*d_cfdriver;
	int		d_flag;
};

#ifdef _KERNEL

int	devsw_attach(const char *, const struct bdevsw *, devmajor_t *,
	    const struct cdevsw *, devmajor_t *);
void	devsw_detach(const struct bdevsw *, const struct cdevsw *);
const struct bdevsw *bdevsw_lookup(dev_t);
const struct cdevsw *cdevsw_lookup(dev_t);
devmajor_t bdevsw_lookup_major(const struct bdevsw *);
devmajor_t cdevsw_lookup_major(const struct cdevsw *);

typedef int dev_open_t(dev_t, int, int, struct lwp *);
typedef int dev_cancel_t(dev_t, int, int, struct lwp *);
typedef int dev_close_t(dev_t, int, int, struct lwp *);
typedef int dev_read_t(dev_t, struct uio *, int);
typedef int dev_write_t(dev_t, struct uio *, int);
typedef int dev_ioctl_t(dev_t, u_long, void *, int, struct lwp *);
typedef void dev_stop_t(struct tty *, int);
typedef struct tty *dev_tty_t(dev_t);
typedef int dev_poll_t(dev_t, int, struct lwp *);
typedef paddr_t dev_mmap_t(dev_t, off_t, int);
typedef void dev_strategy_t(struct buf *);
typedef int dev_dump_t(dev_t, daddr_t, void *, size_t);
typedef int dev_size_t(dev_t);
typedef int dev_kqfilter_t(dev_t, struct knote *);
typedef int dev_discard_t(dev_t, off_t, off_t);

#define	dev_type_open(n)	dev_open_t n
#define	dev_type_cancel(n)	dev_cancel_t n
#define	dev_type_close(n)	dev_close_t n
#define	dev_type_read(n)	dev_read_t n
#define	dev_type_write(n)	dev_write_t n
#define	dev_type_ioctl(n)	dev_ioctl_t n
#define	dev_type_stop(n)	dev_stop_t n
#define	dev_type_tty(n)		dev_tty_t n
#define	dev_type_poll(n)	dev_poll_t n
#define	dev_type_mmap(n)	dev_mmap_t n
#define	dev_type_strategy(n)	dev_strategy_t n
#define	dev_type_dump(n)	dev_dump_t n
#define	dev_type_size(n)	dev_size_t n
#define	dev_type_kqfilter(n)	dev_kqfilter_t n
#define	dev_type_discard(n)	dev_discard_t n

/* Shared "no such operation" and "do nothing" entry points. */
int	devenodev(dev_t, ...);
int	deveopnotsupp(dev_t, ...);
int	devnullop(dev_t, ...);
int	ttyenodev(struct tty *, ...);
void	ttyvenodev(struct tty *, ...);
void	ttyvnullop(struct tty *, ...);
int	seltrue(dev_t, int, struct lwp *);
int	seltrue_kqfilter(dev_t, struct knote *);

#define	noopen		((dev_open_t *)devenodev)
#define	noclose		((dev_close_t *)devenodev)
#define	noread		((dev_read_t *)devenodev)
#define	nowrite		((dev_write_t *)devenodev)
#define	noioctl		((dev_ioctl_t *)devenodev)
#define	nostop		((dev_stop_t *)ttyvenodev)
#define	notty		NULL
#define	nopoll		seltrue
paddr_t	nommap(dev_t, off_t, int);
#define	nodump		((dev_dump_t *)devenodev)
#define	nosize		NULL
#define	nokqfilter	seltrue_kqfilter
#define	nodiscard	((dev_discard_t *)devenodev)

#define	nullopen	((dev_open_t *)devnullop)
#define	nullclose	((dev_close_t *)devnullop)
#define	nullread	((dev_read_t *)devnullop)
#define	nullwrite	((dev_write_t *)devnullop)
#define	nullioctl	((dev_ioctl_t *)devnullop)
#define	nullstop	((dev_stop_t *)ttyvnullop)
#define	nullpoll	((dev_poll_t *)devnullop)
#define	nulldump	((dev_dump_t *)devnullop)
#define	nullkqfilter	((dev_kqfilter_t *)deveopnotsupp)
#define	nulldiscard	((dev_discard_t *)devnullop)

int	dev_minor_unit(dev_t);
const char *cdevsw_getname(devmajor_t);
const char *bdevsw_getname(devmajor_t);

#endif /* _KERNEL */

#endif /* !_SYS_CONF_H_ */
