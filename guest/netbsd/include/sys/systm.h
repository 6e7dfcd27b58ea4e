/*
 * kemu guest SDK -- NetBSD 10.  <sys/systm.h>: the kernel's general
 * services as a module calls them.
 *
 * Provenance: NetBSD 10 sys/sys/systm.h (1.299) prototypes: printf and
 * friends return void (since NetBSD 5), aprint_* for autoconfiguration
 * messages, uprintf/tprintf to the user's terminal, log(9), copyin/
 * copyout/copyinstr/copyoutstr/copystr, kcopy, uiomove, panic, nullop,
 * enodev/enosys/eopnotsupp, the u_int min/max helpers uimin/uimax
 * (NetBSD 9 renamed min/max), KASSERT (compiled out unless DIAGNOSTIC),
 * and <lib/libkern/libkern.h> for the string functions.
 */
#ifndef _SYS_SYSTM_H_
#define	_SYS_SYSTM_H_

#include <sys/types.h>
#include <sys/stdarg.h>
#include <lib/libkern/libkern.h>

struct uio;
struct lwp;
struct proc;
struct tty;

extern int	securelevel;
extern const char *panicstr;
extern int	boothowto;

int	nullop(void *);
void	voidop(void);
int	enodev(void);
int	enosys(void);
int	enoioctl(void);
int	enxio(void);
int	eopnotsupp(void);

void	printf(const char *, ...) __printflike(1, 2);
void	printf_nolog(const char *, ...) __printflike(1, 2);
void	printf_nostamp(const char *, ...) __printflike(1, 2);
void	vprintf(const char *, va_list) __printflike(1, 0);
int	snprintf(char *, size_t, const char *, ...) __printflike(3, 4);
int	vsnprintf(char *, size_t, const char *, va_list) __printflike(3, 0);
void	uprintf(const char *, ...) __printflike(1, 2);
void	aprint_normal(const char *, ...) __printflike(1, 2);
void	aprint_error(const char *, ...) __printflike(1, 2);
void	aprint_naive(const char *, ...) __printflike(1, 2);
void	aprint_verbose(const char *, ...) __printflike(1, 2);
void	aprint_debug(const char *, ...) __printflike(1, 2);
void	log(int, const char *, ...) __printflike(2, 3);
void	panic(const char *, ...) __dead __printflike(1, 2);

int	copyin(const void *, void *, size_t);
int	copyout(const void *, void *, size_t);
int	copyinstr(const void *, void *, size_t, size_t *);
int	copyoutstr(const void *, void *, size_t, size_t *);
int	copystr(const void *, void *, size_t, size_t *);
int	kcopy(const void *, void *, size_t);

int	uiomove(void *, size_t, struct uio *);

void	delay(unsigned int);
#define	DELAY(x)	delay(x)
struct kmutex;
int	kpause(const char *, bool, int, struct kmutex *);

#ifdef DIAGNOSTIC
#define	KASSERT(e)	((e) ? (void)0 : panic("kernel diagnostic assertion \"%s\" failed: file \"%s\", line %d", #e, __FILE__, __LINE__))
#define	KASSERTMSG(e, msg, ...) ((e) ? (void)0 : panic(msg, ##__VA_ARGS__))
#else
#define	KASSERT(e)	((void)0)
#define	KASSERTMSG(e, msg, ...) ((void)0)
#endif
#define	CTASSERT(x)	__CTASSERT(x)

#endif /* !_SYS_SYSTM_H_ */
