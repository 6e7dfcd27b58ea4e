/*
 * kemu guest SDK -- NetBSD 10.  <sys/mutex.h>: kernel mutexes.
 *
 * Provenance: NetBSD 10 sys/sys/mutex.h (1.26) for the interface and
 * sys/arch/x86/include/mutex.h for the layout: on x86 a kmutex_t is one
 * machine word (the owner, or the spin-mutex bytes overlaid on it).
 */
#ifndef _SYS_MUTEX_H_
#define	_SYS_MUTEX_H_

#include <sys/types.h>

typedef enum kmutex_type_t {
	MUTEX_SPIN = 0,
	MUTEX_ADAPTIVE = 1,
	MUTEX_DEFAULT = 2,
	MUTEX_DRIVER = 3,
	MUTEX_NODEBUG = 4
} kmutex_type_t;

typedef struct kmutex {
	union {
		volatile uintptr_t	mtxa_owner;
		struct {
			volatile uint8_t	mtxs_dummy;
			uint8_t			mtxs_ipl;
			__cpu_simple_lock_t	mtxs_lock;
			volatile uint8_t	mtxs_unused;
		} s;
	} u;
} kmutex_t;

#define	IPL_NONE	0x0
#define	IPL_SOFTCLOCK	0x1
#define	IPL_SOFTBIO	0x2
#define	IPL_SOFTNET	0x3
#define	IPL_SOFTSERIAL	0x4
#define	IPL_VM		0x6
#define	IPL_SCHED	0x7
#define	IPL_HIGH	0x8

void	mutex_init(kmutex_t *, kmutex_type_t, int);
void	mutex_destroy(kmutex_t *);
void	mutex_enter(kmutex_t *);
void	mutex_exit(kmutex_t *);
void	mutex_spin_enter(kmutex_t *);
void	mutex_spin_exit(kmutex_t *);
int	mutex_tryenter(kmutex_t *);
int	mutex_owned(const kmutex_t *);

#endif /* !_SYS_MUTEX_H_ */
