/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/systm.h>.
 *
 * What every kernel source includes (FreeBSD 14 sys/sys/systm.h): printf(9) and
 * friends, panic, the copy functions, memory helpers, sleeping and KASSERT. kemu
 * builds without INVARIANTS, as a GENERIC release kernel is, so KASSERT compiles to
 * nothing. printf uses FreeBSD's kernel format (%b, %D), so its format attribute is
 * __printf__, which kmod builds with clang map to __freebsd_kprintf__.
 */
#ifndef _SYS_SYSTM_H_
#define _SYS_SYSTM_H_

#include <sys/cdefs.h>
#include <sys/types.h>
#include <sys/_stdarg.h>
#include <sys/libkern.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <sys/callout.h>

extern int cold;		/* nonzero if we are doing a cold boot */
extern int suspend_blocked;
extern const char *panicstr;
extern bool scheduler_stopped;
extern char version[];		/* system version */
extern char compiler_version[];
extern char copyright[];
extern int kstack_pages;
extern u_long pagesizes[];
extern int physmem;
extern int maxusers;
extern int ngroups_max;
extern int vm_guest;
extern int bootverbose;
extern int securelevel;

struct thread;
struct proc;
struct ucred;
struct uio;
struct malloc_type;

#define	KASSERT(exp, msg) do { } while (0)
#define	VNASSERT(exp, vp, msg) do { } while (0)
#define	MPASS(ex)		MPASS4(ex, #ex, __FILE__, __LINE__)
#define	MPASS2(ex, what)	MPASS4(ex, what, __FILE__, __LINE__)
#define	MPASS3(ex, file, line)	MPASS4(ex, #ex, file, line)
#define	MPASS4(ex, what, file, line)	do { } while (0)
#define	CTASSERT(x)	_Static_assert(x, "compile-time assertion failed")

#define	SCHEDULER_STOPPED()	__predict_false(scheduler_stopped)

void	panic(const char *, ...) __dead2 __printflike(1, 2);
void	vpanic(const char *, __va_list) __dead2 __printflike(1, 0);

int	printf(const char *, ...) __printflike(1, 2);
int	vprintf(const char *, __va_list) __printflike(1, 0);
int	uprintf(const char *, ...) __printflike(1, 2);
int	tprintf(struct proc *p, int pri, const char *, ...) __printflike(3, 4);
void	log(int, const char *, ...) __printflike(2, 3);
void	vlog(int, const char *, __va_list) __printflike(2, 0);
int	snprintf(char *, size_t, const char *, ...) __printflike(3, 4);
int	sprintf(char *buf, const char *, ...) __printflike(2, 3);
int	vsnprintf(char *, size_t, const char *, __va_list) __printflike(3, 0);
int	vsprintf(char *buf, const char *, __va_list) __printflike(2, 0);
int	sscanf(const char *, char const *, ...) __scanflike(2, 3);
int	vsscanf(const char *, char const *, __va_list) __scanflike(2, 0);
int	asprintf(char **ret, struct malloc_type *mtp, const char *format, ...)
	    __printflike(3, 4);
int	vasprintf(char **ret, struct malloc_type *mtp, const char *format,
	    __va_list ap) __printflike(3, 0);
void	hexdump(const void *ptr, int length, const char *hdr, int flags);

#define	HD_COLUMN_MASK	0xff
#define	HD_DELIM_MASK	0xff00
#define	HD_OMIT_COUNT	(1 << 16)
#define	HD_OMIT_HEX	(1 << 17)
#define	HD_OMIT_CHARS	(1 << 18)
void	critical_enter_KBI(void);
void	critical_exit_KBI(void);
/* A kld cannot inline the kernel's critical sections (td_critnest): it calls the KBI. */
#define	critical_enter()	critical_enter_KBI()
#define	critical_exit()		critical_exit_KBI()


void	bcopy(const void *from, void *to, size_t len);
void	bzero(void *buf, size_t len);
void	explicit_bzero(void *, size_t);
void	*memset(void *b, int c, size_t len);
void	*memcpy(void * __restrict to, const void * __restrict from, size_t len);
void	*memmove(void *dest, const void *src, size_t n);

