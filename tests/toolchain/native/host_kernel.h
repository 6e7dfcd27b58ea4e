/* host_kernel.h -- what the probe programs use from host_kernel.c. */
#ifndef _HOST_KERNEL_H_
#define	_HOST_KERNEL_H_

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/conf.h>
#include <sys/fcntl.h>
#include <sys/uio.h>
#include <sys/lkm.h>

extern int host_lkm_exists;
extern int host_lkmdispatch_calls;
extern int host_lkmdispatch_last_cmd;
extern int host_live_allocations;

int host_rw(struct cdevsw *, dev_t, enum uio_rw, void *, size_t, size_t *);

#endif
