/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/proc.h>.
 *
 * struct thread and struct proc are opaque to the modules this SDK is for: they pass
 * `struct thread *td' along (d_open, d_ioctl, uio_td) but do not look inside.
 */
#ifndef _SYS_PROC_H_
#define _SYS_PROC_H_

#include <sys/cdefs.h>
#include <sys/types.h>
#include <sys/queue.h>

struct thread;
struct proc;
struct ucred;

#endif /* !_SYS_PROC_H_ */
