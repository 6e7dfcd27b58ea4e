/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/kernel.h>.
 *
 * SYSINIT/SYSUNINIT and the subsystem and order numbers of FreeBSD 14's
 * sys/sys/kernel.h. A SYSINIT is a `struct sysinit' {subsystem, order, func, udata}
 * (4+4+ptr+ptr: 16 bytes on i386, 24 on amd64) put in the writable linker set
 * sysinit_set; on load the kld linker sorts the set by (subsystem, order) and calls
 * func(udata) for each, SYSUNINITs (sysuninit_set) in the reverse order on unload.
 * The enum values are FreeBSD's own: modules compiled here carry them as data.
 */
#ifndef _SYS_KERNEL_H_
#define _SYS_KERNEL_H_

#include <sys/linker_set.h>

#ifdef _KERNEL
#include <sys/queue.h>

extern int tick;			/* microseconds per tick */
extern int hz;				/* clock frequency */
extern volatile int ticks;
extern int bootverbose;
#endif

enum sysinit_sub_id {
	SI_SUB_DUMMY		= 0x0000000,
	SI_SUB_DONE		= 0x0000001,
	SI_SUB_TUNABLES		= 0x0700000,
	SI_SUB_COPYRIGHT	= 0x0800001,
	SI_SUB_VM		= 0x1000000,
	SI_SUB_COUNTER		= 0x1100000,
	SI_SUB_KMEM		= 0x1800000,
	SI_SUB_HYPERVISOR	= 0x1A40000,
	SI_SUB_WITNESS		= 0x1A80000,
	SI_SUB_MTX_POOL_DYNAMIC	= 0x1AC0000,
	SI_SUB_LOCK		= 0x1B00000,
	SI_SUB_EVENTHANDLER	= 0x1C00000,
	SI_SUB_VNET_PRELINK	= 0x1E00000,
	SI_SUB_KLD		= 0x2000000,
	SI_SUB_CPU		= 0x2100000,
	SI_SUB_RACCT		= 0x2110000,
	SI_SUB_KDTRACE		= 0x2140000,
	SI_SUB_RANDOM		= 0x2160000,
	SI_SUB_MAC		= 0x2180000,
	SI_SUB_MAC_POLICY	= 0x21C0000,
	SI_SUB_MAC_LATE		= 0x21D0000,
	SI_SUB_VNET		= 0x21E0000,
	SI_SUB_INTRINSIC	= 0x2200000,
	SI_SUB_VM_CONF		= 0x2300000,
	SI_SUB_DDB_SERVICES	= 0x2380000,
	SI_SUB_RUN_QUEUE	= 0x2400000,
	SI_SUB_KTRACE		= 0x2480000,
	SI_SUB_OPENSOLARIS	= 0x2490000,
	SI_SUB_AUDIT		= 0x24C0000,
	SI_SUB_CREATE_INIT	= 0x2500000,
	SI_SUB_SCHED_IDLE	= 0x2600000,
	SI_SUB_MBUF		= 0x2700000,
	SI_SUB_INTR		= 0x2800000,
	SI_SUB_TASKQ		= 0x2880000,
	SI_SUB_EPOCH		= 0x2888000,
#ifdef EARLY_AP_STARTUP
	SI_SUB_SMP		= 0x2900000,	/* kernels built with EARLY_AP_STARTUP */
#endif
	SI_SUB_SOFTINTR		= 0x2A00000,
	SI_SUB_DEVFS		= 0x2F00000,
	SI_SUB_INIT_IF		= 0x3000000,
	SI_SUB_NETGRAPH		= 0x3010000,
	SI_SUB_DTRACE		= 0x3020000,
	SI_SUB_DTRACE_PROVIDER	= 0x3048000,
	SI_SUB_DTRACE_ANON	= 0x308C000,
	SI_SUB_DRIVERS		= 0x3100000,
	SI_SUB_CONFIGURE	= 0x3800000,
	SI_SUB_VFS		= 0x4000000,
	SI_SUB_CLOCKS		= 0x4800000,
	SI_SUB_SYSV_SHM		= 0x6400000,
	SI_SUB_SYSV_SEM		= 0x6800000,
	SI_SUB_SYSV_MSG		= 0x6C00000,
	SI_SUB_P1003_1B		= 0x6E00000,
	SI_SUB_PSEUDO		= 0x7000000,
	SI_SUB_EXEC		= 0x7400000,
	SI_SUB_PROTO_BEGIN	= 0x8000000,
	SI_SUB_PROTO_PFIL	= 0x8100000,
	SI_SUB_PROTO_IF		= 0x8400000,
	SI_SUB_PROTO_DOMAININIT	= 0x8600000,
	SI_SUB_PROTO_MC		= 0x8700000,
	SI_SUB_PROTO_DOMAIN	= 0x8800000,
	SI_SUB_PROTO_FIREWALL	= 0x8806000,
	SI_SUB_PROTO_IFATTACHDOMAIN = 0x8808000,
	SI_SUB_PROTO_END	= 0x8ffffff,
	SI_SUB_KPROF		= 0x9000000,
	SI_SUB_KICK_SCHEDULER	= 0xa000000,
	SI_SUB_INT_CONFIG_HOOKS	= 0xa800000,
	SI_SUB_ROOT_CONF	= 0xb000000,
	SI_SUB_INTRINSIC_POST	= 0xd000000,
	SI_SUB_SYSCALLS		= 0xd800000,
	SI_SUB_VNET_DONE	= 0xdc00000,
	SI_SUB_KTHREAD_INIT	= 0xe000000,
	SI_SUB_KTHREAD_PAGE	= 0xe400000,
	SI_SUB_KTHREAD_VM	= 0xe800000,
	SI_SUB_KTHREAD_BUF	= 0xea00000,
	SI_SUB_KTHREAD_UPDATE	= 0xec00000,
	SI_SUB_KTHREAD_IDLE	= 0xee00000,
#ifndef EARLY_AP_STARTUP
	SI_SUB_SMP		= 0xf000000,	/* what a kld built without opt_global.h sees */
#endif
	SI_SUB_RACCTD		= 0xf100000,
	SI_SUB_LAST		= 0xfffffff
};

enum sysinit_elem_order {
	SI_ORDER_FIRST		= 0x0000000,
	SI_ORDER_SECOND		= 0x0000001,
	SI_ORDER_THIRD		= 0x0000002,
	SI_ORDER_FOURTH		= 0x0000003,
	SI_ORDER_FIFTH		= 0x0000004,
	SI_ORDER_SIXTH		= 0x0000005,
	SI_ORDER_SEVENTH	= 0x0000006,
	SI_ORDER_EIGHTH		= 0x0000007,
	SI_ORDER_MIDDLE		= 0x1000000,
	SI_ORDER_ANY		= 0xfffffff
};

typedef void (*sysinit_nfunc_t)(void *);
typedef void (*sysinit_cfunc_t)(const void *);

struct sysinit {
	enum sysinit_sub_id	subsystem;	/* subsystem identifier */
	enum sysinit_elem_order	order;		/* order within the subsystem */
	sysinit_cfunc_t		func;		/* function to call */
	const void		*udata;		/* its argument */
};

#define	C_SYSINIT(uniquifier, subsystem, order, func, ident)	\
	static struct sysinit uniquifier ## _sys_init = {	\
		subsystem,					\
		order,						\
		func,						\
		(ident)						\
	};							\
	DATA_WSET(sysinit_set, uniquifier ## _sys_init)

#define	SYSINIT(uniquifier, subsystem, order, func, ident)	\
	C_SYSINIT(uniquifier, subsystem, order,			\
	    (sysinit_cfunc_t)(sysinit_nfunc_t)func, (void *)(ident))

#define	C_SYSUNINIT(uniquifier, subsystem, order, func, ident)	\
	static struct sysinit uniquifier ## _sys_uninit = {	\
		subsystem,					\
		order,						\
		func,						\
		(ident)						\
	};							\
	DATA_WSET(sysuninit_set, uniquifier ## _sys_uninit)

#define	SYSUNINIT(uniquifier, subsystem, order, func, ident)	\
	C_SYSUNINIT(uniquifier, subsystem, order,		\
	    (sysinit_cfunc_t)(sysinit_nfunc_t)func, (void *)(ident))

#ifdef _KERNEL
void	sysinit_add(struct sysinit **set, struct sysinit **set_end);
#endif

#endif /* !_SYS_KERNEL_H_ */