/*
 * As in FreeBSD 13 and later, the BSD and C memory functions are the compiler's
 * builtins: small constant-size ones are inlined, the rest become calls to the
 * kernel's memset/memcpy/memmove/memcmp (so a kld never imports bzero or bcopy).
 */
#define	bcmp(b1, b2, len)	__builtin_memcmp((b1), (b2), (len))
#define	bcopy(from, to, len)	__builtin_memmove((to), (from), (len))
#define	bzero(buf, len)		__builtin_memset((buf), 0, (len))
#define	memcmp(b1, b2, len)	__builtin_memcmp((b1), (b2), (len))
#define	memcpy(to, from, len)	__builtin_memcpy((to), (from), (len))
#define	memmove(dest, src, n)	__builtin_memmove((dest), (src), (n))
#define	memset(buf, c, len)	__builtin_memset((buf), (c), (len))

int	copystr(const void * __restrict kfaddr, void * __restrict kdaddr,
	    size_t len, size_t * __restrict lencopied);
int	copyinstr(const void * __restrict udaddr, void * __restrict kaddr,
	    size_t len, size_t * __restrict lencopied);
int	copyin(const void * __restrict udaddr, void * __restrict kaddr,
	    size_t len);
int	copyin_nofault(const void * __restrict udaddr, void * __restrict kaddr,
	    size_t len);
int	copyout(const void * __restrict kaddr, void * __restrict udaddr,
	    size_t len);
int	copyout_nofault(const void * __restrict kaddr, void * __restrict udaddr,
	    size_t len);

int	fubyte(volatile const void *base);
long	fuword(volatile const void *base);
int	fuword32(volatile const void *base, int32_t *val);
int	subyte(volatile void *base, int byte);
int	suword(volatile void *base, long word);
int	suword32(volatile void *base, int32_t word);

void	DELAY(int usec);

/* Sleeping (FreeBSD 14 sys/sys/systm.h: everything is _sleep or pause_sbt). */
struct lock_object;
int	_sleep(const void *chan, struct lock_object *lock, int pri,
	    const char *wmesg, sbintime_t sbt, sbintime_t pr, int flags);
#define	msleep(chan, mtx, pri, wmesg, timo)				\
	_sleep((chan), &(mtx)->lock_object, (pri), (wmesg),		\
	    tick_sbt * (timo), 0, C_HARDCLOCK)
#define	msleep_sbt(chan, mtx, pri, wmesg, bt, pr, flags)		\
	_sleep((chan), &(mtx)->lock_object, (pri), (wmesg), (bt), (pr),	\
	    (flags))
int	pause_sbt(const char *wmesg, sbintime_t sbt, sbintime_t pr, int flags);
static __inline int
pause(const char *wmesg, int timo)
{
	return (pause_sbt(wmesg, tick_sbt * timo, 0, C_HARDCLOCK));
}
#define	pause_sig(wmesg, timo)						\
	pause_sbt((wmesg), tick_sbt * (timo), 0, C_HARDCLOCK | C_CATCH)
#define	tsleep(chan, pri, wmesg, timo)					\
	_sleep((chan), NULL, (pri), (wmesg), tick_sbt * (timo),		\
	    0, C_HARDCLOCK)
#define	tsleep_sbt(chan, pri, wmesg, bt, pr, flags)			\
	_sleep((chan), NULL, (pri), (wmesg), (bt), (pr), (flags))
void	wakeup(const void *chan);
void	wakeup_one(const void *chan);
void	wakeup_any(const void *chan);

int	getenv_int(const char *name, int *data);
int	getenv_string(const char *name, char *data, int size);
char	*kern_getenv(const char *name);
void	freeenv(char *env);

struct cdev;
const char *devtoname(struct cdev *cdev);

int	securelevel_gt(struct ucred *cr, int level);
int	securelevel_ge(struct ucred *cr, int level);

#define	ovbcopy(f, t, l) bcopy((f), (t), (l))

#endif /* !_SYS_SYSTM_H_ */
