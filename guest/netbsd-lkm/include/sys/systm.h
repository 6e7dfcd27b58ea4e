/*
 * kemu guest SDK — NetBSD 1.6 kernel headers for loadable kernel modules.
 * <sys/systm.h>: the kernel services every driver uses.
 *
 * Provenance: NetBSD 1.6 sys/sys/systm.h prototypes, restated for ANSI C:
 *   printf/uprintf/log return void in the NetBSD kernel (not int);
 *   snprintf/sprintf return int; panic does not return.
 *   copyin(uaddr, kaddr, len), copyout(kaddr, uaddr, len),
 *   copyinstr/copyoutstr/copystr(from, to, maxlen, &done) return 0, EFAULT
 *   or ENAMETOOLONG.
 *   tsleep(chan, priority|PCATCH, wmesg, timo) returns 0, EWOULDBLOCK on
 *   timeout, EINTR/ERESTART when a caught signal arrives.
 *   enodev() returns ENODEV, enosys() ENOSYS, enxio() ENXIO, enoioctl()
 *   ENOTTY, eopnotsupp() EOPNOTSUPP, nullop() 0.
 * struct sysent is the 1.6 three-field form {sy_narg, sy_argsize, sy_call}
 * (sy_flags was added after 1.6); it is needed by struct lkm_syscall.
 * The kernel printf supports the BSD %b bit-field conversion; no format
 * attribute is declared because GCC's printf checker would reject %b.
 */
#ifndef _SYS_SYSTM_H_
#define	_SYS_SYSTM_H_

#include <sys/types.h>
#include <machine/stdarg.h>
#include <lib/libkern/libkern.h>

extern int securelevel;		/* system security level */
extern const char *panicstr;	/* panic message */
extern int hz;			/* clock ticks per second */

typedef int sy_call_t(struct proc *, void *, register_t *);

extern struct sysent {		/* system call table */
	short	sy_narg;	/* number of args */
	short	sy_argsize;	/* total size of arguments */
	sy_call_t *sy_call;	/* implementing function */
} sysent[];

int	nullop(void *);
int	enodev(void);
int	enosys(void);
int	enoioctl(void);
int	enxio(void);
int	eopnotsupp(void);
int	seltrue(dev_t, int, struct proc *);

void	printf(const char *, ...);
void	vprintf(const char *, va_list);
int	sprintf(char *, const char *, ...);
int	snprintf(char *, size_t, const char *, ...);
int	vsnprintf(char *, size_t, const char *, va_list);
void	uprintf(const char *, ...);
void	log(int, const char *, ...);
void	panic(const char *, ...) __dead;

void	bcopy(const void *, void *, size_t);
void	ovbcopy(const void *, void *, size_t);
void	bzero(void *, size_t);
int	kcopy(const void *, void *, size_t);

int	copystr(const void *, void *, size_t, size_t *);
int	copyinstr(const void *, void *, size_t, size_t *);
int	copyoutstr(const void *, void *, size_t, size_t *);
int	copyin(const void *, void *, size_t);
int	copyout(const void *, void *, size_t);

int	tsleep(void *, int, const char *, int);
void	wakeup(void *);
void	wakeup_one(void *);

int	uiomove(void *, size_t, struct uio *);

#endif /* !_SYS_SYSTM_H_ */
