/*
 * kemu guest SDK -- NetBSD 10.  <sys/specificdata.h>: per-object
 * "specific data" keys, as module(9) uses them (module_specific_key_create,
 * module_getspecific, module_setspecific).
 *
 * Provenance: NetBSD 10 sys/sys/specificdata.h (1.3): specificdata_key_t
 * is an unsigned int index, a destructor takes the datum, and a
 * specificdata_reference is {container pointer, kmutex_t}.
 */
#ifndef _SYS_SPECIFICDATA_H_
#define	_SYS_SPECIFICDATA_H_

#include <sys/mutex.h>

typedef unsigned int specificdata_key_t;
typedef void (*specificdata_dtor_t)(void *);
typedef struct specificdata_domain *specificdata_domain_t;
struct specificdata_container;

typedef struct {
	struct specificdata_container *specdataref_container;
	kmutex_t specdataref_lock;
} specificdata_reference;

#endif /* !_SYS_SPECIFICDATA_H_ */
